"""A resident logs in from the mini-program with a wx.login() code minted by the sandbox."""

from __future__ import annotations

import httpx

from gateway.auth import resident as sessions
from gateway.auth.models import Resident
from gateway.config import get_settings
from tests.conftest import assert_error


async def wx_login(sandbox: httpx.AsyncClient, openid: str) -> str:
    response = await sandbox.post(
        "/sandbox/wx-login", json={"openid": openid, "appid": get_settings().mp_appid}
    )
    assert response.status_code == 200, response.text
    return response.json()["code"]


async def test_login_with_a_fresh_code_opens_a_session_and_creates_the_resident(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, db: None
) -> None:
    code = await wx_login(sandbox, "oLoginHappy0001")
    response = await api.post("/api/v1/mp/login", json={"code": code})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"token", "expires_in", "resident"}
    assert body["expires_in"] == get_settings().session_ttl
    resident = body["resident"]
    assert set(resident) == {"id", "openid_masked", "nickname", "created_at"}
    assert "oLoginHappy0001" not in response.text
    assert resident["openid_masked"].startswith("oLo")
    assert resident["created_at"].endswith("+08:00")
    stored = await Resident.get(openid="oLoginHappy0001")
    assert stored.id == resident["id"]
    assert stored.last_login_at is not None
    # WeChat's session_key never reaches the phone.
    assert "session_key" not in response.text

    me = await api.get("/api/v1/mp/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json()["resident"]["id"] == resident["id"]


async def test_session_lives_in_redis_with_the_configured_ttl(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, db: None
) -> None:
    code = await wx_login(sandbox, "oLoginTtl00001")
    token = (await api.post("/api/v1/mp/login", json={"code": code})).json()["token"]
    ttl = await sessions.session_ttl(token)
    assert get_settings().session_ttl - 60 < ttl <= get_settings().session_ttl
    assert await sessions.wechat_session_key(token)


async def test_logging_in_twice_keeps_one_resident(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, db: None
) -> None:
    login = "/api/v1/mp/login"
    first = await api.post(login, json={"code": await wx_login(sandbox, "oTwice0001")})
    second = await api.post(login, json={"code": await wx_login(sandbox, "oTwice0001")})
    assert first.json()["resident"]["id"] == second.json()["resident"]["id"]
    assert first.json()["token"] != second.json()["token"]
    assert await Resident.filter(openid="oTwice0001").count() == 1


async def test_used_code_is_rejected_with_40163(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, db: None
) -> None:
    code = await wx_login(sandbox, "oLoginUsed0001")
    assert (await api.post("/api/v1/mp/login", json={"code": code})).status_code == 200
    again = await api.post("/api/v1/mp/login", json={"code": code})
    error = assert_error(again, 401, "wechat_code_invalid")
    assert error["errcode"] == 40163


async def test_invalid_code_is_rejected_with_40029(api: httpx.AsyncClient, db: None) -> None:
    response = await api.post("/api/v1/mp/login", json={"code": "0a1b2c3d4e5f-not-a-code"})
    error = assert_error(response, 401, "wechat_code_invalid")
    assert error["errcode"] == 40029


async def test_code_older_than_five_minutes_is_rejected_with_40029(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, db: None
) -> None:
    code = await wx_login(sandbox, "oLoginOld00001")
    appid = get_settings().mp_appid
    await sandbox.post("/sandbox/clock", json={"appid": appid, "advance_seconds": 301})
    try:
        response = await api.post("/api/v1/mp/login", json={"code": code})
    finally:
        # Move the mini-program's clock back for the tests that follow.
        await sandbox.post("/sandbox/clock", json={"appid": appid, "reset": True})
    assert assert_error(response, 401, "wechat_code_invalid")["errcode"] == 40029


async def test_missing_blank_or_overlong_code_is_a_field_error(api: httpx.AsyncClient) -> None:
    for body in ({}, {"code": ""}, {"code": "   "}, {"code": "x" * 129}, {"code": 12345}):
        error = assert_error(await api.post("/api/v1/mp/login", json=body), 422)
        assert "code" in error["fields"], body
    assert_error(await api.post("/api/v1/mp/login", content=b"{not json"), 400, "malformed_json")


async def test_me_without_or_with_a_bad_token_answers_401(api: httpx.AsyncClient) -> None:
    assert_error(await api.get("/api/v1/mp/me"), 401, "resident_login_required")
    bad = await api.get("/api/v1/mp/me", headers={"Authorization": "Bearer nope"})
    assert_error(bad, 401, "resident_login_required")
    huge = await api.get("/api/v1/mp/me", headers={"Authorization": "Bearer " + "x" * 5000})
    assert_error(huge, 401)


async def test_logout_ends_the_session(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, db: None
) -> None:
    code = await wx_login(sandbox, "oLogout000001")
    token = (await api.post("/api/v1/mp/login", json={"code": code})).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await api.delete("/api/v1/mp/session", headers=headers)).status_code == 204
    assert_error(await api.get("/api/v1/mp/me", headers=headers), 401)
