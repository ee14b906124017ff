"""WeChat over async HTTP, for the one high-volume path: subscribe messages.

wechatpy is synchronous and runs in a thread pool of APP_WECHAT_THREADS; a fan-out of 100,000
messages through it is capped by the threads and the GIL well below what WeChat accepts. The
requests go through matrix.wechat.http11, a keep-alive HTTP/1.1 pool for small JSON POSTs
(docs/decisions.md, "Residents' notifications": why not httpx or aiohttp).

This path keeps the client's discipline: the same token provider (matrix.wechat.tokens: one
shared token; one refresh and one retry when WeChat refuses it), the same typed errors
(errors.error_for), the same base address (APP_WECHAT_API_BASE: WeChat or the sandbox). It
adds one distinction the fan-out needs: a request that certainly did not reach WeChat
(connection refused: NetworkError) and one that may have (DeliveryUnknownError: a timeout or
a dropped connection after sending), which must never be sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, urlsplit

from gateway.config import get_settings
from matrix.wechat import http11, tokens
from matrix.wechat.errors import (
    TOKEN_ERRCODES,
    BusyError,
    DeliveryUnknownError,
    NetworkError,
    WeChatError,
    error_for,
)

# Connections per process, whatever number of fan-out chunks it runs: the sandbox is one
# process and WeChat is far away either way; more connections only queue inside the server,
# and a burst of hundreds overflows a server's accept queue.
MAX_CONNECTIONS = 32
# A token read from Redis is reused in-process this long: a fan-out then costs one Redis read
# per second instead of one per message. A refused token is dropped at once (below), and
# WeChat honours a replaced token for five more minutes anyway.
TOKEN_MEMO_SECONDS = 2.0

# One pool per event loop (a connection belongs to the loop that opened it), open while any
# session() of that loop is.
_pools: dict[int, http11.Pool] = {}
_sessions: dict[int, int] = {}
_token_memo: dict[str, tuple[str, float]] = {}
# Per event loop and appid: an asyncio.Lock belongs to the loop it was first used in.
_token_locks: dict[tuple[int, str], asyncio.Lock] = {}


def _pool() -> http11.Pool:
    loop_id = id(asyncio.get_running_loop())
    pool = _pools.get(loop_id)
    if pool is None or pool.closed:
        pool = _pools[loop_id] = http11.Pool(get_settings().wechat_api_base, limit=MAX_CONNECTIONS)
    return pool


@contextlib.asynccontextmanager
async def session() -> AsyncIterator[None]:
    """Mark a run of sends (a fan-out chunk); they share this process's connection pool, and
    the pool's connections are closed when the last session of the loop ends."""
    loop_id = id(asyncio.get_running_loop())
    _sessions[loop_id] = _sessions.get(loop_id, 0) + 1
    try:
        yield
    finally:
        _sessions[loop_id] -= 1
        if not _sessions[loop_id]:
            pool = _pools.pop(loop_id, None)
            if pool is not None:
                await pool.close()


async def _token(appid: str, secret: str) -> str:
    memo = _token_memo.get(appid)
    if memo is not None and memo[1] > time.monotonic():
        return memo[0]
    # One read per process when the memo runs out, however many sends are waiting for it
    # (hundreds at once would each take a Redis connection).
    lock = _token_locks.setdefault((id(asyncio.get_running_loop()), appid), asyncio.Lock())
    async with lock:
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
    if not _sessions.get(id(asyncio.get_running_loop())):
        # A single call outside a session(): one of its own, closed afterwards.
        async with session():
            return await _post(path, content, token)
    pool = _pool()
    prefix = urlsplit(get_settings().wechat_api_base).path.rstrip("/")
    target = f"{prefix}/cgi-bin/{path}?access_token={quote(token, safe='')}"
    try:
        response = await pool.post(target, content)
    except http11.NotSentError as exc:
        raise NetworkError(None, f"WeChat unreachable: {exc}") from exc
    except http11.OutcomeUnknownError as exc:
        # Sent (or maybe sent), and the answer was lost: its fate is unknown.
        raise DeliveryUnknownError(None, f"no answer from WeChat: {exc}") from exc
    if response.status != 200:
        raise DeliveryUnknownError(None, f"HTTP {response.status} from WeChat")
    try:
        data = json.loads(response.body)
    except ValueError as exc:
        raise DeliveryUnknownError(None, "WeChat answered with non-JSON") from exc
    if not isinstance(data, dict):
        raise DeliveryUnknownError(None, "WeChat answered with non-object JSON")
    errcode = int(data.get("errcode") or 0)
    if errcode:
        extra = {k: v for k, v in data.items() if k not in ("errcode", "errmsg")}
        raise error_for(errcode, str(data.get("errmsg", "")), **extra)
    return data
