"""WeChat callbacks end to end: the sandbox (or a peer speaking WeChat's protocol) → the inbox."""

import base64
import secrets
import time

from matrix.models import (
    Account,
    Follower,
    FollowerDaily,
    FollowerEvent,
    InboxMessage,
    PlatformEvent,
)
from tests.conftest import assert_error
from tests.matrix.matrix_helpers import event_xml, peer_for, text_xml


def openid() -> str:
    return "o" + secrets.token_hex(12)


async def stored_count() -> tuple[int, int, int]:
    return (
        await InboxMessage.all().count(),
        await FollowerEvent.all().count(),
        await PlatformEvent.all().count(),
    )


async def test_url_verification_echoes_echostr(api, db):
    peer = await peer_for("mcjy")
    params, _ = peer.signed("", encrypt=False)
    params["echostr"] = "8731244658429176311"
    response = await api.get("/wechat/callback/mcjy", params=params)
    assert response.status_code == 200
    assert response.text == "8731244658429176311"


async def test_url_verification_with_a_bad_signature_is_refused(api, db):
    peer = await peer_for("mcjy")
    params, _ = peer.signed("", encrypt=False)
    params["signature"] = "0" * 40
    params["echostr"] = "123"
    assert_error(await api.get("/wechat/callback/mcjy", params=params), 403, "bad_signature")


async def test_follower_message_from_the_sandbox_lands_in_the_inbox(api, sandbox, db):
    account = await Account.get(code="mcmz")
    fan = openid()
    response = await sandbox.post(
        "/sandbox/follower-message",
        json={"appid": account.appid, "openid": fan, "content": "请问低保怎么申请？"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["delivered"] is True, response.json()
    row = await InboxMessage.get(openid=fan)
    assert row.content == "请问低保怎么申请？"
    assert row.msg_type == "text"
    assert row.status == "new"
    assert row.department_code == "mzj"
    assert (await Follower.get(account_id=account.id, openid=fan)).last_message_at is not None

    headers = await _admin(api)
    listing = await api.get("/api/v1/admin/inbox", params={"account": "mcmz"}, headers=headers)
    items = [m for m in listing.json()["items"] if m["content"] == "请问低保怎么申请？"]
    assert items
    assert items[0]["follower"] != fan
    assert items[0]["follower"].startswith(fan[:4])


async def test_image_and_voice_messages_land_in_the_inbox(sandbox, db):
    account = await Account.get(code="mcwj")
    fan = openid()
    for body in ({"msgtype": "image"}, {"msgtype": "voice", "content": "我想咨询疫苗接种"}):
        response = await sandbox.post(
            "/sandbox/follower-message", json={"appid": account.appid, "openid": fan, **body}
        )
        assert response.json()["delivered"] is True, response.text
    rows = {r.msg_type: r for r in await InboxMessage.filter(openid=fan)}
    assert set(rows) == {"image", "voice"}
    assert rows["image"].media_id
    assert rows["voice"].media_id
    assert rows["voice"].content == "我想咨询疫苗接种"


async def test_plaintext_account_accepts_plaintext_messages(api, sandbox, db):
    account = await Account.get(code="mctj")
    assert account.safe_mode is False
    fan = openid()
    response = await sandbox.post(
        "/sandbox/follower-message",
        json={"appid": account.appid, "openid": fan, "content": "统计年鉴在哪里看？"},
    )
    assert response.json()["delivered"] is True, response.text
    assert await InboxMessage.exists(openid=fan, content="统计年鉴在哪里看？")


async def test_wechat_retries_are_stored_once(api, db):
    peer = await peer_for("mcjy")
    fan = openid()
    xml = text_xml(fan, "重复的消息", msg_id=77_000_000_000 + secrets.randbelow(10**9))
    for _ in range(3):  # WeChat resends with a new nonce and timestamp
        response = await peer.post(api, xml)
        assert response.status_code == 200
        assert response.text == "success"
    assert await InboxMessage.filter(openid=fan).count() == 1


async def test_retry_of_a_stored_message_is_dropped_by_the_database_too(api, db):
    # Redis forgot the MsgId (flushed); the unique constraint still refuses the copy.
    import redis

    from tests.conftest import _redis_url

    peer = await peer_for("mcjy")
    fan = openid()
    xml = text_xml(fan, "数据库去重", msg_id=88_000_000_000 + secrets.randbelow(10**9))
    assert (await peer.post(api, xml)).text == "success"
    client = redis.Redis.from_url(_redis_url)
    client.flushdb()
    client.close()
    assert (await peer.post(api, xml)).text == "success"
    assert await InboxMessage.filter(openid=fan).count() == 1


async def test_replayed_request_is_refused(api, db):
    peer = await peer_for("mcjy")
    params, body = peer.signed(text_xml(openid(), "重放"))
    first = await api.post("/wechat/callback/mcjy", params=params, content=body)
    assert first.text == "success"
    assert_error(
        await api.post("/wechat/callback/mcjy", params=params, content=body), 403, "replayed_nonce"
    )


async def test_bad_signature_old_timestamp_and_unknown_account(api, db):
    peer = await peer_for("mcjy")
    before = await stored_count()
    params, body = peer.signed(text_xml(openid(), "伪造"))
    params["signature"] = "f" * 40
    assert_error(
        await api.post("/wechat/callback/mcjy", params=params, content=body), 403, "bad_signature"
    )
    params, body = peer.signed(text_xml(openid(), "伪造"))
    params["msg_signature"] = "0" * 40
    assert_error(
        await api.post("/wechat/callback/mcjy", params=params, content=body), 403, "bad_signature"
    )
    old = int(time.time()) - 301
    assert_error(
        await peer.post(api, text_xml(openid(), "旧消息"), timestamp=old), 403, "stale_timestamp"
    )
    future = int(time.time()) + 400
    assert_error(
        await peer.post(api, text_xml(openid(), "未来"), timestamp=future), 403, "stale_timestamp"
    )
    params, body = peer.signed(text_xml(openid(), "无此账号"))
    assert_error(
        await api.post("/wechat/callback/nosuchaccount", params=params, content=body),
        404,
        "account_not_found",
    )
    assert_error(await api.post("/wechat/callback/mcjy", content=body), 403, "bad_signature")
    assert await stored_count() == before


async def test_entity_declarations_are_refused_before_parsing(api, db):
    peer = await peer_for("mctj")  # plaintext: the XML reaches the parser directly
    before = await stored_count()
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">'
            for i in range(1, 10)
        )
        + "]><xml><Content>&lol9;</Content></xml>"
    )
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f"<xml><FromUserName>{openid()}</FromUserName><MsgType>text</MsgType>"
        "<Content>&xxe;</Content><MsgId>1</MsgId></xml>"
    )
    for body in (laughs, xxe):
        assert_error(await peer.post(api, body), 400, "xml_entities_refused")
    # The same inside an encrypted envelope.
    safe = await peer_for("mcjy")
    assert_error(await safe.post(api, xxe), 400, "xml_entities_refused")
    assert await stored_count() == before


async def test_malformed_xml_and_bad_ciphertext_are_refused(api, db):
    plain = await peer_for("mctj")
    safe = await peer_for("mcjy")
    before = await stored_count()
    assert_error(await plain.post(api, "<xml><MsgType>text</MsgType"), 400, "malformed_xml")
    assert_error(await plain.post(api, "not xml at all"), 400, "malformed_xml")
    assert_error(await plain.post(api, "<other>1</other>"), 400, "malformed_xml")
    # A safe-mode account refuses plaintext.
    assert_error(
        await safe.post(api, text_xml(openid(), "明文"), encrypt=False), 400, "encryption_required"
    )

    _params, good_body = safe.signed(text_xml(openid(), "截断"))
    encrypted = good_body.decode().split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    cases = [
        encrypted[: len(encrypted) // 2],  # truncated
        "这不是base64!!",  # not base64
        base64.b64encode(b"short").decode(),  # not a whole AES block
    ]
    for ciphertext in cases:
        params, body = safe.envelope(ciphertext)
        assert_error(
            await api.post("/wechat/callback/mcjy", params=params, content=body),
            400,
            "decrypt_failed",
        )
    # Encrypted with another account's key: correctly signed, but it cannot be opened.
    other = await peer_for("mcga")
    wrong = other.crypto.encrypt_message(text_xml(openid(), "错误的密钥"), "n1", "1")
    foreign = wrong.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    params, body = safe.envelope(foreign)
    assert_error(
        await api.post("/wechat/callback/mcjy", params=params, content=body), 400, "decrypt_failed"
    )
    assert await stored_count() == before


async def test_oversized_bodies_are_refused_with_413(api, db):
    peer = await peer_for("mcjy")
    before = await stored_count()
    params, _ = peer.signed(text_xml(openid(), "大"))
    huge = b"<xml>" + b"A" * (5 * 1024 * 1024) + b"</xml>"
    assert_error(await api.post("/wechat/callback/mcjy", params=params, content=huge), 413)
    params, _ = peer.signed(text_xml(openid(), "大"))
    big = b"<xml>" + b"A" * (100 * 1024) + b"</xml>"
    assert_error(
        await api.post("/wechat/callback/mcjy", params=params, content=big),
        413,
        "payload_too_large",
    )
    assert await stored_count() == before
    # The endpoint still works afterwards.
    assert (await peer.post(api, text_xml(openid(), "正常"))).text == "success"


async def test_menu_click_gets_the_configured_reply_encrypted(api, db):
    peer = await peer_for("mcjy")
    response = await peer.post(api, event_xml(openid(), "CLICK", "MENU_CONTACT"))
    assert response.status_code == 200
    assert "<Encrypt>" in response.text
    reply = peer.decrypt_reply(response)
    assert reply["MsgType"] == "text"
    assert "咨询电话" in reply["Content"]


async def test_keyword_message_is_answered_automatically(api, sandbox, db):
    account = await Account.get(code="mcrs")
    fan = openid()
    response = await sandbox.post(
        "/sandbox/follower-message",
        json={"appid": account.appid, "openid": fan, "content": "社保办事需要什么材料"},
    )
    outcome = response.json()
    assert outcome["delivered"] is True
    assert "办事指南" in str(outcome["reply"])
    row = await InboxMessage.get(openid=fan)
    assert row.auto_replied
    assert row.status == "closed"


async def test_plaintext_click_reply_is_plain_xml(api, db):
    peer = await peer_for("mcty")
    response = await peer.post(api, event_xml(openid(), "CLICK", "MENU_GUIDE"))
    assert response.status_code == 200
    assert "<Encrypt>" not in response.text
    assert "办事指南" in response.text


async def test_subscribe_and_unsubscribe_keep_follower_counts(api, sandbox, db):
    account = await Account.get(code="mcfgw")
    start = account.follower_count
    fan = openid()
    sub = await sandbox.post(
        "/sandbox/follower-event",
        json={"appid": account.appid, "openid": fan, "event": "subscribe"},
    )
    assert sub.json()["delivered"] is True, sub.text
    assert "欢迎关注" in str(sub.json()["reply"])
    await account.refresh_from_db()
    assert account.follower_count == start + 1
    follower = await Follower.get(account_id=account.id, openid=fan)
    assert follower.subscribed
    daily = await FollowerDaily.filter(account_id=account.id).order_by("-day").first()
    assert daily.follower_count == start + 1
    assert daily.subscribes >= 1

    unsub = await sandbox.post(
        "/sandbox/follower-event",
        json={"appid": account.appid, "openid": fan, "event": "unsubscribe"},
    )
    assert unsub.json()["delivered"] is True
    await account.refresh_from_db()
    assert account.follower_count == start
    assert not (await Follower.get(account_id=account.id, openid=fan)).subscribed


async def test_duplicate_subscribe_event_counts_once(api, db):
    peer = await peer_for("mcsf")
    account = await Account.get(code="mcsf")
    start = account.follower_count
    fan = openid()
    xml = event_xml(fan, "subscribe", created=int(time.time()))
    for _ in range(3):
        assert (await peer.post(api, xml)).status_code == 200
    await account.refresh_from_db()
    assert account.follower_count == start + 1
    assert await FollowerEvent.filter(openid=fan).count() == 1


async def test_publish_and_mass_send_results_are_stored_as_platform_events(api, db):
    peer = await peer_for("mcsl")
    publish_id = str(2_247_000_000 + secrets.randbelow(10**6))
    info = (
        f"<PublishEventInfo><publish_id>{publish_id}</publish_id><publish_status>0"
        "</publish_status><article_id>ART_1</article_id><article_detail><count>1</count>"
        "<item><idx>1</idx><article_url>https://mp.weixin.qq.com/s/x</article_url></item>"
        "</article_detail></PublishEventInfo>"
    )
    xml = event_xml("mphelper", "PUBLISHJOBFINISH", extra=info)
    assert (await peer.post(api, xml)).text == "success"
    assert (await peer.post(api, xml)).text == "success"  # WeChat's retry
    mine = [
        e
        for e in await PlatformEvent.filter(event_type="PUBLISHJOBFINISH")
        if e.payload["PublishEventInfo"]["publish_id"] == publish_id
    ]
    assert len(mine) == 1
    assert mine[0].payload["PublishEventInfo"]["article_id"] == "ART_1"
    account = await Account.get(code="mcsl")
    assert time.time() - account.last_published_at.timestamp() < 600

    msg_id = str(1_000_000 + secrets.randbelow(10**6))
    mass = (
        f"<MsgID>{msg_id}</MsgID><Status><![CDATA[send success]]></Status>"
        "<TotalCount>100</TotalCount><FilterCount>100</FilterCount><SentCount>98</SentCount>"
        "<ErrorCount>2</ErrorCount>"
    )
    assert (
        await peer.post(api, event_xml("mphelper", "MASSSENDJOBFINISH", extra=mass))
    ).text == "success"
    stored = [
        e
        for e in await PlatformEvent.filter(event_type="MASSSENDJOBFINISH")
        if e.payload.get("MsgID") == msg_id
    ]
    assert len(stored) == 1
    assert stored[0].payload["SentCount"] == "98"


async def _admin(api):
    from tests.matrix.matrix_helpers import sign_in

    return await sign_in(api, "admin")
