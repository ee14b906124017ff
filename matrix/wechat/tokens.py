"""One shared access token per appid, in Redis, refreshed single-flight across every process.

Why not wechatpy's session storage: it refreshes with no lock, so N processes seeing an
expired token make N fetches, and each fetch knocks out the token the others just stored
(see docs/decisions.md). Here a refresh is guarded by a Redis lock (SET NX PX) carrying a
fence number; the holder writes the new token only while it still owns the lock, and every
other caller (in this process or any other) waits for that token instead of fetching.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import time
import uuid
from typing import Any, cast

import requests

from gateway.redis import get_redis
from matrix.wechat.errors import BusyError, NetworkError, TokenError, WeChatError, error_for
from matrix.wechat.transport import REAL_BASE, http_session, run_blocking

log = logging.getLogger("govmatrix.wechat.tokens")

LOCK_TTL_MS = 15_000
# Refresh five minutes before expiry: stable_token hands out a new token in that window and
# the old one stays valid until it expires, so nobody ever holds a dead token.
EARLY_REFRESH = 300
POLL_SECONDS = 0.05
WAIT_LIMIT = LOCK_TTL_MS / 1000 + 10
ERROR_TTL = 5
FETCH_BUSY_RETRIES = 3

_SET_IF_OWNER = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
local current = redis.call('GET', KEYS[1])
if current then
  local ok, doc = pcall(cjson.decode, current)
  if ok and doc['fence'] and tonumber(doc['fence']) > tonumber(ARGV[4]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_DELETE_IF_TOKEN = """
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, doc = pcall(cjson.decode, current)
if ok and doc['token'] == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# Per-process single flight: concurrent callers in one process share one wait or fetch.
_inflight: dict[str, asyncio.Future[str]] = {}
# Whether stable_token is served by the configured base (an older sandbox may not).
_stable_unavailable: set[str] = set()


def _keys(appid: str) -> tuple[str, str, str]:
    return (f"wechat:token:{appid}", f"wechat:token-lock:{appid}", f"wechat:token-fence:{appid}")


def _refused_key(appid: str) -> str:
    return f"wechat:token-refused:{appid}"


def _error_key(appid: str, secret: str) -> str:
    digest = hashlib.sha256(f"{appid}:{secret}".encode()).hexdigest()[:16]
    return f"wechat:token-error:{appid}:{digest}"


async def get_token(*, appid: str, secret: str) -> str:
    """The current access token of an app, fetching it once for all processes if needed."""
    token = await _cached(appid)
    if token:
        return token
    flight_key = f"{appid}:{hashlib.sha256(secret.encode()).hexdigest()[:8]}"
    existing = _inflight.get(flight_key)
    if existing is not None:
        return await asyncio.shield(existing)
    future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    _inflight[flight_key] = future
    try:
        token = await _obtain(appid, secret)
        future.set_result(token)
        return token
    except BaseException as exc:
        future.set_exception(exc)
        # Mark the exception retrieved when nobody else was waiting for it.
        future.exception()
        raise
    finally:
        _inflight.pop(flight_key, None)


async def invalidate(*, appid: str, token: str) -> bool:
    """Forget a token WeChat refused, unless another process has already replaced it."""
    key, _, _ = _keys(appid)
    redis = get_redis()
    # Remembered so the refresh can tell stable_token's "same token again" from a new one.
    await redis.set(_refused_key(appid), _digest(token), ex=120)
    deleted = await redis.eval(_DELETE_IF_TOKEN, 1, key, token)
    return bool(deleted)


async def token_state(*, appid: str) -> dict[str, Any]:
    """What the console shows: whether a token is held and for how long (never the token)."""
    key, _, _ = _keys(appid)
    doc = await _read(key)
    if doc is None:
        return {"state": "none", "expires_in": 0}
    return {"state": "valid", "expires_in": max(0, int(doc["expires_at"] - time.time()))}


async def _cached(appid: str) -> str | None:
    key, _, _ = _keys(appid)
    doc = await _read(key)
    return doc["token"] if doc else None


async def _read(key: str) -> dict[str, Any] | None:
    raw = await get_redis().get(key)
    if not raw:
        return None
    try:
        doc = json.loads(raw)
    except ValueError:
        return None
    if doc.get("expires_at", 0) - time.time() <= EARLY_REFRESH:
        return None
    return doc


async def _obtain(appid: str, secret: str) -> str:
    redis = get_redis()
    key, lock_key, fence_key = _keys(appid)
    error_key = _error_key(appid, secret)
    deadline = time.monotonic() + WAIT_LIMIT
    while True:
        token = await _cached(appid)
        if token:
            return token
        cached_error = await redis.get(error_key)
        if cached_error:
            err = json.loads(cached_error)
            raise error_for(err["errcode"], err["errmsg"])
        fence = int(await redis.incr(fence_key))
        lock_value = f"{fence}:{uuid.uuid4().hex}"
        if await redis.set(lock_key, lock_value, nx=True, px=LOCK_TTL_MS):
            try:
                return await _refresh(appid, secret, key, lock_key, lock_value, fence)
            finally:
                await redis.eval(_RELEASE, 1, lock_key, lock_value)
        if time.monotonic() > deadline:
            raise TokenError(None, "timed out waiting for another process to refresh the token")
        # Someone else is refreshing: poll for the token they will write.
        await asyncio.sleep(POLL_SECONDS * (0.5 + random.random()))


async def _refresh(
    appid: str, secret: str, key: str, lock_key: str, lock_value: str, fence: int
) -> str:
    # Another holder may have finished between our read and our lock.
    token = await _cached(appid)
    if token:
        return token
    redis = get_redis()
    refused = cast(str | None, await redis.get(_refused_key(appid)))  # decode_responses
    try:
        result = await _fetch_with_retries(appid, secret, refused)
    except WeChatError as exc:
        if not isinstance(exc, BusyError | NetworkError):
            # Wrong credentials would otherwise make every waiter try again at once.
            await redis.set(
                _error_key(appid, secret),
                json.dumps({"errcode": exc.errcode, "errmsg": exc.errmsg}),
                ex=ERROR_TTL,
            )
        raise
    expires_in = int(result.get("expires_in") or 7200)
    doc = {"token": result["access_token"], "expires_at": time.time() + expires_in, "fence": fence}
    ttl_ms = max(1000, (expires_in - EARLY_REFRESH) * 1000)
    stored = await redis.eval(
        _SET_IF_OWNER, 2, key, lock_key, lock_value, json.dumps(doc), ttl_ms, fence
    )
    if not stored:
        log.warning("token for %s fetched after losing the refresh lock; not stored", appid)
    log.info("fetched access token for %s (expires in %ss)", appid, expires_in)
    return str(doc["token"])


async def _fetch_with_retries(appid: str, secret: str, refused: str | None) -> dict[str, Any]:
    for attempt in range(FETCH_BUSY_RETRIES + 1):
        try:
            return await run_blocking(_fetch, appid, secret, refused)
        except (BusyError, NetworkError):
            if attempt == FETCH_BUSY_RETRIES:
                raise
            await asyncio.sleep(backoff(attempt + 1))
    raise AssertionError("unreachable")


def backoff(attempt: int) -> float:
    """Jittered exponential backoff: ~0.2 s, 0.4 s, 0.8 s (full jitter on the upper half)."""
    base = 0.2 * (2 ** (attempt - 1))
    return base / 2 + random.random() * base / 2


def _fetch(appid: str, secret: str, refused: str | None) -> dict[str, Any]:
    """Fetch a token (in a pool thread): stable_token first, /cgi-bin/token if not served."""
    try:
        return _fetch_once(appid, secret, refused)
    except requests.RequestException as exc:
        raise NetworkError(None, f"token endpoint unreachable: {type(exc).__name__}") from exc


def _fetch_once(appid: str, secret: str, refused: str | None) -> dict[str, Any]:
    session = http_session()
    if session.base not in _stable_unavailable:
        body: dict[str, Any] = {"grant_type": "client_credential", "appid": appid, "secret": secret}
        result = _decode(session.post(f"{REAL_BASE}/cgi-bin/stable_token", json=body))
        if result.get("errcode") not in (40066, 404):
            result = _checked(result)
            if refused and _digest(result["access_token"]) == refused:
                # Normal mode handed back the token WeChat just refused: force a new one
                # (limited to 20 a day, 30 s apart, which one refusal per refresh respects).
                body["force_refresh"] = True
                result = _checked(
                    _decode(session.post(f"{REAL_BASE}/cgi-bin/stable_token", json=body))
                )
            return result
        _stable_unavailable.add(session.base)
    params = {"grant_type": "client_credential", "appid": appid, "secret": secret}
    return _checked(_decode(session.get(f"{REAL_BASE}/cgi-bin/token", params=params)))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _decode(response: requests.Response) -> dict[str, Any]:
    if response.status_code == 404:
        return {"errcode": 404, "errmsg": "not found"}
    if response.status_code >= 400:
        raise NetworkError(None, f"HTTP {response.status_code} from token endpoint")
    try:
        data = response.json()
    except ValueError as exc:
        raise NetworkError(None, "token endpoint answered with non-JSON") from exc
    return data if isinstance(data, dict) else {"errcode": -1, "errmsg": "bad token answer"}


def _checked(result: dict[str, Any]) -> dict[str, Any]:
    errcode = int(result.get("errcode") or 0)
    if errcode:
        raise error_for(errcode, str(result.get("errmsg", "")))
    if not result.get("access_token"):
        raise BusyError(-1, "token endpoint answered without a token")
    return result
