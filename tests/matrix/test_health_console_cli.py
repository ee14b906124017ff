"""Matrix health, the console pages and the `govmatrix account` commands."""

import json
import secrets
import time

import pytest

from matrix.demo import published_days_ago
from matrix.models import Account, FollowerDaily
from matrix.service.common import local_date, now_utc, today_local
from matrix.service.health import snapshot_followers
from tests.conftest import assert_error
from tests.conftest import run_cli as _cli
from tests.matrix.matrix_helpers import peer_for, sign_in, text_xml, unique_appid, unique_code


@pytest.mark.dates
async def test_health_flags_stale_accounts_and_overdue_messages(api, db):
    peer = await peer_for("mcsjzy")
    # A month back holds more than 3 working days whatever the holidays (Spring Festival's
    # nine days included), so the message is overdue on any date.
    month_ago = int(time.time()) - 30 * 86400
    fan = "o" + secrets.token_hex(12)
    assert (
        await peer.post(api, text_xml(fan, "数据开放目录在哪？", created=month_ago))
    ).text == "success"
    # Publication days count county calendar days: set the date here rather than trust the
    # seed's, which a run started before midnight made on the day before.
    published = published_days_ago(12, now_utc())
    await Account.filter(code="mcggzy").update(last_published_at=published)
    # The hourly snapshot has run today: the seed's 30 days of trend end on the seed's day.
    await snapshot_followers()
    headers = await sign_in(api, "editor")
    days_before = (today_local() - local_date(published)).days
    response = await api.get("/api/v1/admin/accounts/health", headers=headers)
    days_after = (today_local() - local_date(published)).days
    assert response.status_code == 200, response.text
    body = response.json()
    rows = {r["code"]: r for r in body["accounts"]}
    assert rows["mcggzy"]["health"]["level"] == "warning"
    assert rows["mcggzy"]["health"]["days_since_publication"] in {days_before, days_after}
    assert rows["mctj"]["health"]["level"] == "failing"
    assert any("不合格" in p for p in rows["mctj"]["health"]["problems"])
    assert rows["mcfb"]["health"]["level"] == "ok"
    overdue = rows["mcsjzy"]["health"]
    assert overdue["overdue_messages"] >= 1
    assert overdue["level"] != "ok"
    assert any("3 个工作日" in p for p in overdue["problems"])
    assert rows["mcmp"]["health"]["publication"] == "n/a"
    assert len(rows["mcfb"]["follower_trend"]) >= 30
    assert body["summary"]["accounts"] == len(rows)
    assert body["summary"]["failing"] >= 1
    assert body["summary"]["warning"] >= 1
    assert rows["mcfb"]["token_state"]["state"] in ("none", "valid")


async def test_token_state_shows_a_fetched_token(api, db):
    headers = await sign_in(api, "admin")
    done = _cli("account", "check", "mcjy")
    assert done.returncode == 0, done.stderr
    rows = {
        r["code"]: r
        for r in (await api.get("/api/v1/admin/accounts", headers=headers)).json()["accounts"]
    }
    assert rows["mcjy"]["token_state"]["state"] == "valid"
    assert rows["mcjy"]["token_state"]["expires_in"] > 7000


@pytest.mark.dates
async def test_daily_snapshot_records_todays_follower_count(db):
    day = today_local()  # one day throughout, even if the test runs across midnight
    await snapshot_followers(day=day)
    account = await Account.get(code="mcfb")
    row = await FollowerDaily.get(account_id=account.id, day=day)
    assert row.follower_count == account.follower_count
    assert await snapshot_followers(day=day) == 0  # nothing changed, nothing written


async def test_console_matrix_page_shows_health_and_charts(api, db):
    headers = await sign_in(api, "editor")
    page = await api.get("/console/matrix", headers=headers)
    assert page.status_code == 200
    assert "蒙城发布" in page.text
    assert "不合格" in page.text
    assert "<svg" in page.text
    detail = await api.get("/console/matrix/accounts/mcjy", headers=headers)
    assert detail.status_code == 200
    assert "/wechat/callback/mcjy" in detail.text
    # Editors see the callback URL but never the Token or the AES key.
    settings = json.loads(_cli("account", "show", "mcjy").stdout)
    assert settings["token"] not in detail.text
    assert settings["encoding_aes_key"] not in detail.text


async def test_console_shows_callback_settings_to_admins(api, db, server_url):
    headers = await sign_in(api, "admin")
    detail = await api.get("/console/matrix/accounts/mcjy", headers=headers)
    settings = json.loads(_cli("account", "show", "mcjy").stdout)
    assert settings["token"] in detail.text
    assert settings["encoding_aes_key"] in detail.text
    assert f"{server_url}/wechat/callback/mcjy" in detail.text


async def test_console_add_form_shows_field_errors_then_creates(api, db):
    headers = await sign_in(api, "admin")
    form = {
        "code": unique_code(),
        "name": "蒙城测试",
        "department_code": "jyj",
        "platform": "wechat_subscription",
        "appid": "wx12",
        "secret": "s3cret-value-123",
        "encoding_aes_key": "short",
        "safe_mode": "on",
    }
    bad = await api.post("/console/matrix/accounts", data=form, headers=headers)
    assert bad.status_code == 422
    assert "wx 加 16 位十六进制" in bad.text
    assert "43 位" in bad.text
    assert "s3cret-value-123" not in bad.text  # the secret is not echoed back
    form.update(appid=unique_appid(), encoding_aes_key="")
    good = await api.post("/console/matrix/accounts", data=form, headers=headers)
    assert good.status_code == 303, good.text
    assert good.headers["location"].startswith(f"/console/matrix/accounts/{form['code']}")
    assert await Account.exists(code=form["code"], safe_mode=True)


async def test_console_inbox_lists_messages_with_masked_followers(api, sandbox, db):
    account = await Account.get(code="mcga")
    fan = "o" + secrets.token_hex(12)
    await sandbox.post(
        "/sandbox/follower-message",
        json={"appid": account.appid, "openid": fan, "content": "户籍迁移咨询"},
    )
    headers = await sign_in(api, "admin")
    page = await api.get("/console/inbox", params={"account": "mcga"}, headers=headers)
    assert page.status_code == 200
    assert "户籍迁移咨询" in page.text
    assert fan not in page.text
    assert fan[:4] in page.text
    assert_error(await api.get("/api/v1/admin/accounts/health"), 401)


def test_account_show_prints_what_wechat_needs():
    done = _cli("account", "show", "mcjy")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) >= {"code", "appid", "callback_url", "token", "encoding_aes_key"}
    assert data["callback_url"].endswith("/wechat/callback/mcjy")
    assert len(data["encoding_aes_key"]) == 43
    listing = _cli("account", "list")
    assert listing.returncode == 0
    assert "蒙城教育" in listing.stdout
    missing = _cli("account", "show", "nosuch")
    assert missing.returncode == 1


async def test_account_check_reports_wechat_errcode_on_bad_credentials(api, sandbox, db):
    headers = await sign_in(api, "admin")
    code, appid = unique_code(), unique_appid()
    body = {
        "code": code,
        "name": "凭据测试",
        "department_code": "jyj",
        "platform": "wechat_subscription",
        "appid": appid,
        "secret": "right-secret-0001",
    }
    assert (await api.post("/api/v1/admin/accounts", json=body, headers=headers)).status_code == 201
    ok = _cli("account", "check", code)
    assert ok.returncode == 0, ok.stderr
    assert "credentials ok" in ok.stdout
    # Someone reset the AppSecret in WeChat's admin platform and did not tell us.
    await sandbox.post(
        "/sandbox/apps",
        json={
            "appid": appid,
            "secret": "reset-elsewhere-1",
            "kind": "subscription",
            "name": "凭据测试",
        },
    )
    await sandbox.post("/sandbox/revoke-tokens", json={"appid": appid})
    import redis

    from tests.conftest import _redis_url

    redis.Redis.from_url(_redis_url).flushdb()
    failed = _cli("account", "check", code)
    assert failed.returncode == 1
    assert "errcode 40125" in failed.stderr or "errcode 40001" in failed.stderr, failed.stderr
    assert "right-secret-0001" not in failed.stderr + failed.stdout
