"""The callback Token is a secret: encrypted in the database, readable only by admins."""

import asyncio
import json
import os
import sys
import uuid

from tortoise import connections

from gateway import crypto
from matrix.models import Account
from tests.conftest import ROOT, TEST_ENV
from tests.conftest import run_cli as _cli
from tests.matrix.matrix_helpers import peer_for, sign_in, text_xml, unique_appid, unique_code

SECRET = "test-secret-0123456789abcdef"


async def _raw_row(code: str) -> dict:
    # Every column as stored, without the ORM: what a database dump would show.
    conn = connections.get("default")
    placeholder = "$1" if conn.capabilities.dialect == "postgres" else "?"
    rows = await conn.execute_query_dict(
        f"SELECT * FROM matrix_account WHERE code = {placeholder}", [code]
    )
    return rows[0]


async def test_a_new_accounts_token_is_stored_encrypted_and_callbacks_still_verify(api, db):
    headers = await sign_in(api, "admin")
    code = unique_code()
    token = "PlainToken" + uuid.uuid4().hex[:16]
    body = {
        "code": code,
        "name": "蒙城令牌测试号",
        "department_code": "jyj",
        "platform": "wechat_subscription",
        "appid": unique_appid(),
        "secret": SECRET,
        "token": token,
        "safe_mode": False,
    }
    created = await api.post("/api/v1/admin/accounts", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert token not in created.text

    row = await _raw_row(code)
    assert "callback_token" not in row
    assert all(token not in str(value) for value in row.values())
    assert crypto.decrypt(row["callback_token_encrypted"]) == token

    # Plaintext mode: the Token alone signs WeChat's callbacks; the server still checks them.
    peer = await peer_for(code)
    assert peer.token == token
    assert not peer.safe_mode
    assert (await peer.post(api, text_xml("oTokenFan" + uuid.uuid4().hex[:8], "你好"))).text == (
        "success"
    )
    for url in (f"/api/v1/admin/accounts/{code}", "/api/v1/admin/accounts"):
        assert token not in (await api.get(url, headers=headers)).text

    shown = _cli("account", "show", code)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["token"] == token


async def test_a_changed_token_is_stored_encrypted(api, db):
    headers = await sign_in(api, "admin")
    new_token = "Rotated" + uuid.uuid4().hex[:20]
    changed = await api.patch(
        "/api/v1/admin/accounts/mcjy", json={"token": new_token}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    assert new_token not in changed.text
    row = await _raw_row("mcjy")
    assert new_token not in str(row["callback_token_encrypted"])
    account = await Account.get(code="mcjy")
    assert crypto.decrypt(account.callback_token_encrypted or "") == new_token
    assert json.loads(_cli("account", "show", "mcjy").stdout)["token"] == new_token
    assert not _logs_contain(new_token)


def _logs_contain(text: str) -> bool:
    logs = ROOT / "var" / "test" / f"server-{os.getpid()}.log"
    return logs.exists() and text in logs.read_text(errors="replace")


# Runs in a child process: the migration needs its own database and its own tortoise state.
MIGRATION_SCRIPT = r"""
import asyncio, json, sys
from tortoise import Tortoise
from tortoise.migrations.api import migrate
from gateway.domains import model_apps
from gateway.db import tortoise_config


async def step(config, target, sql, values=()):
    # Each migrate() initialises tortoise afresh: close its connections after every step,
    # or the SQLite worker threads it leaves behind keep the process alive.
    try:
        await migrate(config=config, target=target)
        conn = Tortoise.get_connection("default")
        pg = conn.capabilities.dialect == "postgres"
        results = []
        for params in values:
            marks = ", ".join(f"${i}" if pg else "?" for i in range(1, len(params) + 1))
            results.append(await conn.execute_query_dict(sql.format(marks), list(params)))
        if not values:
            results.append(await conn.execute_query_dict(sql))
        return results
    finally:
        await Tortoise.close_connections()


async def main(url):
    config = tortoise_config(url, model_apps())
    await step(
        config,
        "matrix.0001_initial",
        "INSERT INTO matrix_account (code, platform, name, callback_token, safe_mode,"
        " follower_count, auto_reply, is_active, created_at, updated_at)"
        " VALUES ({}, FALSE, 0, '{{}}', TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        [
            ("old1", "wechat_subscription", "旧账号", "OldPlainToken0001"),
            ("old2", "wechat_subscription", "旧账号", None),
        ],
    )
    out = {}
    out["forward"] = (await step(config, None, "SELECT * FROM matrix_account ORDER BY code"))[0]
    out["backward"] = (
        await step(
            config,
            "matrix.0001_initial",
            "SELECT code, callback_token FROM matrix_account ORDER BY code",
        )
    )[0]
    print(json.dumps(out, default=str))


asyncio.run(main(sys.argv[1]))
"""


async def _scratch_database(tmp_path) -> tuple[str, str | None]:
    # A database of its own: the suite's database is already migrated to the latest state.
    url = TEST_ENV["APP_DATABASE_URL"]
    if url.startswith("sqlite://"):
        return f"sqlite://{tmp_path}/migration.sqlite3", None
    name = "govmatrix_mig_" + uuid.uuid4().hex[:12]
    await connections.get("default").execute_script(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + "/" + name, name


async def test_the_migration_encrypts_tokens_stored_in_plaintext(db, tmp_path):
    url, created = await _scratch_database(tmp_path)
    try:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            MIGRATION_SCRIPT,
            url,
            cwd=ROOT,
            env={**os.environ, **TEST_ENV},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(child.communicate(), timeout=120)
    finally:
        if created:
            await connections.get("default").execute_script(f"DROP DATABASE {created}")
    assert child.returncode == 0, stderr.decode()
    result = json.loads(stdout.decode().strip().splitlines()[-1])

    forward = {row["code"]: row for row in result["forward"]}
    assert "callback_token" not in forward["old1"]
    assert "OldPlainToken0001" not in json.dumps(result["forward"])
    assert crypto.decrypt(forward["old1"]["callback_token_encrypted"]) == "OldPlainToken0001"
    assert forward["old2"]["callback_token_encrypted"] is None
    # Rolling back restores the plaintext column.
    backward = {row["code"]: row["callback_token"] for row in result["backward"]}
    assert backward == {"old1": "OldPlainToken0001", "old2": None}
