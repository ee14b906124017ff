"""The sandbox's own rules, over HTTP: tokens, stable tokens, controls, callbacks, its page."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import httpx
import pytest
import xmltodict

from tests.conftest import GOVMATRIX, ROOT, free_port, wait_http
from tests.matrix.wechat.support import callback_receiver, pin_clock, register_app


async def _token(sandbox: httpx.AsyncClient, appid: str, secret: str) -> str:
    response = await sandbox.get(
        "/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": appid, "secret": secret},
    )
    return response.json()["access_token"]


async def _probe(sandbox: httpx.AsyncClient, token: str) -> int:
    response = await sandbox.get("/cgi-bin/getcallbackip", params={"access_token": token})
    assert response.status_code == 200  # WeChat answers errors with HTTP 200
    return response.json().get("errcode", 0)


async def test_previous_token_dies_five_minutes_after_a_refresh(
    sandbox: httpx.AsyncClient,
) -> None:
    app = await register_app(sandbox)
    first = await _token(sandbox, app.appid, app.secret)
    second = await _token(sandbox, app.appid, app.secret)
    assert len(first) >= 120
    assert first != second
    assert await _probe(sandbox, first) == 0
    await sandbox.post("/sandbox/clock", json={"appid": app.appid, "advance_seconds": 301})
    assert await _probe(sandbox, first) == 40001
    assert await _probe(sandbox, second) == 0
    await sandbox.post("/sandbox/clock", json={"appid": app.appid, "advance_seconds": 7200})
    assert await _probe(sandbox, second) == 42001


async def test_token_errors_are_wechat_shaped(sandbox: httpx.AsyncClient) -> None:
    app = await register_app(sandbox)
    missing = await sandbox.get("/cgi-bin/getcallbackip")
    assert missing.json() == {"errcode": 41001, "errmsg": "access_token missing"}
    assert await _probe(sandbox, "garbage!") == 40014
    bad = await sandbox.get(
        "/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": "wxnope", "secret": "x"},
    )
    assert bad.json()["errcode"] == 40013
    wrong = await sandbox.get(
        "/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": app.appid, "secret": "x"},
    )
    assert wrong.json()["errcode"] == 40125
    unknown = await sandbox.get("/cgi-bin/no-such-api")
    assert unknown.status_code == 200
    assert unknown.json()["errcode"] == 40066


@pytest.mark.dates
async def test_stable_token_is_stable_and_force_refresh_is_limited(
    sandbox: httpx.AsyncClient,
) -> None:
    app = await register_app(sandbox)
    await pin_clock(sandbox, app)  # twenty 31-second steps must stay within one day
    body = {"grant_type": "client_credential", "appid": app.appid, "secret": app.secret}

    async def stable(force: bool = False) -> dict:
        return (
            await sandbox.post("/cgi-bin/stable_token", json={**body, "force_refresh": force})
        ).json()

    first = await stable()
    assert first["expires_in"] == 7200
    assert (await stable())["access_token"] == first["access_token"]
    forced = await stable(force=True)
    assert forced["access_token"] != first["access_token"]
    assert (await stable(force=True))["errcode"] == 45011  # less than 30 s apart
    for _ in range(19):
        await sandbox.post("/sandbox/clock", json={"appid": app.appid, "advance_seconds": 31})
        assert "access_token" in await stable(force=True)
    await sandbox.post("/sandbox/clock", json={"appid": app.appid, "advance_seconds": 31})
    assert (await stable(force=True))["errcode"] == 45009  # 20 a day


async def test_calls_record_paths_and_errcodes_but_no_secrets(
    sandbox: httpx.AsyncClient,
) -> None:
    app = await register_app(sandbox)
    token = await _token(sandbox, app.appid, app.secret)
    await _probe(sandbox, token)
    record = await sandbox.get("/sandbox/calls", params={"appid": app.appid})
    calls = record.json()["calls"]
    assert [(c["method"], c["path"], c["errcode"]) for c in calls] == [
        ("GET", "/cgi-bin/token", 0),
        ("GET", "/cgi-bin/getcallbackip", 0),
    ]
    assert app.secret not in record.text
    assert token not in record.text


async def test_controls_reject_bad_input_with_field_errors(sandbox: httpx.AsyncClient) -> None:
    bad_app = await sandbox.post(
        "/sandbox/apps",
        json={"appid": "wx1234567890abcdef", "secret": "s", "kind": "blog", "name": "x"},
    )
    assert bad_app.status_code == 422
    assert "kind" in bad_app.json()["error"]["fields"]
    bad_key = await sandbox.post(
        "/sandbox/apps",
        json={
            "appid": "wx1234567890abcdef",
            "secret": "s",
            "kind": "service",
            "name": "x",
            "encoding_aes_key": "k" * 42,
        },
    )
    assert "encoding_aes_key" in bad_key.json()["error"]["fields"]
    bad_fault = await sandbox.post("/sandbox/faults", json={"rate_minus1": 2})
    assert bad_fault.status_code == 422
    assert (await sandbox.post("/sandbox/wx-login", content=b"{oops")).status_code == 400
    no_app = await sandbox.post(
        "/sandbox/wx-login", json={"openid": "oX12345678", "appid": "wxnotregistered"}
    )
    assert no_app.status_code == 404


async def test_follower_events_are_signed_in_plaintext_mode(sandbox: httpx.AsyncClient) -> None:
    with callback_receiver() as receiver:
        app = await register_app(
            sandbox, "subscription", callback_url=receiver.url, safe_mode=False
        )
        response = await sandbox.post(
            "/sandbox/follower-event",
            json={
                "appid": app.appid,
                "openid": "oClicker00001",
                "event": "CLICK",
                "event_key": "MENU_POLICY",
            },
        )
        assert response.json()["delivered"] is True
        received = receiver.received[0]
    query = received.query
    expected = hashlib.sha1(
        "".join(sorted([app.token, query["timestamp"], query["nonce"]])).encode()
    ).hexdigest()
    assert query["signature"] == expected
    assert "encrypt_type" not in query
    event = xmltodict.parse(received.body)["xml"]
    assert event["Event"] == "CLICK"
    assert event["EventKey"] == "MENU_POLICY"


async def test_follower_message_returns_the_products_decrypted_reply(
    sandbox: httpx.AsyncClient,
) -> None:
    with callback_receiver() as receiver:
        receiver.reply = "<xml><MsgType><![CDATA[text]]></MsgType></xml>"
        app = await register_app(sandbox, "service", callback_url=receiver.url, safe_mode=False)
        response = await sandbox.post(
            "/sandbox/follower-message",
            json={"appid": app.appid, "openid": "oAsker000001", "content": "办事指南"},
        )
    assert response.json()["reply"] == receiver.reply


async def test_page_lists_accounts_in_chinese(sandbox: httpx.AsyncClient) -> None:
    await register_app(sandbox, "subscription")
    page = await sandbox.get("/sandbox/")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "微信沙箱" in page.text
    assert "测试账号" in page.text
    assert "订阅号" in page.text


def test_state_survives_a_restart(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [GOVMATRIX, "sandbox", "--port", str(port), "--state-dir", str(tmp_path)]
    env = {**os.environ}
    for round_ in range(2):
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_http(url + "/sandbox/calls", proc=proc)
            if round_ == 0:
                created = httpx.post(
                    url + "/sandbox/apps",
                    json={
                        "appid": "wxpersist00000001",
                        "secret": "s" * 32,
                        "kind": "service",
                        "name": "县融媒体中心",
                    },
                )
                assert created.status_code == 201
            else:
                apps = httpx.get(url + "/sandbox/apps").json()["apps"]
                assert [a["name"] for a in apps] == ["县融媒体中心"]
        finally:
            proc.terminate()
            proc.wait(10)


async def test_malformed_bodies_get_wechat_format_errors(sandbox: httpx.AsyncClient) -> None:
    app = await register_app(sandbox, "service")
    token = await _token(sandbox, app.appid, app.secret)
    params = {"access_token": token}
    cases = [
        ("/cgi-bin/message/mass/sendall", b"not json", 47001),
        ("/cgi-bin/message/mass/sendall", b'{"msgtype": "text", "text": "x"}', 47001),
        (
            "/cgi-bin/message/mass/sendall",
            b'{"msgtype":"text","text":{"content":"x"},"filter":[1]}',
            47001,
        ),
        ("/cgi-bin/draft/add", b'{"articles": ["x"]}', 47001),
        ("/cgi-bin/draft/add", b"", 44002),
        ("/cgi-bin/media/uploadimg", b"", 41005),
    ]
    for path, body, errcode in cases:
        response = await sandbox.post(path, params=params, content=body)
        assert response.status_code == 200
        assert response.json()["errcode"] == errcode, (path, body, response.text)
