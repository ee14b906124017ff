"""/sandbox/* controls that play the residents: follower messages and events, and what the
sandbox sent or delivered (outbox, deliveries). Subscribe grants: matrix/sandbox/subscribe.py."""

from __future__ import annotations

import secrets
import time
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from matrix.sandbox import events
from matrix.sandbox.control import _OPENID, ControlError, _control_error, _text, body_of
from matrix.sandbox.core import store_of

bp = Blueprint("sandbox_followers", url_prefix="/sandbox")
# Blueprint exception handlers cover their own routes only: answer ControlError here too.
bp.exception(ControlError)(_control_error)

EVENTS = ("subscribe", "unsubscribe", "CLICK", "VIEW", "SCAN")
# Interactions that open WeChat's 48-hour customer-service window.
OPENS_WINDOW = ("subscribe", "CLICK", "SCAN", "message")


def _app_and_openid(request: Request, data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    appid = _text(data, "appid", max_len=64)
    app = store_of(request).get_app(appid)
    if app is None:
        raise ControlError("no app with this appid", {"appid": "unknown"}, 404)
    openid = _text(data, "openid", max_len=64)
    if not _OPENID.match(openid):
        raise ControlError("openid has the wrong shape", {"openid": "invalid"})
    return app, openid


def _touch(request: Request, appid: str, openid: str, kind: str) -> dict[str, Any]:
    store = store_of(request)
    fan = store.kv_get("follower", appid, openid) or {"openid": openid, "mass_received": {}}
    if kind == "unsubscribe":
        fan["subscribed"] = False
    else:
        fan["subscribed"] = True
    if kind in OPENS_WINDOW:
        fan["last_interaction_at"] = store.now(appid)
    store.kv_put("follower", appid, openid, fan)
    return fan


@bp.post("/follower-message")
async def follower_message(request: Request) -> HTTPResponse:
    """A follower writes to the account: a signed (and in safe mode encrypted) callback."""
    data = body_of(request)
    app, openid = _app_and_openid(request, data)
    msgtype = data.get("msgtype", "text")
    if msgtype not in ("text", "image", "voice"):
        raise ControlError("msgtype must be text, image or voice", {"msgtype": "invalid"})
    content = _text(data, "content", required=msgtype != "image", max_len=2000)
    msg_id = 10**18 + secrets.randbelow(10**18)
    fields: dict[str, Any] = {
        "ToUserName": app["original_id"],
        "FromUserName": openid,
        "CreateTime": int(store_of(request).now(app["appid"])),
        "MsgType": msgtype,
    }
    if msgtype == "text":
        fields["Content"] = content
    elif msgtype == "image":
        fields["PicUrl"] = f"{request.scheme}://{request.host}/sandbox/media/placeholder.jpg"
        fields["MediaId"] = secrets.token_urlsafe(24)
    else:
        fields["MediaId"] = secrets.token_urlsafe(24)
        fields["Format"] = "amr"
        fields["Recognition"] = content or ""
    fields["MsgId"] = msg_id
    _touch(request, app["appid"], openid, "message")
    outcome = await events.deliver(request.app, app, fields, openid=openid, retries=0)
    return json_response({**_summary(outcome), "msg_id": msg_id})


@bp.post("/follower-event")
async def follower_event(request: Request) -> HTTPResponse:
    """A follower subscribes, unsubscribes, clicks a menu, opens a link or scans a code."""
    data = body_of(request)
    app, openid = _app_and_openid(request, data)
    event = data.get("event")
    if event not in EVENTS:
        raise ControlError("event must be one of " + ", ".join(EVENTS), {"event": "invalid"})
    fields: dict[str, Any] = {
        "ToUserName": app["original_id"],
        "FromUserName": openid,
        "CreateTime": int(store_of(request).now(app["appid"])),
        "MsgType": "event",
        "Event": event,
    }
    event_key = _text(data, "event_key", required=event in ("CLICK", "VIEW"), max_len=256)
    if event_key is not None:
        fields["EventKey"] = event_key
    fan = _touch(request, app["appid"], openid, event)
    tag_ids = data.get("tag_ids")
    if isinstance(tag_ids, list) and all(isinstance(t, int) for t in tag_ids):
        fan["tag_ids"] = tag_ids
        store_of(request).kv_put("follower", app["appid"], openid, fan)
    outcome = await events.deliver(request.app, app, fields, openid=openid, retries=0)
    return json_response(_summary(outcome))


def _summary(outcome: dict[str, Any]) -> dict[str, Any]:
    return {k: outcome[k] for k in ("id", "delivered", "status", "reply", "error", "attempts")}


@bp.get("/outbox")
async def list_outbox(request: Request) -> HTTPResponse:
    """What the accounts sent: group sends, customer-service and subscribe messages."""
    kind = request.args.get("kind")
    entries = store_of(request).kv_list("outbox", request.args.get("appid") or None)
    entries = [e for e in entries if not kind or e["kind"] == kind]
    return json_response({"count": len(entries), "messages": entries})


@bp.get("/deliveries")
async def list_deliveries(request: Request) -> HTTPResponse:
    """Callbacks the sandbox sent to the product, with status and the product's reply."""
    kind = request.args.get("kind")
    entries = store_of(request).kv_list("delivery", request.args.get("appid") or None)
    entries = [e for e in entries if not kind or e["kind"] == kind]
    return json_response({"count": len(entries), "deliveries": entries})


@bp.get("/followers")
async def list_followers(request: Request) -> HTTPResponse:
    appid = request.args.get("appid")
    if not appid:
        raise ControlError("appid is required", {"appid": "required"})
    fans = store_of(request).kv_list("follower", appid)
    return json_response({"count": len(fans), "followers": fans, "now": time.time()})
