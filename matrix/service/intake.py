"""What follower messages and platform events do once a callback has been verified and parsed.

Called by the callback endpoint (matrix/callback.py) with wechatpy's parsed message and the raw
dict. Every kind is deduplicated twice: a Redis SET NX answers WeChat's retries cheaply, and a
unique (account, dedupe_key) constraint in the database is the final word.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from gateway.redis import get_redis
from matrix.models import (
    Account,
    Follower,
    FollowerDaily,
    FollowerEvent,
    InboxMessage,
    InboxStatus,
    PlatformEvent,
)
from matrix.service.common import local_date, now_utc

log = logging.getLogger("govmatrix.matrix.callback")

INBOX_TYPES = frozenset({"text", "image", "voice", "video", "shortvideo", "location", "link"})
PLATFORM_EVENTS = frozenset({"publishjobfinish", "masssendjobfinish"})
SEEN_TTL = 24 * 3600


@dataclass
class Outcome:
    kind: str
    reply: str | None = None
    duplicate: bool = False
    platform_event_id: int | None = None
    inbox_message_id: int | None = None


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
        return f"publish:{publish_id or raw.get('CreateTime')}"
    if msg_type != "event" and msg_id:
        return f"msg:{msg_id}"
    if event in PLATFORM_EVENTS and msg_id:
        return f"mass:{msg_id}"
    return f"ev:{raw.get('FromUserName', '')}:{raw.get('CreateTime', '')}:{event}"[:128]


def keyword_reply(account: Account, text: str) -> str | None:
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


def click_reply(account: Account, key: str) -> str | None:
    return ((account.auto_reply or {}).get("click") or {}).get(key) or None


async def _first_time(account: Account, key: str) -> bool:
    """Redis SET NX: False when this (account, key) was already seen recently."""
    return bool(
        await get_redis().set(f"matrix:cb:seen:{account.id}:{key}", "1", nx=True, ex=SEEN_TTL)
    )


async def _forget(account: Account, key: str) -> None:
    await get_redis().delete(f"matrix:cb:seen:{account.id}:{key}")


async def handle(*, account: Account, msg_type: str, raw: dict[str, Any]) -> Outcome:
    """Store what a verified callback carries and decide the passive reply (if any)."""
    event = str(raw.get("Event", "")).lower() if msg_type == "event" else ""
    kind = event or msg_type
    reply = _reply_for(account, msg_type, event, raw)
    key = dedupe_key(raw)
    if not await _first_time(account, key):
        return Outcome(kind=kind, reply=reply, duplicate=True)
    try:
        outcome = await _store(account, msg_type, event, raw, key, reply)
    except IntegrityError:
        return Outcome(kind=kind, reply=reply, duplicate=True)
    except Exception:
        # Let WeChat's retry try again instead of being taken for a duplicate.
        await _forget(account, key)
        raise
    outcome.kind, outcome.reply = kind, reply
    return outcome


def _reply_for(account: Account, msg_type: str, event: str, raw: dict[str, Any]) -> str | None:
    if msg_type == "text":
        return keyword_reply(account, _text(raw, "Content"))
    if event == "click":
        return click_reply(account, _text(raw, "EventKey", 128))
    if event == "subscribe":
        return str((account.auto_reply or {}).get("subscribe") or "") or None
    return None


async def _store(
    account: Account, msg_type: str, event: str, raw: dict[str, Any], key: str, reply: str | None
) -> Outcome:
    openid = _text(raw, "FromUserName", 64)
    at = _created_at(raw)
    if msg_type in INBOX_TYPES:
        return await _store_message(account, msg_type, raw, key, openid, at, reply)
    if msg_type != "event":
        log.info("callback %s: ignored message type %s", account.code, msg_type[:32])
        return Outcome(kind=msg_type)
    if event in PLATFORM_EVENTS:
        row = await PlatformEvent.create(
            account=account, event_type=str(raw.get("Event"))[:32], payload=raw, dedupe_key=key
        )
        if event == "publishjobfinish":
            await _note_publication(account, raw, at)
        elif _mass_send_succeeded(raw):
            await _publication_at(account, at)
        return Outcome(kind=event, platform_event_id=row.id)
    async with in_transaction():
        await FollowerEvent.create(
            account=account,
            openid=openid,
            event=event[:32],
            event_key=_text(raw, "EventKey", 128),
            dedupe_key=key,
        )
        if event in ("subscribe", "subscribe_scan"):
            await _subscribe(account, openid, at)
        elif event == "unsubscribe":
            await _unsubscribe(account, openid, at)
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


async def _store_message(
    account: Account,
    msg_type: str,
    raw: dict[str, Any],
    key: str,
    openid: str,
    at: datetime,
    reply: str | None,
) -> Outcome:
    async with in_transaction():
        row = await InboxMessage.create(
            account=account,
            department_code=account.department_code,
            openid=openid,
            msg_type=msg_type,
            content=_message_content(msg_type, raw),
            media_id=_text(raw, "MediaId", 128) or None,
            dedupe_key=key,
            received_at=at,
            # A keyword answered automatically needs no staff reply.
            status=InboxStatus.CLOSED if reply else InboxStatus.NEW,
            auto_replied=bool(reply),
            reply_text=reply,
            replied_at=at if reply else None,
            reply_workdays=0 if reply else None,
        )
        follower = await Follower.get_or_none(account=account, openid=openid)
        if follower is None:
            await Follower.create(
                account=account, openid=openid, subscribed=True, last_message_at=at
            )
        elif follower.last_message_at is None or at > follower.last_message_at:
            await Follower.filter(id=follower.id).update(last_message_at=at)
    return Outcome(kind=msg_type, inbox_message_id=row.id)


async def _daily_row(account: Account, at: datetime) -> FollowerDaily:
    day = local_date(at)
    row = await FollowerDaily.get_or_none(account=account, day=day)
    if row is None:
        row = await FollowerDaily.create(
            account=account, day=day, follower_count=account.follower_count
        )
    return row


async def _subscribe(account: Account, openid: str, at: datetime) -> None:
    follower = await Follower.get_or_none(account=account, openid=openid)
    if follower is None:
        await Follower.create(account=account, openid=openid, subscribed=True, subscribed_at=at)
    elif follower.subscribed and follower.subscribed_at is not None:
        return  # already counted
    else:
        await Follower.filter(id=follower.id).update(
            subscribed=True, subscribed_at=at, unsubscribed_at=None
        )
    await Account.filter(id=account.id).update(follower_count=F("follower_count") + 1)
    await account.refresh_from_db(fields=["follower_count"])
    row = await _daily_row(account, at)
    await FollowerDaily.filter(id=row.id).update(
        subscribes=F("subscribes") + 1, follower_count=account.follower_count
    )


async def _unsubscribe(account: Account, openid: str, at: datetime) -> None:
    follower = await Follower.get_or_none(account=account, openid=openid)
    if follower is not None and not follower.subscribed:
        return
    if follower is None:
        await Follower.create(account=account, openid=openid, subscribed=False, unsubscribed_at=at)
    else:
        await Follower.filter(id=follower.id).update(subscribed=False, unsubscribed_at=at)
    await Account.filter(id=account.id, follower_count__gt=0).update(
        follower_count=F("follower_count") - 1
    )
    await account.refresh_from_db(fields=["follower_count"])
    row = await _daily_row(account, at)
    await FollowerDaily.filter(id=row.id).update(
        unsubscribes=F("unsubscribes") + 1, follower_count=account.follower_count
    )


def _mass_send_succeeded(raw: dict[str, Any]) -> bool:
    return str(raw.get("Status", "")).lower() in ("send success", "sendsuccess")


async def _note_publication(account: Account, raw: dict[str, Any], at: datetime) -> None:
    info = raw.get("PublishEventInfo")
    if isinstance(info, dict) and str(info.get("publish_status")) == "0":
        await _publication_at(account, at)


async def _publication_at(account: Account, at: datetime) -> None:
    await (
        Account.filter(id=account.id).filter(last_published_at__lt=at).update(last_published_at=at)
    )
    await Account.filter(id=account.id, last_published_at__isnull=True).update(last_published_at=at)
