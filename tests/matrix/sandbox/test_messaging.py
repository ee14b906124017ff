"""Group sends, customer-service replies and subscribe messages obey WeChat's rules."""

from __future__ import annotations

import httpx
import pytest

from matrix.wechat import service
from matrix.wechat.errors import (
    InvalidRequestError,
    QuotaError,
    ReplyWindowError,
    RetryLaterError,
    SubscribeGrantError,
)
from tests.matrix.sandbox.test_publishing import jpeg
from tests.matrix.wechat.support import (
    SandboxApp,
    callback_receiver,
    eventually,
    pin_clock,
    register_app,
)


async def _draft(app: SandboxApp) -> str:
    cover = await service.add_material(**app.creds, content=jpeg(), filename="c.jpg")
    return await service.add_draft(
        **app.creds,
        articles=[
            {"title": "停水通知", "content": "<p>明日停水</p>", "thumb_media_id": cover["media_id"]}
        ],
    )


async def _follow(sandbox: httpx.AsyncClient, app: SandboxApp, openid: str) -> dict:
    response = await sandbox.post(
        "/sandbox/follower-event", json={"appid": app.appid, "openid": openid, "event": "subscribe"}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_group_send_is_idempotent_by_clientmsgid(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    with callback_receiver() as receiver:
        app = await register_app(sandbox, "service", callback_url=receiver.url)
        await _follow(sandbox, app, "oFollower00001")
        media_id = await _draft(app)
        sent = await service.mass_send_all(**app.creds, media_id=media_id, clientmsgid="push-1")
        assert sent["duplicate"] is False
        # A retry within a minute is refused as too fast ...
        with pytest.raises(RetryLaterError) as caught:
            await service.mass_send_all(**app.creds, media_id=media_id, clientmsgid="push-1")
        assert caught.value.errcode == 45066
        # ... and later it is recognised as the same send, with the earlier msg_id.
        await sandbox.post("/sandbox/clock", json={"appid": app.appid, "advance_seconds": 61})
        again = await service.mass_send_all(**app.creds, media_id=media_id, clientmsgid="push-1")
        assert again == {"msg_id": sent["msg_id"], "msg_data_id": None, "duplicate": True}
        with pytest.raises(InvalidRequestError) as caught:
            await service.mass_send_all(**app.creds, media_id=media_id, clientmsgid="x" * 65)
        assert caught.value.errcode == 45067

        def finished() -> list[dict]:
            events = [m for m in receiver.decrypted(app) if m.get("Event") == "MASSSENDJOBFINISH"]
            return events

        event = (await eventually(finished))[0]
        assert event["MsgID"] == sent["msg_id"]
        assert event["Status"] == "sendsuccess"
        assert event["SentCount"] == "1"
    outbox = (
        await sandbox.get("/sandbox/outbox", params={"appid": app.appid, "kind": "mass"})
    ).json()
    assert outbox["count"] == 1


@pytest.mark.dates
async def test_subscription_account_may_group_send_once_a_day(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    app = await register_app(sandbox, "subscription")
    await pin_clock(sandbox, app)  # both sends on one day, whatever the hour
    media_id = await _draft(app)
    await service.mass_send_all(**app.creds, media_id=media_id, clientmsgid="day-1")
    with pytest.raises(QuotaError) as caught:
        await service.mass_send_all(**app.creds, media_id=media_id, clientmsgid="day-1-bis")
    assert caught.value.errcode == 45028
    await sandbox.post("/sandbox/clock", json={"appid": app.appid, "advance_seconds": 86400})
    await service.mass_send_all(**app.creds, media_id=media_id, clientmsgid="day-2")


@pytest.mark.dates
async def test_follower_receives_at_most_four_group_sends_a_month(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    with callback_receiver() as receiver:
        app = await register_app(sandbox, "service", callback_url=receiver.url)
        await pin_clock(sandbox, app)  # five sends within one month, whatever the date
        await _follow(sandbox, app, "oMonthly00001")
        media_id = await _draft(app)
        for n in range(5):
            await service.mass_send_all(**app.creds, media_id=media_id, clientmsgid=f"m-{n}")

        def finished() -> list[dict]:
            events = [m for m in receiver.decrypted(app) if m.get("Event") == "MASSSENDJOBFINISH"]
            return events if len(events) == 5 else []

        events = await eventually(finished)
    assert sorted(e["SentCount"] for e in events) == ["0", "1", "1", "1", "1"]


async def test_customer_service_reply_only_within_48_hours_of_the_follower_writing(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    with callback_receiver() as receiver:
        app = await register_app(sandbox, "service", callback_url=receiver.url)
        with pytest.raises(ReplyWindowError):
            await service.send_custom_text(**app.creds, openid="oWriter000001", content="您好")
        wrote = await sandbox.post(
            "/sandbox/follower-message",
            json={"appid": app.appid, "openid": "oWriter000001", "content": "请问低保怎么申请？"},
        )
        assert wrote.json()["delivered"] is True
        message = receiver.decrypted(app)[0]
        assert message["MsgType"] == "text"
        assert message["Content"] == "请问低保怎么申请？"
        assert message["FromUserName"] == "oWriter000001"
    await service.send_custom_text(**app.creds, openid="oWriter000001", content="请到乡镇民政办")
    await sandbox.post("/sandbox/clock", json={"appid": app.appid, "advance_seconds": 49 * 3600})
    with pytest.raises(ReplyWindowError) as caught:
        await service.send_custom_text(**app.creds, openid="oWriter000001", content="补充说明")
    assert caught.value.errcode == 45015


async def test_one_subscribe_grant_allows_exactly_one_message(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    app = await register_app(sandbox, "miniprogram")
    message = {
        "openid": "oResident0001",
        "template_id": "tmplApplyResult01",
        "data": {"thing1": "您的申请已办结", "time2": "2026-05-01 10:00"},
        "page": "pages/application/detail",
    }
    with pytest.raises(SubscribeGrantError):
        await service.send_subscribe_message(**app.creds, **message)
    await sandbox.post(
        "/sandbox/subscribe-grant",
        json={"appid": app.appid, "openid": "oResident0001", "template_id": "tmplApplyResult01"},
    )
    await service.send_subscribe_message(**app.creds, **message)
    with pytest.raises(SubscribeGrantError) as caught:
        await service.send_subscribe_message(**app.creds, **message)
    assert caught.value.errcode == 43101


async def test_subscribe_message_content_is_validated(sandbox: httpx.AsyncClient, db: None) -> None:
    app = await register_app(sandbox, "miniprogram")
    base = {
        "openid": "oResident0002",
        "template_id": "tmplApplyResult01",
        "data": {"thing1": "已办结"},
    }
    cases = [
        ({**base, "data": {"thing1": "超" * 21}}, 47003),
        ({**base, "data": {"time2": "明天上午"}}, 47003),
        ({**base, "page": "pages/<bad>"}, 41030),
        ({**base, "template_id": "bad id!"}, 40037),
    ]
    for message, errcode in cases:
        with pytest.raises(InvalidRequestError) as caught:
            await service.send_subscribe_message(**app.creds, **message)
        assert caught.value.errcode == errcode, message


async def test_service_account_group_send_calls_are_limited_to_100_a_day(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    app = await register_app(sandbox, "service")
    token = await service.get_access_token(**app.creds)
    body = {"filter": {"is_to_all": True}, "msgtype": "text", "text": {"content": "通知"}}
    params = {"access_token": token}
    for n in range(100):
        sent = await sandbox.post(
            "/cgi-bin/message/mass/sendall", params=params, json={**body, "clientmsgid": f"q-{n}"}
        )
        assert sent.json()["errcode"] == 0, sent.text
    with pytest.raises(QuotaError) as caught:
        await service.mass_send_all(**app.creds, media_id=await _draft(app), clientmsgid="q-100")
    assert caught.value.errcode == 45009
