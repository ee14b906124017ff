"""What an admin or developer meets at the edges: commands, API docs, odd records, odd callbacks."""

import json
import os
import socket
import subprocess

from matrix.models import Account, InboxMessage
from tests.conftest import GOVMATRIX, ROOT, TEST_ENV, assert_error
from tests.conftest import run_cli as _cli
from tests.matrix.matrix_helpers import peer_for, sign_in, unique_appid, unique_code

SHOW_FIELDS = {"code", "appid", "callback_url", "token", "encoding_aes_key"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_seed_demo_without_a_running_sandbox_says_how_to_start_it(db):
    port = _closed_port()
    done = subprocess.run(
        [GOVMATRIX, "seed-demo"],
        cwd=ROOT,
        env={**os.environ, **TEST_ENV, "APP_WECHAT_API_BASE": f"http://127.0.0.1:{port}"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert f"govmatrix sandbox --port {port}" in done.stderr
    assert "沙箱" in done.stderr
    assert "not answering" in done.stderr


async def test_account_show_prints_exactly_what_wechat_asks_for(api, db):
    shown = _cli("account", "show", "mcjy")
    assert shown.returncode == 0, shown.stderr
    assert set(json.loads(shown.stdout)) == SHOW_FIELDS


async def test_weibo_record_has_no_callback_address_anywhere(api, db):
    headers = await sign_in(api, "admin")
    code = unique_code("wb")
    created = await api.post(
        "/api/v1/admin/accounts",
        json={"code": code, "platform": "weibo", "name": "蒙城发布微博", "department_code": "zfb"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["account"]["callback_url"] is None
    shown = json.loads(_cli("account", "show", code).stdout)
    assert set(shown) == SHOW_FIELDS
    assert shown["callback_url"] is None
    page = await api.get(f"/console/matrix/accounts/{code}", headers=headers)
    assert page.status_code == 200
    assert "/wechat/callback/" not in page.text
    assert "服务器配置" not in page.text


async def test_a_too_short_app_secret_is_a_field_error(api, db):
    headers = await sign_in(api, "admin")
    response = await api.post(
        "/api/v1/admin/accounts",
        json={
            "code": unique_code(),
            "platform": "wechat_subscription",
            "name": "蒙城测试",
            "department_code": "jyj",
            "appid": unique_appid(),
            "secret": "x",
        },
        headers=headers,
    )
    body = assert_error(response, 422, "invalid")
    assert "AppSecret" in body["fields"]["secret"]


async def test_a_signed_message_whose_sender_is_not_text_is_refused_and_not_stored(api, db):
    peer = await peer_for("mctj")  # a plaintext account
    body = (
        "<xml><ToUserName>gh_x</ToUserName><FromUserName a='1'>oAttr0001</FromUserName>"
        "<CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>你好</Content>"
        "<MsgId>81234567890123</MsgId></xml>"
    )
    response = await peer.post(api, body)
    assert_error(response, 400, "malformed_xml")
    account = await Account.get(code="mctj")
    assert not await InboxMessage.exists(account_id=account.id, dedupe_key="msg:81234567890123")


async def test_matrix_and_jobs_endpoints_have_written_summaries(api):
    spec = (await api.get("/docs/openapi.json")).json()
    ours = ("/api/v1/admin/accounts", "/api/v1/admin/inbox", "/api/v1/admin/jobs")
    checked = 0
    for path, ops in spec["paths"].items():
        if not path.startswith(ours):
            continue
        for method, operation in ops.items():
            handler = operation["operationId"].rsplit(".", 1)[-1]
            summary = operation.get("summary")
            assert summary not in (None, "", handler.replace("_", " ").title()), (path, method)
            checked += 1
    assert checked >= 10


async def test_the_sandbox_address_alone_leads_to_its_page(sandbox):
    response = await sandbox.get("/", follow_redirects=True)
    assert response.status_code == 200
    assert "微信沙箱" in response.text
