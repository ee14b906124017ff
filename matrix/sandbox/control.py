"""/sandbox/*: controls for developers and tests (apps, wx.login codes, faults, the call record)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
from datetime import datetime
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from matrix.sandbox.core import store_of

bp = Blueprint("sandbox_control", url_prefix="/sandbox")

KINDS = ("subscription", "service", "miniprogram")
_APPID = re.compile(r"^[A-Za-z0-9_\-]{4,64}$")
_OPENID = re.compile(r"^[A-Za-z0-9_\-]{6,64}$")


class ControlError(Exception):
    def __init__(self, message: str, fields: dict[str, str] | None = None, status: int = 422):
        super().__init__(message)
        self.message, self.fields, self.status = message, fields or {}, status


@bp.exception(ControlError)
async def _control_error(request: Request, exc: ControlError) -> HTTPResponse:
    body = {"error": {"code": "invalid", "message": exc.message, "fields": exc.fields}}
    return json_response(body, exc.status)


def body_of(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ControlError("body is not JSON", status=400) from exc
    if not isinstance(data, dict):
        raise ControlError("body must be a JSON object", status=400)
    return data


def _text(data: dict[str, Any], key: str, *, required: bool = True, max_len: int = 256) -> Any:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise ControlError(f"{key} is required", {key: "required"})
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise ControlError(f"{key} must be text up to {max_len} characters", {key: "invalid"})
    return value


def _moment(value: Any) -> float:
    try:
        at = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None or not 2000 <= at.year <= 2100:
        raise ControlError("at must be an ISO 8601 time with its offset", {"at": "invalid"})
    return at.timestamp()


def mask(value: str | None) -> str | None:
    if not value:
        return value
    return value[:3] + "***" + value[-2:] if len(value) > 8 else "***"


def public_app(app: dict[str, Any]) -> dict[str, Any]:
    """An app as the controls show it: secrets masked, never returned in full."""
    return {
        "appid": app["appid"],
        "kind": app["kind"],
        "name": app["name"],
        "original_id": app["original_id"],
        "callback_url": app["callback_url"],
        "secret": mask(app["secret"]),
        "token": mask(app["token"]),
        "encoding_aes_key": mask(app["encoding_aes_key"]),
        "safe_mode": bool(app["encoding_aes_key"]),
    }


def _valid_aes_key(key: str) -> bool:
    try:
        return len(key) == 43 and len(base64.b64decode(key + "=", validate=True)) == 32
    except ValueError:
        return False


@bp.get("/calls")
async def list_calls(request: Request) -> HTTPResponse:
    store = store_of(request)
    try:
        since = int(request.args.get("since", "0") or 0)
    except ValueError as exc:
        raise ControlError("since must be an integer", {"since": "invalid"}) from exc
    calls = store.list_calls(request.args.get("appid"), request.args.get("path"), since)
    return json_response({"count": len(calls), "calls": calls})


@bp.get("/apps")
async def list_apps(request: Request) -> HTTPResponse:
    return json_response({"apps": [public_app(a) for a in store_of(request).list_apps()]})


@bp.post("/apps")
async def register_app(request: Request) -> HTTPResponse:
    data = body_of(request)
    appid = _text(data, "appid", max_len=64)
    if not _APPID.match(appid):
        raise ControlError("appid has the wrong shape", {"appid": "invalid"})
    kind = data.get("kind")
    if kind not in KINDS:
        raise ControlError("kind must be one of " + ", ".join(KINDS), {"kind": "invalid"})
    aes_key = _text(data, "encoding_aes_key", required=False, max_len=43)
    if aes_key is not None and not _valid_aes_key(aes_key):
        raise ControlError(
            "encoding_aes_key must be 43 characters", {"encoding_aes_key": "invalid"}
        )
    callback_url = _text(data, "callback_url", required=False, max_len=500)
    if callback_url is not None and not callback_url.startswith(("http://", "https://")):
        raise ControlError("callback_url must be an http(s) URL", {"callback_url": "invalid"})
    record = {
        "appid": appid,
        "secret": _text(data, "secret", max_len=128),
        "kind": kind,
        "name": _text(data, "name", max_len=100),
        "callback_url": callback_url,
        "token": _text(data, "token", required=False, max_len=64),
        "encoding_aes_key": aes_key,
        "original_id": _text(data, "original_id", required=False, max_len=64)
        or "gh_" + hashlib.sha1(appid.encode()).hexdigest()[:12],
    }
    app = store_of(request).upsert_app(record)
    created = app.pop("created")
    return json_response({"app": public_app(app), "created": created}, 201 if created else 200)


@bp.post("/wx-login")
async def wx_login(request: Request) -> HTTPResponse:
    """Mint a code the way wx.login() would: single use, valid five minutes."""
    store = store_of(request)
    data = body_of(request)
    openid = _text(data, "openid", max_len=64)
    if not _OPENID.match(openid):
        raise ControlError("openid has the wrong shape", {"openid": "invalid"})
    appid = _text(data, "appid", required=False, max_len=64) or request.args.get("appid")
    if appid:
        app = store.get_app(appid)
        if app is None or app["kind"] != "miniprogram":
            raise ControlError("no mini-program with this appid", {"appid": "unknown"}, 404)
    else:
        appid = _default_mini_program(store)
    code = secrets.token_urlsafe(24)
    store.add_code(code, appid, openid, _text(data, "unionid", required=False, max_len=64))
    return json_response({"code": code, "appid": appid, "expires_in": 300})


def _default_mini_program(store: Any) -> str:
    """The product's mini-program when the caller names none: $APP_MP_APPID if registered,
    else the first mini-program registered (seed-demo registers the county's first)."""
    minis = [a for a in store.list_apps() if a["kind"] == "miniprogram"]
    if not minis:
        raise ControlError("no mini-program registered: give appid", {"appid": "required"}, 404)
    preferred = os.environ.get("APP_MP_APPID")
    for app in minis:
        if app["appid"] == preferred:
            return str(app["appid"])
    return str(minis[0]["appid"])


@bp.get("/faults")
async def list_faults(request: Request) -> HTTPResponse:
    return json_response({"faults": request.app.ctx.faults})


@bp.post("/faults")
async def add_fault(request: Request) -> HTTPResponse:
    data = body_of(request)
    fault: dict[str, Any] = {
        "appid": _text(data, "appid", required=False, max_len=64),
        "path": _text(data, "path", required=False, max_len=200),
    }
    for key in ("rate_minus1", "rate_45009", "rate_45011", "rate"):
        value = data.get(key, 0.0 if key != "rate" else 1.0)
        if not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ControlError(f"{key} must be between 0 and 1", {key: "invalid"})
        fault[key] = float(value)
    for key, low, high in (("latency_ms", 0, 30000), ("times", 0, 10**6)):
        value = data.get(key)
        if value is not None and (not isinstance(value, int) or not low <= value <= high):
            raise ControlError(f"{key} must be an integer {low}..{high}", {key: "invalid"})
        fault[key] = value
    errcode = data.get("errcode")
    if errcode is not None and not isinstance(errcode, int):
        raise ControlError("errcode must be an integer", {"errcode": "invalid"})
    fault["errcode"] = errcode
    status = data.get("publish_status")
    if status is not None and status not in (0, 2, 3, 4, 5, 6):
        raise ControlError(
            "publish_status must be one of 0,2,3,4,5,6", {"publish_status": "invalid"}
        )
    fault["publish_status"] = status
    faults: list[dict[str, Any]] = request.app.ctx.faults
    # One fault per (appid, path): a new setting replaces the old one.
    faults[:] = [f for f in faults if (f["appid"], f["path"]) != (fault["appid"], fault["path"])]
    faults.append(fault)
    _save_faults(request)
    return json_response({"faults": faults}, 201)


@bp.delete("/faults")
async def clear_faults(request: Request) -> HTTPResponse:
    appid = request.args.get("appid")
    faults: list[dict[str, Any]] = request.app.ctx.faults
    faults[:] = [f for f in faults if appid and f["appid"] != appid]
    _save_faults(request)
    return json_response({"faults": faults})


def _save_faults(request: Request) -> None:
    store = store_of(request)
    for old in store.kv_list("faults"):
        store.kv_delete("faults", "", f"{old['appid']}|{old['path']}")
    for fault in request.app.ctx.faults:
        store.kv_put("faults", "", f"{fault['appid']}|{fault['path']}", fault)


@bp.post("/clock")
async def advance_clock(request: Request) -> HTTPResponse:
    """Move one app's clock forward (code expiry, the 48-hour window, daily quotas), or set it
    to a moment (`at`, ISO 8601 with offset) from which it runs on: a test whose meaning
    depends on the date (a daily quota) pins the day instead of living with the real one."""
    data = body_of(request)
    appid = _text(data, "appid", max_len=64)
    store = store_of(request)
    if data.get("reset") is True:
        return json_response({"appid": appid, "offset_seconds": store.reset_clock(appid)})
    if "at" in data:
        at = _moment(data["at"])
        return json_response({"appid": appid, "offset_seconds": store.set_clock(appid, at)})
    seconds = data.get("advance_seconds")
    if not isinstance(seconds, int | float) or not 0 <= seconds <= 400 * 86400:
        raise ControlError("advance_seconds must be 0..34560000", {"advance_seconds": "invalid"})
    offset = store.advance_clock(appid, float(seconds))
    return json_response({"appid": appid, "offset_seconds": offset})


@bp.post("/revoke-tokens")
async def revoke_tokens(request: Request) -> HTTPResponse:
    """Kill an app's tokens at once, as if someone else had refreshed long ago (→ 40001)."""
    appid = _text(body_of(request), "appid", max_len=64)
    return json_response({"revoked": store_of(request).revoke_tokens(appid)})
