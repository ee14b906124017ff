"""The sandbox mints wx.login() codes and enforces WeChat's rules on them."""

from __future__ import annotations

import httpx

from gateway.config import get_settings


async def _login_code(sandbox: httpx.AsyncClient, openid: str) -> str:
    response = await sandbox.post(
        "/sandbox/wx-login", json={"openid": openid, "appid": get_settings().mp_appid}
    )
    assert response.status_code == 200, response.text
    return response.json()["code"]


async def _exchange(sandbox: httpx.AsyncClient, code: str, secret: str | None = None) -> dict:
    settings = get_settings()
    response = await sandbox.get(
        "/sns/jscode2session",
        params={
            "appid": settings.mp_appid,
            "secret": secret or settings.mp_secret,
            "js_code": code,
            "grant_type": "authorization_code",
        },
    )
    assert response.status_code == 200
    return response.json()


async def test_demo_mini_program_is_registered_and_calls_are_answered(
    sandbox: httpx.AsyncClient, prepared_database: str
) -> None:
    apps = (await sandbox.get("/sandbox/apps")).json()["apps"]
    mini = next(a for a in apps if a["appid"] == get_settings().mp_appid)
    assert mini["kind"] == "miniprogram"
    assert mini["name"] == "蒙城政务公开"
    assert get_settings().mp_secret not in (await sandbox.get("/sandbox/apps")).text


async def test_code_exchanges_once_then_answers_40163(
    sandbox: httpx.AsyncClient, prepared_database: str
) -> None:
    code = await _login_code(sandbox, "oResidentA0001")
    first = await _exchange(sandbox, code)
    assert first["openid"] == "oResidentA0001"
    assert first["session_key"]
    assert (await _exchange(sandbox, code))["errcode"] == 40163


async def test_unknown_code_answers_40029_and_wrong_secret_40125(
    sandbox: httpx.AsyncClient, prepared_database: str
) -> None:
    assert (await _exchange(sandbox, "no-such-code"))["errcode"] == 40029
    code = await _login_code(sandbox, "oResidentA0002")
    assert (await _exchange(sandbox, code, secret="wrong-secret"))["errcode"] == 40125


async def test_calls_are_recorded_without_secrets(
    sandbox: httpx.AsyncClient, prepared_database: str
) -> None:
    code = await _login_code(sandbox, "oResidentA0003")
    await _exchange(sandbox, code)
    record = await sandbox.get(
        "/sandbox/calls", params={"appid": get_settings().mp_appid, "path": "/sns/jscode2session"}
    )
    calls = record.json()["calls"]
    assert calls
    assert calls[-1]["errcode"] == 0
    assert calls[-1]["method"] == "GET"
    assert get_settings().mp_secret not in record.text
    assert code not in record.text


async def test_wx_login_without_appid_mints_for_the_county_mini_program(
    sandbox: httpx.AsyncClient, prepared_database: str
) -> None:
    # Other mini-programs registered later (as tests do) do not change the default.
    await sandbox.post(
        "/sandbox/apps",
        json={
            "appid": "wxothermini0000001",
            "secret": "s" * 16,
            "kind": "miniprogram",
            "name": "另一个小程序",
        },
    )
    response = await sandbox.post("/sandbox/wx-login", json={"openid": "oDefault00001"})
    assert response.status_code == 200, response.text
    assert response.json()["appid"] == get_settings().mp_appid
    assert (await _exchange(sandbox, response.json()["code"]))["openid"] == "oDefault00001"
