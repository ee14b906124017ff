"""WeChat over an async HTTP client (aiohttp), for the one high-volume path: subscribe messages.

wechatpy is synchronous and runs in a thread pool of APP_WECHAT_THREADS; a fan-out of 100,000
messages through it is capped by the threads and the GIL well below what WeChat accepts, and
httpx (measured: ~2.3 ms of CPU per request in its connection pool) is no better; aiohttp
costs ~0.17 ms (docs/decisions.md, "Residents' notifications"). This path keeps the client's
discipline: the same token provider (matrix.wechat.tokens: one shared token; one refresh and
one retry when WeChat refuses it), the same typed errors (errors.error_for), the same base
address (APP_WECHAT_API_BASE: WeChat or the sandbox). It adds one distinction the fan-out
needs: a request that certainly did not reach WeChat (connection refused: NetworkError) and
one that may have (DeliveryUnknownError: a timeout or a dropped connection after sending),
which must never be sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from gateway.config import get_settings
from matrix.wechat import tokens
from matrix.wechat.errors import (
    TOKEN_ERRCODES,
    BusyError,
    DeliveryUnknownError,
    NetworkError,
    WeChatError,
    error_for,
)

# Connections per process: the sandbox is one process and WeChat is far away either way; more
# connections only queue inside the server.
MAX_CONNECTIONS = 32
TIMEOUT = aiohttp.ClientTimeout(total=30, connect=5, sock_read=20)
# A token read from Redis is reused in-process this long: a fan-out then costs one Redis read
# per second instead of one per message. A refused token is dropped at once (below), and
# WeChat honours a replaced token for five more minutes anyway.
TOKEN_MEMO_SECONDS = 2.0

_current: contextvars.ContextVar[aiohttp.ClientSession | None] = contextvars.ContextVar(
    "wechat_async_session", default=None
)
_token_memo: dict[str, tuple[str, float]] = {}


@contextlib.asynccontextmanager
async def session() -> AsyncIterator[None]:
    """Keep one pooled session for every request made inside (a fan-out's batch of sends);
    closed on leaving, so no process is left holding open connections."""
    base = get_settings().wechat_api_base.rstrip("/")
    client = aiohttp.ClientSession(
        base_url=base + "/",
        connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS, ttl_dns_cache=300),
        timeout=TIMEOUT,
    )
    token = _current.set(client)
    try:
        yield
    finally:
        _current.reset(token)
        await client.close()


async def _token(appid: str, secret: str) -> str:
    memo = _token_memo.get(appid)
    if memo is not None and memo[1] > time.monotonic():
        return memo[0]
    token = await tokens.get_token(appid=appid, secret=secret)
    _token_memo[appid] = (token, time.monotonic() + TOKEN_MEMO_SECONDS)
    return token


async def post_json(
    path: str,
    body: dict[str, Any],
    *,
    appid: str,
    secret: str,
    retry_busy: bool = False,
) -> dict[str, Any]:
    """POST a JSON body to `/cgi-bin/<path>` with the app's token; WeChat's answer, or a
    typed WeChatError. With `retry_busy`, -1 and unsent requests are retried 3 times."""
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    refreshed = False
    busy = 0
    while True:
        token = await _token(appid, secret)
        try:
            return await _post(path, content, token)
        except WeChatError as exc:
            if exc.errcode in TOKEN_ERRCODES and not refreshed:
                refreshed = True
                _token_memo.pop(appid, None)
                await tokens.invalidate(appid=appid, token=token)
                continue
            unsent = isinstance(exc, BusyError) or (
                isinstance(exc, NetworkError) and not isinstance(exc, DeliveryUnknownError)
            )
            if retry_busy and unsent and busy < 3:
                busy += 1
                await asyncio.sleep(tokens.backoff(busy))
                continue
            raise


async def _post(path: str, content: bytes, token: str) -> dict[str, Any]:
    client = _current.get()
    if client is None:
        # A single call outside a session(): a session of its own.
        async with session():
            return await _post(path, content, token)
    try:
        async with client.post(
            f"cgi-bin/{path}",
            params={"access_token": token},
            data=content,
            headers={"Content-Type": "application/json"},
        ) as response:
            status = response.status
            raw = await response.read()
    except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
        # Never connected: the request did not leave.
        raise NetworkError(None, f"WeChat unreachable: {type(exc).__name__}") from exc
    except (aiohttp.ClientError, TimeoutError) as exc:
        # Sent (or maybe sent), and the answer was lost: its fate is unknown.
        raise DeliveryUnknownError(None, f"no answer from WeChat: {type(exc).__name__}") from exc
    if status != 200:
        raise DeliveryUnknownError(None, f"HTTP {status} from WeChat")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise DeliveryUnknownError(None, "WeChat answered with non-JSON") from exc
    if not isinstance(data, dict):
        raise DeliveryUnknownError(None, "WeChat answered with non-object JSON")
    errcode = int(data.get("errcode") or 0)
    if errcode:
        extra = {k: v for k, v in data.items() if k not in ("errcode", "errmsg")}
        raise error_for(errcode, str(data.get("errmsg", "")), **extra)
    return data
