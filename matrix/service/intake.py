"""What follower messages and platform events do once a callback has been verified and parsed.

Called by the callback endpoint (matrix/callback.py) with the account's snapshot and the parsed
message. One Redis script answers both cheap questions at once: was this request's nonce used
before (a replay: refused) and was this message seen before (WeChat's retry: acknowledged, not
stored again). A unique (account, dedupe_key) constraint in the database is the final word.
Follower messages are stored through the group-commit writer (intake_writer.py); events, rare
and touching counters, in their own transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from redis.exceptions import RedisError
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from gateway.redis import get_redis
from matrix.models import (
    Account,
    Follower,
    FollowerDaily,
    FollowerEvent,
    PlatformEvent,
)
from matrix.service.batching import Batcher
from matrix.service.common import local_date, now_utc
from matrix.service.intake_writer import (
    PendingMessage,
    StorageUnavailable,
    start_writer,
    stop_writer,
    store_message,
)

log = logging.getLogger("govmatrix.matrix.callback")

INBOX_TYPES = frozenset({"text", "image", "voice", "video", "shortvideo", "location", "link"})
PLATFORM_EVENTS = frozenset({"publishjobfinish", "masssendjobfinish"})
SEEN_TTL = 24 * 3600
REPLAY_TTL = 11 * 60  # the timestamp window (±5 minutes) and a margin

__all__ = [
    "Outcome",
    "StorageUnavailable",
    "dedupe_key",
    "handle",
    "start_batching",
    "stop_batching",
]

# KEYS: pairs (the request's nonce key or "", the message's dedupe key), one pair per claim.
# Per pair: 0 = the nonce was used before (a replay; nothing set), 1 = the message was seen
# before (a retry), 2 = new. One call serves a whole batch of concurrent requests.
_CLAIM = """
local out = {}
for i = 1, #KEYS, 2 do
  local state = 2
  if KEYS[i] ~= '' and not redis.call('SET', KEYS[i], '1', 'NX', 'EX', ARGV[1]) then
    state = 0
  elseif not redis.call('SET', KEYS[i + 1], '1', 'NX', 'EX', ARGV[2]) then
    state = 1
  end
  out[#out + 1] = state
end
return out
"""
REPLAYED, SEEN, NEW = 0, 1, 2
Claim = tuple[str, str]  # (nonce key or "", dedupe key)


async def _claim_many(claims: Sequence[Claim]) -> list[int]:
    keys = [key for claim in claims for key in claim]
    states = await get_redis().eval(_CLAIM, len(keys), *keys, REPLAY_TTL, SEEN_TTL)
    return [int(state) for state in states]


# Per process: concurrent callbacks share one script call and one Redis connection (200
# requests each taking a pooled connection exhausted redis-py's pool and cost a round trip each).
_claims: Batcher[Claim, int] | None = None


def start_batching() -> None:
    """Start this process's claim batcher and message writer (server start)."""
    global _claims
    if _claims is None or not _claims.running:
        _claims = Batcher("callback-claims", _claim_many)
        _claims.start()
    start_writer()


async def stop_batching() -> None:
    """Serve what is pending, then stop both (server stop, before the database closes)."""
    global _claims
    claims, _claims = _claims, None
    if claims is not None:
        await claims.stop()
    await stop_writer()


class ReceivingAccount(Protocol):
    """What intake needs of an account (a CallbackAccount snapshot or an Account row)."""

    @property
    def id(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def department_code(self) -> str | None: ...
    @property
    def auto_reply(self) -> dict[str, Any]: ...


@dataclass
class Outcome:
    kind: str
    reply: str | None = None
    duplicate: bool = False
    replayed: bool = False
    platform_event_id: int | None = None


def _created_at(raw: dict[str, Any]) -> datetime:
    try:
        return datetime.fromtimestamp(int(raw.get("CreateTime") or 0), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return now_utc()


def _text(raw: dict[str, Any], key: str, limit: int = 2000) -> str:
    value = raw.get(key)
    return value[:limit] if isinstance(value, str) else ""


def dedupe_key(raw: dict[str, Any]) -> str:
    """MsgId for messages; sender + CreateTime (+ event) for events; job ids for platform jobs."""
    msg_id = raw.get("MsgId") or raw.get("MsgID")
    msg_type = str(raw.get("MsgType", "")).lower()
    event = str(raw.get("Event", "")).lower()
    if event == "publishjobfinish":
        info = raw.get("PublishEventInfo")
        publish_id = info.get("publish_id") if isinstance(info, dict) else None
        return f"publish:{publish_id or raw.get('CreateTime')}"[:128]
    if msg_type != "event" and msg_id:
        return f"msg:{msg_id}"[:128]
    if event in PLATFORM_EVENTS and msg_id:
        return f"mass:{msg_id}"[:128]
    return f"ev:{raw.get('FromUserName', '')}:{raw.get('CreateTime', '')}:{event}"[:128]


def keyword_reply(account: ReceivingAccount, text: str) -> str | None:
    """The configured automatic reply for a text message, if a keyword matches."""
    rules = (account.auto_reply or {}).get("keywords") or []
    stripped = text.strip()
    for rule in rules:
        keyword = str(rule.get("keyword", ""))
        if not keyword:
            continue
        if (rule.get("exact") and stripped == keyword) or (
            not rule.get("exact") and keyword in stripped
        ):
            return str(rule.get("reply", "")) or None
    return None


def click_reply(account: ReceivingAccount, key: str) -> str | None:
    return ((account.auto_reply or {}).get("click") or {}).get(key) or None


def _seen_key(account: ReceivingAccount, key: str) -> str:
    return f"matrix:cb:seen:{account.id}:{key}"


async def _claim(replay_key: str | None, seen_key: str) -> int:
    claim = (replay_key or "", seen_key)
    try:
        if _claims is not None:
            return await _claims.submit(claim)
        return (await _claim_many([claim]))[0]
    except Exception as exc:
        log.error("callback claim failed: %s", type(exc).__name__)
        raise StorageUnavailable(type(exc).__name__) from exc


async def _release(*keys: str | None) -> None:
    try:
        await get_redis().delete(*[k for k in keys if k])
    except RedisError as exc:  # the message was not stored; at worst a retry is taken for a dup
        log.warning("could not release callback keys: %s", type(exc).__name__)


async def handle(
    *,
    account: ReceivingAccount,
    msg_type: str,
    raw: dict[str, Any],
    replay_key: str | None = None,
) -> Outcome:
    """Store what a verified callback carries and decide the passive reply (if any).

    replay_key: the Redis key of the request's nonce; an Outcome with replayed=True means it
    was used before and nothing was stored. Raises StorageUnavailable when the message could
    not be stored (the caller must not acknowledge it; the keys are released for the retry).
    """
    event = str(raw.get("Event", "")).lower() if msg_type == "event" else ""
    kind = event or msg_type
    reply = _reply_for(account, msg_type, event, raw)
    key = dedupe_key(raw)
    seen_key = _seen_key(account, key)
    state = await _claim(replay_key, seen_key)  # StorageUnavailable when Redis fails
    if state == REPLAYED:
        return Outcome(kind=kind, replayed=True)
    if state == SEEN:
        return Outcome(kind=kind, reply=reply, duplicate=True)
    try:
        outcome = await _store(account, msg_type, event, raw, key, reply)
    except IntegrityError:
        return Outcome(kind=kind, reply=reply, duplicate=True)
    except BaseException as exc:
        # Let WeChat's retry try again instead of being taken for a duplicate or a replay.
        await _release(seen_key, replay_key)
        if isinstance(exc, StorageUnavailable) or not isinstance(exc, Exception):
            raise
        log.error("callback %s: storing failed: %s", account.code, type(exc).__name__)
        raise StorageUnavailable(type(exc).__name__) from exc
    outcome.kind, outcome.reply = kind, reply
    return outcome


def _reply_for(
    account: ReceivingAccount, msg_type: str, event: str, raw: dict[str, Any]
) -> str | None:
    if msg_type == "text":
        return keyword_reply(account, _text(raw, "Content"))
    if event == "click":
        return click_reply(account, _text(raw, "EventKey", 128))
    if event == "subscribe":
        return str((account.auto_reply or {}).get("subscribe") or "") or None
    return None


async def _store(
    account: ReceivingAccount,
    msg_type: str,
    event: str,
    raw: dict[str, Any],
    key: str,
    reply: str | None,
) -> Outcome:
    openid = _text(raw, "FromUserName", 64)
    at = _created_at(raw)
    if msg_type in INBOX_TYPES:
        await store_message(
            PendingMessage(
                account_id=account.id,
                department_code=account.department_code,
                openid=openid,
                msg_type=msg_type,
                content=_message_content(msg_type, raw),
                media_id=_text(raw, "MediaId", 128) or None,
                dedupe_key=key,
                received_at=at,
                reply=reply,
            )
        )
        return Outcome(kind=msg_type)
    if msg_type != "event":
        log.info("callback %s: ignored message type %s", account.code, msg_type[:32])
        return Outcome(kind=msg_type)
    if event in PLATFORM_EVENTS:
        async with in_transaction():
            row = await PlatformEvent.create(
                account_id=account.id,
                event_type=str(raw.get("Event"))[:32],
                payload=raw,
                dedupe_key=key,
            )
            if event == "publishjobfinish":
                await _note_publication(account.id, raw, at)
            elif _mass_send_succeeded(raw):
                await _publication_at(account.id, at)
        return Outcome(kind=event, platform_event_id=row.id)
    async with in_transaction():
        await FollowerEvent.create(
            account_id=account.id,
            openid=openid,
            event=event[:32],
            event_key=_text(raw, "EventKey", 128),
            dedupe_key=key,
        )
        if event in ("subscribe", "subscribe_scan"):
            await _subscribe(account.id, openid, at)
        elif event == "unsubscribe":
            await _unsubscribe(account.id, openid, at)
    return Outcome(kind=event)


def _message_content(msg_type: str, raw: dict[str, Any]) -> str:
    if msg_type == "text":
        return _text(raw, "Content")
    if msg_type == "image":
        return _text(raw, "PicUrl", 500)
    if msg_type == "voice":
        return _text(raw, "Recognition")
    if msg_type == "location":
        return f"{_text(raw, 'Label', 200)}（{raw.get('Location_X')}, {raw.get('Location_Y')}）"
    if msg_type == "link":
        return f"{_text(raw, 'Title', 200)} {_text(raw, 'Url', 500)}".strip()
    return ""


async def _daily_row(account_id: int, follower_count: int, at: datetime) -> FollowerDaily:
    day = local_date(at)
    row = await FollowerDaily.get_or_none(account_id=account_id, day=day)
    if row is None:
        row = await FollowerDaily.create(
            account_id=account_id, day=day, follower_count=follower_count
        )
    return row


async def _follower_count(account_id: int) -> int:
    counts = await Account.filter(id=account_id).values_list("follower_count", flat=True)
    return int(cast(Any, counts[0])) if counts else 0


async def _subscribe(account_id: int, openid: str, at: datetime) -> None:
    follower = await Follower.get_or_none(account_id=account_id, openid=openid)
    if follower is None:
        await Follower.create(
            account_id=account_id, openid=openid, subscribed=True, subscribed_at=at
        )
    elif follower.subscribed and follower.subscribed_at is not None:
        return  # already counted
    else:
        await Follower.filter(id=follower.id).update(
            subscribed=True, subscribed_at=at, unsubscribed_at=None
        )
    await Account.filter(id=account_id).update(follower_count=F("follower_count") + 1)
    count = await _follower_count(account_id)
    row = await _daily_row(account_id, count, at)
    await FollowerDaily.filter(id=row.id).update(
        subscribes=F("subscribes") + 1, follower_count=count
    )


async def _unsubscribe(account_id: int, openid: str, at: datetime) -> None:
    follower = await Follower.get_or_none(account_id=account_id, openid=openid)
    if follower is not None and not follower.subscribed:
        return
    if follower is None:
        await Follower.create(
            account_id=account_id, openid=openid, subscribed=False, unsubscribed_at=at
        )
    else:
        await Follower.filter(id=follower.id).update(subscribed=False, unsubscribed_at=at)
    await Account.filter(id=account_id, follower_count__gt=0).update(
        follower_count=F("follower_count") - 1
    )
    count = await _follower_count(account_id)
    row = await _daily_row(account_id, count, at)
    await FollowerDaily.filter(id=row.id).update(
        unsubscribes=F("unsubscribes") + 1, follower_count=count
    )


def _mass_send_succeeded(raw: dict[str, Any]) -> bool:
    return str(raw.get("Status", "")).lower() in ("send success", "sendsuccess")


async def _note_publication(account_id: int, raw: dict[str, Any], at: datetime) -> None:
    info = raw.get("PublishEventInfo")
    if isinstance(info, dict) and str(info.get("publish_status")) == "0":
        await _publication_at(account_id, at)


async def _publication_at(account_id: int, at: datetime) -> None:
    await (
        Account.filter(id=account_id).filter(last_published_at__lt=at).update(last_published_at=at)
    )
    await Account.filter(id=account_id, last_published_at__isnull=True).update(last_published_at=at)
