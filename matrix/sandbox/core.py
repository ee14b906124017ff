"""What every sandboxed WeChat endpoint shares: WeChat-shaped errors, token checks, faults."""

from __future__ import annotations

import asyncio
import json
import random
import re
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from matrix.sandbox.store import Store

TOKEN_TTL = 7200
# WeChat keeps the previous access token alive for about five minutes after a refresh.
TOKEN_GRACE = 300
CODE_TTL = 300


class WxError(Exception):
    """A WeChat error: answered as {"errcode", "errmsg"} with HTTP 200, as WeChat does."""

    def __init__(self, errcode: int, errmsg: str, **extra: Any) -> None:
        super().__init__(f"{errcode} {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.extra = extra


def wx_ok(request: Request, **data: Any) -> HTTPResponse:
    request.ctx.errcode = 0
    return json_response({"errcode": 0, "errmsg": "ok", **data})


def wx_data(request: Request, data: dict[str, Any]) -> HTTPResponse:
    """Some endpoints (token, jscode2session) answer without errcode on success."""
    request.ctx.errcode = 0
    return json_response(data)


def store_of(request: Request) -> Store:
    return request.app.ctx.store


def json_body(request: Request) -> dict[str, Any]:
    if not request.body:
        raise WxError(44002, "empty post data")
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WxError(47001, "data format error") from exc
    if not isinstance(data, dict):
        raise WxError(47001, "data format error")
    return data


def obj(value: Any) -> dict[str, Any]:
    """A nested JSON object, or a WeChat format error when the caller sent something else."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise WxError(47001, "data format error")
    return value


_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{16,600}$")


async def authenticate(request: Request, *, kinds: tuple[str, ...] = ()) -> dict[str, Any]:
    """Resolve `access_token` to its app, applying faults first; raises WeChat's token errors."""
    store = store_of(request)
    token = request.args.get("access_token", "")
    if not token:
        raise WxError(41001, "access_token missing")
    found = store.find_token(token) if _TOKEN_SHAPE.match(token) else None
    if found is None:
        raise WxError(40014, "invalid access_token")
    appid = found["appid"]
    request.ctx.appid = appid
    await apply_faults(request, appid)
    now = store.now(appid)
    if found["superseded_at"] is not None and now > found["superseded_at"] + TOKEN_GRACE:
        raise WxError(40001, "invalid credential, access_token is invalid or not latest")
    if now >= found["expires_at"]:
        raise WxError(42001, "access_token expired")
    app = store.get_app(appid)
    if app is None:
        raise WxError(40013, "invalid appid")
    if kinds and app["kind"] not in kinds:
        raise WxError(48001, "api unauthorized")
    return app


def check_app(request: Request, appid: str, secret: str) -> dict[str, Any]:
    store = store_of(request)
    request.ctx.appid = appid or None
    app = store.get_app(appid)
    if app is None:
        raise WxError(40013, "invalid appid")
    if not secret or secret != app["secret"]:
        raise WxError(40125, "invalid appsecret")
    return app


async def apply_faults(request: Request, appid: str | None) -> None:
    """Injected latency and errors (POST /sandbox/faults) for this app and path."""
    faults: list[dict[str, Any]] = request.app.ctx.faults
    rng: random.Random = request.app.ctx.random
    for fault in faults:
        if fault.get("appid") and fault["appid"] != appid:
            continue
        if fault.get("path") and fault["path"] != request.path:
            continue
        if fault.get("latency_ms"):
            await asyncio.sleep(fault["latency_ms"] / 1000)
        if fault.get("times") is not None and fault["times"] <= 0:
            continue
        if fault.get("rate_lost") and rng.random() < fault["rate_lost"]:
            # Done, but the answer is lost on the way back (see app._record).
            request.ctx.lose_response = True
            if fault.get("times") is not None:
                fault["times"] -= 1
            continue
        for errcode, rate in _fault_rates(fault):
            if rate and rng.random() < rate:
                if fault.get("times") is not None:
                    fault["times"] -= 1
                raise WxError(errcode, FAULT_MESSAGES.get(errcode, "injected fault"))


FAULT_MESSAGES = {
    -1: "system error",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit mustslower retry next minute",
    40001: "invalid credential, access_token is invalid or not latest",
}


def _fault_rates(fault: dict[str, Any]) -> list[tuple[int, float]]:
    rates = [
        (-1, fault.get("rate_minus1") or 0.0),
        (45009, fault.get("rate_45009") or 0.0),
        (45011, fault.get("rate_45011") or 0.0),
    ]
    if fault.get("errcode") is not None:
        rates.append((int(fault["errcode"]), fault.get("rate", 1.0)))
    return rates
