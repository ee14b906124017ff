"""Group sends (clientmsgid, quotas, MASSSENDJOBFINISH) and customer-service messages (48-hour
rule). Mini-program subscribe messages: matrix/sandbox/subscribe.py."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

from sanic import Blueprint, DefaultSanic, Request
from sanic.response import HTTPResponse

from matrix.sandbox import events
from matrix.sandbox.core import WxError, authenticate, json_body, obj, store_of, wx_ok
from matrix.sandbox.store import Store

bp = Blueprint("sandbox_message")

OFFICIAL = ("subscription", "service")
REPLY_WINDOW = 48 * 3600
MASS_RETRY_WINDOW = 60
SERVICE_MASS_CALLS_PER_DAY = 100
MASS_PER_FOLLOWER_PER_MONTH = 4


def follower(store: Store, appid: str, openid: str) -> dict[str, Any] | None:
    return store.kv_get("follower", appid, openid)


def outbox(store: Store, appid: str, kind: str, to: Any, content: Any) -> None:
    key = secrets.token_hex(8)
    entry = {"id": key, "kind": kind, "to": to, "content": content, "at": time.time()}
    store.kv_put("outbox", appid, key, entry)


@bp.post("/cgi-bin/message/mass/sendall")
async def mass_sendall(request: Request) -> HTTPResponse:
    app = await authenticate(request, kinds=OFFICIAL)
    appid = app["appid"]
    store = store_of(request)
    data = json_body(request)
    now = store.now(appid)
    clientmsgid = data.get("clientmsgid")
    if clientmsgid is not None:
        clientmsgid = str(clientmsgid)
        if len(clientmsgid.encode()) > 64:
            raise WxError(45067, "clientmsgid size out of limit")
        earlier = store.kv_get("mass_client", appid, clientmsgid)
        if earlier is not None:
            if now - earlier["attempt_at"] < MASS_RETRY_WINDOW:
                earlier["attempt_at"] = now
                store.kv_put("mass_client", appid, clientmsgid, earlier)
                raise WxError(45066, "same clientmsgid retry too fast")
            raise WxError(45065, "clientmsgid exist", msg_id=earlier["msg_id"])
    content = _mass_content(store, appid, data)
    flt = obj(data.get("filter"))
    day = store.day(appid)
    if app["kind"] == "subscription" and store.count(appid, "mass_sent", day) >= 1:
        raise WxError(45028, "has no masssend quota")
    if app["kind"] == "service":
        if store.incr(appid, "mass_calls", day) > SERVICE_MASS_CALLS_PER_DAY:
            raise WxError(45009, "reach max api daily quota limit")
    store.incr(appid, "mass_sent", day)
    recipients, total = _recipients(store, appid, flt)
    msg_id = 1_000_000_000 + secrets.randbelow(10**9)
    job = {
        "msg_id": msg_id,
        "msg_data_id": msg_id + 7,
        "appid": appid,
        "clientmsgid": clientmsgid,
        "content": content,
        "total": total,
        "recipients": recipients,
        "created_at": now,
        "complete_at": time.time() + request.app.ctx.event_delay,
        "finished": False,
    }
    store.kv_put("mass", appid, str(msg_id), job)
    if clientmsgid is not None:
        store.kv_put("mass_client", appid, clientmsgid, {"msg_id": msg_id, "attempt_at": now})
    outbox(store, appid, "mass", {"count": len(recipients)}, content)
    events.spawn(request.app, finish_mass_later(request.app, appid, msg_id))
    return wx_ok(request, msg_id=msg_id, msg_data_id=job["msg_data_id"])


def _mass_content(store: Store, appid: str, data: dict[str, Any]) -> dict[str, Any]:
    msgtype = data.get("msgtype")
    if msgtype == "mpnews":
        media_id = obj(data.get("mpnews")).get("media_id")
        draft = store.kv_get("draft", appid, str(media_id)) if media_id else None
        if draft is None:
            raise WxError(40007, "invalid media_id")
        return {
            "msgtype": "mpnews",
            "media_id": media_id,
            "titles": [a["title"] for a in draft["articles"]],
        }
    if msgtype == "text":
        text = obj(data.get("text")).get("content")
        if not isinstance(text, str) or not text:
            raise WxError(44004, "empty content")
        return {"msgtype": "text", "content": text}
    if msgtype in ("image", "voice", "mpvideo"):
        media_id = obj(data.get(msgtype)).get("media_id")
        if not media_id or store.kv_get("material", appid, str(media_id)) is None:
            raise WxError(40007, "invalid media_id")
        return {"msgtype": msgtype, "media_id": media_id}
    raise WxError(40008, "invalid message type")


def _recipients(store: Store, appid: str, flt: dict[str, Any]) -> tuple[list[str], int]:
    """Followers the send reaches: the filter, then WeChat's 4-a-month rule per follower."""
    month = store.month(appid)
    followers = [f for f in store.kv_list("follower", appid) if f.get("subscribed")]
    if not flt.get("is_to_all") and flt.get("tag_id") is not None:
        followers = [f for f in followers if flt["tag_id"] in f.get("tag_ids", [])]
    reached = []
    for f in followers:
        received = f.setdefault("mass_received", {})
        if received.get(month, 0) >= MASS_PER_FOLLOWER_PER_MONTH:
            continue
        received[month] = received.get(month, 0) + 1
        store.kv_put("follower", appid, f["openid"], f)
        reached.append(f["openid"])
    return reached, len(followers)


async def finish_mass_later(sanic_app: DefaultSanic, appid: str, msg_id: int) -> None:
    store: Store = sanic_app.ctx.store
    job = store.kv_get("mass", appid, str(msg_id))
    if job is None or job.get("finished"):
        return
    await asyncio.sleep(max(0.0, job["complete_at"] - time.time()))
    job["finished"] = True
    store.kv_put("mass", appid, str(msg_id), job)
    app = store.get_app(appid)
    if app is None:
        return
    event = {
        "ToUserName": app["original_id"],
        "FromUserName": "oSandboxPublisher",
        "CreateTime": int(time.time()),
        "MsgType": "event",
        "Event": "MASSSENDJOBFINISH",
        "MsgID": msg_id,
        "Status": "sendsuccess",
        "TotalCount": job["total"],
        "FilterCount": len(job["recipients"]),
        "SentCount": len(job["recipients"]),
        "ErrorCount": 0,
    }
    await events.deliver(sanic_app, app, event, openid=None)


@bp.post("/cgi-bin/message/custom/send")
async def custom_send(request: Request) -> HTTPResponse:
    app = await authenticate(request)
    appid = app["appid"]
    store = store_of(request)
    data = json_body(request)
    openid = data.get("touser")
    if not isinstance(openid, str) or not openid:
        raise WxError(40003, "invalid openid")
    msgtype = data.get("msgtype")
    if msgtype not in (
        "text",
        "image",
        "voice",
        "video",
        "music",
        "news",
        "mpnews",
        "msgmenu",
        "wxcard",
        "miniprogrampage",
        "link",
    ):
        raise WxError(40008, "invalid message type")
    payload = data.get(msgtype)
    if not isinstance(payload, dict):
        raise WxError(47001, "data format error")
    if msgtype == "text":
        text = payload.get("content")
        if not isinstance(text, str) or not text:
            raise WxError(44004, "empty content")
        if len(text.encode()) > 2048:
            raise WxError(45002, "content size out of limit")
    fan = follower(store, appid, openid)
    last = (fan or {}).get("last_interaction_at")
    if fan is None or last is None or store.now(appid) - last > REPLY_WINDOW:
        raise WxError(45015, "response out of time limit or subscription is canceled")
    outbox(store, appid, "custom", openid, {"msgtype": msgtype, msgtype: payload})
    return wx_ok(request)
