"""Resident (mini-program user) sessions: opaque Bearer tokens kept in Redis with a TTL.

Redis holds only the SHA-256 of each token. WeChat's session_key stays server-side, encrypted
with the application's Fernet key; it is never returned to the phone.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from sanic import Request

from gateway import crypto
from gateway.config import get_settings
from gateway.errors import Unauthorized
from gateway.redis import get_redis

_PREFIX = "resident:session:"
_INDEX = "resident:sessions-of:"
MAX_TOKEN_LENGTH = 128

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])


@dataclass(frozen=True)
class CurrentResident:
    id: int
    openid: str
    session_key: str  # sha256 of the Bearer token (safe to log), not WeChat's session_key


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_session(
    resident_id: int, *, openid: str | None = None, wechat_session_key: str | None = None
) -> tuple[str, int]:
    """Start a session for a resident; returns (token, seconds until it expires)."""
    if openid is None:
        from gateway.auth.models import Resident

        openid = (await Resident.get(id=resident_id)).openid
    ttl = get_settings().session_ttl
    token = secrets.token_urlsafe(32)
    key = _key(token)
    async with get_redis().pipeline(transaction=True) as pipe:
        pipe.hset(
            _PREFIX + key,
            mapping={"resident_id": resident_id, "openid": openid, "created": int(time.time())},
        )
        if wechat_session_key:
            pipe.hset(_PREFIX + key, "wechat_session_key", crypto.encrypt(wechat_session_key))
        pipe.expire(_PREFIX + key, ttl)
        pipe.sadd(_INDEX + str(resident_id), key)
        pipe.expire(_INDEX + str(resident_id), ttl)
        await pipe.execute()
    return token, ttl


async def resolve(token: str | None) -> CurrentResident | None:
    """The resident behind a token, or None when unknown, expired or revoked."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    key = _key(token)
    data = await get_redis().hgetall(_PREFIX + key)
    if not data or not str(data.get("resident_id", "")).isdigit():
        return None
    return CurrentResident(id=int(data["resident_id"]), openid=str(data["openid"]), session_key=key)


async def session_ttl(token: str) -> int:
    """Seconds left on a session (-2 when it does not exist)."""
    return int(await get_redis().ttl(_PREFIX + _key(token)))


async def wechat_session_key(token: str) -> str | None:
    """WeChat's session_key for this login (to decrypt wx data), decrypted server-side."""
    stored = await get_redis().hget(_PREFIX + _key(token), "wechat_session_key")
    return crypto.decrypt(str(stored)) if stored else None


async def revoke(token: str) -> bool:
    """End one session (logout). True if it existed."""
    key = _key(token)
    redis = get_redis()
    resident_id = await redis.hget(_PREFIX + key, "resident_id")
    removed = await redis.delete(_PREFIX + key)
    if resident_id:
        await redis.srem(_INDEX + str(resident_id), key)
    return bool(removed)


async def revoke_all(resident_id: int) -> int:
    """End every session of a resident. Returns how many were live."""
    redis = get_redis()
    keys = await redis.smembers(_INDEX + str(resident_id))
    removed = await redis.delete(*[_PREFIX + str(k) for k in keys]) if keys else 0
    await redis.delete(_INDEX + str(resident_id))
    return int(removed)


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def resident_required(handler: Handler) -> Handler:
    """Require a resident session; sets request.ctx.resident (.id, .openid) or answers 401."""

    @wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> Any:
        resident = await resolve(bearer_token(request))
        if resident is None:
            raise Unauthorized("请先登录小程序", code="resident_login_required")
        request.ctx.resident = resident
        return await handler(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
