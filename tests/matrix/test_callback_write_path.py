"""The callback write path: group commit, account snapshots, and what happens when storing fails.

End to end through the running server where a user (WeChat) can see the outcome; in the test
process for what only the service can show (a message that cannot be stored).
"""

import asyncio
import base64
import dataclasses
import secrets
import time
from datetime import UTC, datetime

import redis.asyncio as aioredis

from matrix.models import Account, Follower, InboxMessage, PlatformEvent
from matrix.service import intake
from matrix.service.batching import Batcher
from matrix.service.callback_accounts import snapshot
from matrix.service.intake_writer import (
    PendingMessage,
    StorageUnavailable,
    start_writer,
    stop_writer,
    store_message,
)
from tests.conftest import _redis_url, assert_error
from tests.matrix.matrix_helpers import (
    event_xml,
    peer_for,
    sign_in,
    text_xml,
    unique_appid,
    unique_code,
)

MISSING_ACCOUNT_ID = 2_000_000_000


def openid() -> str:
    return "o" + secrets.token_hex(12)


def msg_id() -> int:
    return 10**15 + secrets.randbelow(10**15)


async def test_concurrent_messages_are_all_stored_when_acknowledged(api, db):
    peer = await peer_for("mcjy")
    fans = [openid() for _ in range(8)]
    now = int(time.time())
    # 64 messages at once: eight followers, each writing at eight different moments.
    sends = [(fan, f"同时发来的第{i}条", now - 60 + i) for fan in fans for i in range(8)]
    responses = await asyncio.gather(
        *(
            peer.post(api, text_xml(fan, content, msg_id=msg_id(), created=created))
            for fan, content, created in sends
        )
    )
    assert [r.text for r in responses] == ["success"] * len(sends)
    # Acknowledged means stored: no waiting, no polling.
    assert await InboxMessage.filter(openid__in=fans).count() == len(sends)
    account = await Account.get(code="mcjy")
    for fan in fans:
        follower = await Follower.get(account_id=account.id, openid=fan)
        assert follower.subscribed
        assert follower.last_message_at == datetime.fromtimestamp(now - 60 + 7, UTC)


async def test_an_older_message_arriving_late_does_not_move_the_last_message_time_back(api, db):
    peer = await peer_for("mcjy")
    fan = openid()
    now = int(time.time())
    assert (await peer.post(api, text_xml(fan, "新消息", msg_id=msg_id(), created=now))).text == (
        "success"
    )
    late = text_xml(fan, "早先的消息", msg_id=msg_id(), created=now - 120)
    assert (await peer.post(api, late)).text == "success"
    account = await Account.get(code="mcjy")
    follower = await Follower.get(account_id=account.id, openid=fan)
    assert follower.last_message_at == datetime.fromtimestamp(now, UTC)
    assert await InboxMessage.filter(openid=fan).count() == 2


async def test_a_new_callback_token_is_honoured_at_once(api, db):
    headers = await sign_in(api, "admin")
    code = unique_code()
    body = {
        "code": code,
        "name": "蒙城回调测试号",
        "department_code": "jyj",
        "platform": "wechat_subscription",
        "appid": unique_appid(),
        "secret": "test-secret-0123456789abcdef",
        "encoding_aes_key": base64.b64encode(secrets.token_bytes(32)).decode().rstrip("="),
    }
    assert (await api.post("/api/v1/admin/accounts", json=body, headers=headers)).status_code == 201
    old = await peer_for(code)
    assert (await old.post(api, text_xml(openid(), "换 Token 之前"))).text == "success"

    new_token = "NewToken" + secrets.token_hex(8)
    patch = await api.patch(
        f"/api/v1/admin/accounts/{code}", json={"token": new_token}, headers=headers
    )
    assert patch.status_code == 200, patch.text
    # The server kept a snapshot of the account; the change reaches it before the next message.
    assert_error(await old.post(api, text_xml(openid(), "旧 Token")), 403, "bad_signature")
    new = await peer_for(code)
    assert new.token == new_token
    fan = openid()
    assert (await new.post(api, text_xml(fan, "新 Token"))).text == "success"
    assert await InboxMessage.exists(openid=fan)

    off = await api.patch(
        f"/api/v1/admin/accounts/{code}", json={"is_active": False}, headers=headers
    )
    assert off.status_code == 200, off.text
    assert_error(await new.post(api, text_xml(openid(), "停用后")), 404, "account_not_found")


async def test_publish_event_with_several_articles_keeps_them_as_a_list(api, db):
    peer = await peer_for("mcsl")
    publish_id = str(2_248_000_000 + secrets.randbelow(10**6))
    info = (
        f"<PublishEventInfo><publish_id>{publish_id}</publish_id><publish_status>0"
        "</publish_status><article_id>ART_2</article_id><article_detail><count>2</count>"
        "<item><idx>1</idx><article_url><![CDATA[https://mp.weixin.qq.com/s/a]]></article_url>"
        "</item><item><idx>2</idx><article_url><![CDATA[https://mp.weixin.qq.com/s/b]]>"
        "</article_url></item></article_detail></PublishEventInfo>"
    )
    assert (await peer.post(api, event_xml("mphelper", "PUBLISHJOBFINISH", extra=info))).text == (
        "success"
    )
    stored = [
        e
        for e in await PlatformEvent.filter(event_type="PUBLISHJOBFINISH")
        if e.payload["PublishEventInfo"]["publish_id"] == publish_id
    ]
    assert len(stored) == 1
    items = stored[0].payload["PublishEventInfo"]["article_detail"]["item"]
    assert [i["article_url"] for i in items] == [
        "https://mp.weixin.qq.com/s/a",
        "https://mp.weixin.qq.com/s/b",
    ]


def _pending(account_id: int, content: str) -> PendingMessage:
    return PendingMessage(
        account_id=account_id,
        department_code="jyj",
        openid=openid(),
        msg_type="text",
        content=content,
        media_id=None,
        dedupe_key=f"msg:{msg_id()}",
        received_at=datetime.now(UTC),
    )


async def test_a_message_that_cannot_be_stored_fails_alone(db):
    account = await Account.get(code="mcjy")
    good = [_pending(account.id, f"能保存的消息{i}") for i in range(3)]
    bad = _pending(MISSING_ACCOUNT_ID, "没有这个账号的消息")  # refused by the foreign key
    start_writer()
    try:
        results = await asyncio.gather(
            *(store_message(m) for m in [good[0], bad, *good[1:]]), return_exceptions=True
        )
    finally:
        await stop_writer()
    assert results[0] is None
    assert results[2] is None
    assert results[3] is None
    assert isinstance(results[1], StorageUnavailable)
    keys = [m.dedupe_key for m in good]
    assert await InboxMessage.filter(dedupe_key__in=keys).count() == 3
    assert not await InboxMessage.exists(dedupe_key=bad.dedupe_key)


async def test_unstored_message_is_not_taken_for_a_replay_or_duplicate_on_retry(db):
    account = await Account.get(code="mcjy")
    broken = dataclasses.replace(snapshot(account), id=MISSING_ACCOUNT_ID)
    fan, mid = openid(), str(msg_id())
    raw = {"FromUserName": fan, "MsgType": "text", "Content": "存不进去", "MsgId": mid}
    replay_key = f"matrix:cb:nonce:{MISSING_ACCOUNT_ID}:{int(time.time())}:n1"
    try:
        await intake.handle(account=broken, msg_type="text", raw=raw, replay_key=replay_key)
    except StorageUnavailable:
        pass
    else:
        raise AssertionError("a message that was not stored must not be acknowledged")
    client = aioredis.Redis.from_url(_redis_url)
    try:
        seen = f"matrix:cb:seen:{MISSING_ACCOUNT_ID}:msg:{mid}"
        assert await client.exists(replay_key, seen) == 0
    finally:
        await client.aclose()
    assert not await InboxMessage.exists(openid=fan)


async def test_batcher_serves_concurrent_items_together_and_isolates_a_failure():
    sizes: list[int] = []

    async def double(items):
        sizes.append(len(items))
        await asyncio.sleep(0)
        if 13 in items:
            raise ValueError("13 is refused")
        return [i * 2 for i in items]

    batcher = Batcher("test", double, retry_singly=True)
    batcher.start()
    try:
        results = await asyncio.gather(
            *(batcher.submit(i) for i in range(40)), return_exceptions=True
        )
        await batcher.stop()
        assert await batcher.submit(5) == 10  # served directly once the task has stopped
    finally:
        await batcher.stop()
    assert isinstance(results[13], ValueError)
    assert [r for i, r in enumerate(results) if i != 13] == [i * 2 for i in range(40) if i != 13]
    assert sizes[0] == 40  # one batch for everything pending, then the one-by-one retry
