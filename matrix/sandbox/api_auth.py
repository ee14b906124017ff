"""Access tokens, stable tokens, mini-program login and getcallbackip."""

from __future__ import annotations

import base64
import secrets

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from matrix.sandbox.core import (
    CODE_TTL,
    TOKEN_TTL,
    WxError,
    apply_faults,
    authenticate,
    check_app,
    json_body,
    store_of,
    wx_data,
    wx_ok,
)

bp = Blueprint("sandbox_auth")

FORCE_REFRESH_PER_DAY = 20
FORCE_REFRESH_SPACING = 30


def _new_token() -> str:
    # Real tokens are long opaque strings; clients must store at least 512 characters.
    return secrets.token_urlsafe(120)


@bp.get("/cgi-bin/token")
async def token(request: Request) -> HTTPResponse:
    args = request.args
    request.ctx.appid = args.get("appid") or None
    await apply_faults(request, request.ctx.appid)
    if args.get("grant_type") != "client_credential":
        raise WxError(40002, "invalid grant_type")
    app = check_app(request, args.get("appid", ""), args.get("secret", ""))
    issued = store_of(request).issue_token(app["appid"], "token", _new_token(), TOKEN_TTL)
    return wx_data(request, {"access_token": issued["token"], "expires_in": TOKEN_TTL})


@bp.post("/cgi-bin/stable_token")
async def stable_token(request: Request) -> HTTPResponse:
    data = json_body(request)
    request.ctx.appid = str(data.get("appid") or "") or None
    await apply_faults(request, request.ctx.appid)
    if data.get("grant_type") != "client_credential":
        raise WxError(40002, "invalid grant_type")
    app = check_app(request, str(data.get("appid") or ""), str(data.get("secret") or ""))
    store = store_of(request)
    appid = app["appid"]
    now = store.now(appid)
    if data.get("force_refresh") is True:
        day = store.day(appid)
        last = store.kv_get("stable_force", appid, "last") or 0
        if now - last < FORCE_REFRESH_SPACING:
            raise WxError(45011, "api minute-quota reach limit mustslower retry next minute")
        if store.count(appid, "stable_force", day) >= FORCE_REFRESH_PER_DAY:
            raise WxError(45009, "reach max api daily quota limit")
        store.incr(appid, "stable_force", day)
        store.kv_put("stable_force", appid, "last", now)
    else:
        current = store.current_token(appid, "stable")
        # Normal mode returns the same token until five minutes before it expires.
        if current and current["expires_at"] - now > 300:
            remaining = int(current["expires_at"] - now)
            return wx_data(request, {"access_token": current["token"], "expires_in": remaining})
    issued = store.issue_token(appid, "stable", _new_token(), TOKEN_TTL)
    return wx_data(request, {"access_token": issued["token"], "expires_in": TOKEN_TTL})


@bp.get("/sns/jscode2session")
async def jscode2session(request: Request) -> HTTPResponse:
    args = request.args
    request.ctx.appid = args.get("appid") or None
    await apply_faults(request, request.ctx.appid)
    app = check_app(request, args.get("appid", ""), args.get("secret", ""))
    if app["kind"] != "miniprogram":
        raise WxError(40013, "invalid appid")
    if args.get("grant_type", "authorization_code") != "authorization_code":
        raise WxError(40002, "invalid grant_type")
    js_code = args.get("js_code", "")
    if not js_code:
        raise WxError(41008, "missing code")
    store = store_of(request)
    code = store.get_code(js_code)
    now = store.now(app["appid"])
    if code is None or code["appid"] != app["appid"] or now - code["issued_at"] > CODE_TTL:
        raise WxError(40029, "invalid code")
    if code["used_at"] is not None or not store.use_code(js_code, now):
        raise WxError(40163, "code been used")
    data = {
        "openid": code["openid"],
        "session_key": base64.b64encode(secrets.token_bytes(16)).decode(),
    }
    if code["unionid"]:
        data["unionid"] = code["unionid"]
    return wx_data(request, data)


@bp.get("/cgi-bin/getcallbackip")
async def getcallbackip(request: Request) -> HTTPResponse:
    await authenticate(request)
    return wx_ok(request, ip_list=["127.0.0.1", "::1"])


@bp.post("/cgi-bin/clear_quota")
async def clear_quota(request: Request) -> HTTPResponse:
    data = json_body(request)
    await authenticate(request)
    store = store_of(request)
    appid = str(data.get("appid") or "")
    if appid != request.ctx.appid:
        raise WxError(40013, "invalid appid")
    month = store.month(appid)
    if store.incr(appid, "clear_quota", month) > 10:
        raise WxError(48006, "api forbidden for clear quota because reach limit")
    store.clear_counters(appid, store.day(appid))
    return wx_ok(request)
