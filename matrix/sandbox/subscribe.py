"""Mini-program subscribe messages: one grant, one message (43101 without), WeChat's data,
page and template rules (47003, 41030, 40037), and the controls that play the resident
(granting in wx.requestSubscribeMessage) and the admin platform (declaring templates).

Templates are kept in memory per app after the first read (a declaration replaces the copy),
and a grant is spent by one conditional UPDATE, so a fan-out of 100,000 messages costs three
short SQLite statements per message: spend the grant, write the outbox, record the call.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from matrix.sandbox.api_message import outbox
from matrix.sandbox.control import _OPENID, ControlError, _control_error, _text, body_of
from matrix.sandbox.core import WxError, authenticate, json_body, store_of, wx_ok
from matrix.sandbox.store import Store

bp = Blueprint("sandbox_subscribe")
# Blueprint exception handlers cover their own routes only: answer ControlError here too.
bp.exception(ControlError)(_control_error)

MAX_BULK_GRANTS = 200_000

_TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")
_PAGE = re.compile(r"^/?[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*(\?[A-Za-z0-9_\-=&%.,~!*]*)?$")
_DATA_KEY = re.compile(
    r"^(thing|number|letter|symbol|character_string|time|date|amount|phone_number|"
    r"car_number|name|phrase|short_thing)(\d+)$"
)
_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y年%m月%d日 %H:%M", "%H:%M", "%Y-%m-%d")
_DATE_FORMATS = ("%Y-%m-%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M", "%Y年%m月%d日 %H:%M")


def _parses(value: str, formats: tuple[str, ...]) -> bool:
    for fmt in formats:
        try:
            time.strptime(value, fmt)  # only whether the text parses matters
            return True
        except ValueError:
            continue
    return False


def _valid_value(kind: str, value: str) -> bool:
    """WeChat's per-kind rules for subscribe-message data (e.g. thing ≤ 20 characters)."""
    if not value or len(value) > 100:
        return False
    rules = {
        "thing": lambda v: len(v) <= 20,
        "short_thing": lambda v: len(v) <= 5,
        "number": lambda v: len(v) <= 32 and re.fullmatch(r"[0-9.]+", v) is not None,
        "letter": lambda v: len(v) <= 32 and v.isascii() and v.isalpha(),
        "symbol": lambda v: len(v) <= 5,
        "character_string": lambda v: len(v) <= 32 and re.fullmatch(r"[\w\-]+", v, re.A),
        "time": lambda v: _parses(v, _TIME_FORMATS),
        "date": lambda v: _parses(v, _DATE_FORMATS),
        "amount": lambda v: re.fullmatch(r"[¥￥]?\d{1,10}(\.\d{1,2})?元?", v) is not None,
        "phone_number": lambda v: len(v) <= 17 and re.fullmatch(r"[0-9+\-]+", v) is not None,
        "car_number": lambda v: len(v) <= 8,
        "name": lambda v: len(v) <= (20 if v.isascii() else 10),
        "phrase": lambda v: len(v) <= 5 and re.fullmatch(r"[\u4e00-\u9fff]+", v) is not None,
    }
    return bool(rules[kind](value))


def _templates(request: Request, appid: str) -> dict[str, dict[str, Any]]:
    """The app's declared templates (template id → {title, keywords}), cached per app."""
    cache: dict[str, dict[str, dict[str, Any]]] = request.app.ctx.subscribe_templates
    found = cache.get(appid)
    if found is None:
        found = {t["template_id"]: t for t in store_of(request).kv_list("template", appid)}
        cache[appid] = found
    return found


def _spend_grant(store: Store, appid: str, openid: str, template_id: str) -> bool:
    """Use one of the resident's grants for this template; False when none is left."""
    cur = store.db.execute(
        "UPDATE kv SET data = CAST(CAST(data AS INTEGER) - 1 AS TEXT) "
        "WHERE kind = 'grant' AND appid = ? AND key = ? AND CAST(data AS INTEGER) > 0",
        (appid, f"{openid}|{template_id}"),
    )
    return cur.rowcount == 1


@bp.post("/cgi-bin/message/subscribe/send")
async def subscribe_send(request: Request) -> HTTPResponse:
    app = await authenticate(request, kinds=("miniprogram",))
    appid = app["appid"]
    store = store_of(request)
    data = json_body(request)
    openid = data.get("touser")
    if not isinstance(openid, str) or not openid:
        raise WxError(40003, "invalid openid")
    template_id = data.get("template_id")
    templates = _templates(request, appid)
    if (
        not isinstance(template_id, str)
        or not _TEMPLATE_ID.match(template_id)
        or (templates and template_id not in templates)
    ):
        raise WxError(40037, "invalid template_id")
    page = data.get("page")
    if page is not None and (
        not isinstance(page, str) or len(page) > 1024 or not _PAGE.match(page)
    ):
        raise WxError(41030, "invalid page")
    if data.get("miniprogram_state", "formal") not in ("developer", "trial", "formal"):
        raise WxError(47003, "argument invalid! data.miniprogram_state invalid")
    values = data.get("data")
    if not isinstance(values, dict) or not values:
        raise WxError(47003, "argument invalid! data is empty")
    keywords = (templates.get(template_id) or {}).get("keywords") or []
    for key, item in values.items():
        match = _DATA_KEY.match(key)
        value = item.get("value") if isinstance(item, dict) else None
        if not match or not isinstance(value, str) or not _valid_value(match.group(1), value):
            raise WxError(47003, f"argument invalid! data.{key}.value invalid")
        if keywords and key not in keywords:
            raise WxError(47003, f"argument invalid! data.{key} not exist in the template")
    if not _spend_grant(store, appid, openid, template_id):
        raise WxError(43101, "user refuse to accept the msg")
    outbox(
        store,
        appid,
        "subscribe",
        openid,
        {"template_id": template_id, "page": page, "data": values},
    )
    return wx_ok(request)


# --- controls ------------------------------------------------------------------------------


def _mini_program(request: Request, data: dict[str, Any]) -> dict[str, Any]:
    appid = _text(data, "appid", max_len=64)
    app = store_of(request).get_app(appid)
    if app is None:
        raise ControlError("no app with this appid", {"appid": "unknown"}, 404)
    if app["kind"] != "miniprogram":
        raise ControlError("subscribe messages belong to mini-programs", {"appid": "invalid"})
    return app


def _count(data: dict[str, Any]) -> int:
    count = data.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 100:
        raise ControlError("count must be 1..100", {"count": "invalid"})
    return count


def _add_grants(store: Store, appid: str, template_id: str, openids: list[str], count: int) -> None:
    now = time.time()
    with store.db:  # one transaction, however many residents
        store.db.execute("BEGIN")
        store.db.executemany(
            "INSERT INTO kv VALUES ('grant', ?, ?, ?, ?) ON CONFLICT (kind, appid, key) "
            "DO UPDATE SET data = CAST(CAST(data AS INTEGER) + ? AS TEXT)",
            [(appid, f"{o}|{template_id}", str(count), now, count) for o in openids],
        )


def _grants_left(store: Store, appid: str, openid: str, template_id: str) -> int:
    return int(store.kv_get("grant", appid, f"{openid}|{template_id}") or 0)


@bp.post("/sandbox/subscribe-grant")
async def subscribe_grant(request: Request) -> HTTPResponse:
    """A resident taps "allow" in wx.requestSubscribeMessage: one more message may be sent."""
    data = body_of(request)
    app = _mini_program(request, data)
    openid = _text(data, "openid", max_len=64)
    if not _OPENID.match(openid):
        raise ControlError("openid has the wrong shape", {"openid": "invalid"})
    template_id = _text(data, "template_id", max_len=64)
    store = store_of(request)
    _add_grants(store, app["appid"], template_id, [openid], _count(data))
    grants = _grants_left(store, app["appid"], openid, template_id)
    return json_response(
        {"appid": app["appid"], "openid": openid, "template_id": template_id, "grants": grants}
    )


@bp.post("/sandbox/subscribe-grants")
async def subscribe_grants(request: Request) -> HTTPResponse:
    """Many residents allow one template at once (load tests): {appid, template_id, openids}."""
    data = body_of(request)
    app = _mini_program(request, data)
    template_id = _text(data, "template_id", max_len=64)
    openids = data.get("openids")
    if (
        not isinstance(openids, list)
        or not 1 <= len(openids) <= MAX_BULK_GRANTS
        or not all(isinstance(o, str) and _OPENID.match(o) for o in openids)
    ):
        raise ControlError(
            f"openids must be a list of 1..{MAX_BULK_GRANTS} openids", {"openids": "invalid"}
        )
    _add_grants(store_of(request), app["appid"], template_id, openids, _count(data))
    return json_response(
        {"appid": app["appid"], "template_id": template_id, "residents": len(openids)}
    )


@bp.get("/sandbox/subscribe-grants")
async def grants_left(request: Request) -> HTTPResponse:
    """How many grants a resident has left for a template, on WeChat's side."""
    appid = request.args.get("appid", "")
    openid = request.args.get("openid", "")
    template_id = request.args.get("template_id", "")
    if not (appid and openid and template_id):
        raise ControlError("appid, openid and template_id are required", {"openid": "required"})
    grants = _grants_left(store_of(request), appid, openid, template_id)
    return json_response({"openid": openid, "template_id": template_id, "grants": grants})


@bp.get("/sandbox/subscribe-sent")
async def subscribe_sent(request: Request) -> HTTPResponse:
    """What residents received: messages, distinct recipients, the most one resident got
    (optionally only openids starting with `prefix`); with `openid`, that resident's messages."""
    appid = request.args.get("appid", "")
    if not appid:
        raise ControlError("appid is required", {"appid": "required"})
    template_id = request.args.get("template_id") or None
    openid = request.args.get("openid") or None
    prefix = request.args.get("prefix") or None
    store = store_of(request)
    where = (
        "kind = 'outbox' AND appid = ? AND json_extract(data, '$.kind') = 'subscribe' "
        "AND (? IS NULL OR json_extract(data, '$.content.template_id') = ?) "
        "AND (? IS NULL OR json_extract(data, '$.to') = ?) "
        "AND (? IS NULL OR substr(json_extract(data, '$.to'), 1, length(?)) = ?)"
    )
    args = (appid, template_id, template_id, openid, openid, prefix, prefix, prefix)
    if openid:
        rows = store.db.execute(f"SELECT data FROM kv WHERE {where} ORDER BY created_at", args)
        messages = [json.loads(r["data"]) for r in rows]
        return json_response({"openid": openid, "count": len(messages), "messages": messages})
    row = store.db.execute(
        "SELECT COUNT(*) AS messages, COUNT(DISTINCT json_extract(data, '$.to')) AS recipients "
        f"FROM kv WHERE {where}",
        args,
    ).fetchone()
    top = store.db.execute(
        f"SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM kv WHERE {where} "
        "GROUP BY json_extract(data, '$.to'))",
        args,
    ).fetchone()
    return json_response(
        {
            "messages": row["messages"],
            "recipients": row["recipients"],
            "most_to_one_recipient": top[0] or 0,
        }
    )


@bp.post("/sandbox/templates")
async def register_template(request: Request) -> HTTPResponse:
    """Declare a mini-program's subscribe template (what choosing it in WeChat's admin platform
    does): once any is declared, other ids get 40037; with `keywords` (thing1, time2, ...),
    data under other keywords gets 47003."""
    data = body_of(request)
    appid = _text(data, "appid", max_len=64)
    template_id = _text(data, "template_id", max_len=64)
    title = _text(data, "title", required=False, max_len=64) or ""
    keywords = data.get("keywords") or []
    if not isinstance(keywords, list) or not all(
        isinstance(k, str) and _DATA_KEY.match(k) for k in keywords
    ):
        raise ControlError(
            "keywords must be WeChat keyword names (thing1, time2, ...)", {"keywords": "invalid"}
        )
    store_of(request).kv_put(
        "template",
        appid,
        template_id,
        {"template_id": template_id, "title": title, "keywords": keywords},
    )
    request.app.ctx.subscribe_templates.pop(appid, None)
    return json_response({"appid": appid, "template_id": template_id}, 201)
