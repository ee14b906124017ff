"""Staff sessions: opaque random tokens, stored in Redis (by hash) with a TTL, revocable.

The same session serves API scripts (Bearer header) and the console (HttpOnly cookie).
Redis keeps only the SHA-256 of each token, so a copy of Redis cannot be replayed as logins.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from gateway.config import get_settings
from gateway.redis import get_redis

_PREFIX = "staff:session:"
_INDEX = "staff:sessions-of:"


@dataclass(frozen=True)
class Session:
    key: str  # sha256 of the token: safe to log, binds CSRF tokens
    staff_id: int
    channel: str


def token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_session(*, staff_id: int, channel: str, ip: str | None) -> tuple[str, int]:
    """Create a session for a staff user; returns (token, seconds until it expires)."""
    ttl = get_settings().staff_session_ttl
    token = secrets.token_urlsafe(32)
    key = token_key(token)
    redis = get_redis()
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(
            _PREFIX + key,
            mapping={
                "staff_id": staff_id,
                "channel": channel,
                "ip": ip or "",
                "created": int(time.time()),
            },
        )
        pipe.expire(_PREFIX + key, ttl)
        pipe.sadd(_INDEX + str(staff_id), key)
        pipe.expire(_INDEX + str(staff_id), ttl)
        await pipe.execute()
    return token, ttl


async def resolve_session(token: str) -> Session | None:
    """The live session behind a token, or None if it is unknown, expired or revoked."""
    if not token or len(token) > 128:
        return None
    key = token_key(token)
    data = await get_redis().hgetall(_PREFIX + key)
    if not data or not data.get("staff_id", "").isdigit():
        return None
    return Session(key=key, staff_id=int(data["staff_id"]), channel=str(data.get("channel", "")))


async def revoke_session(token: str) -> bool:
    """End one session (logout). True if it existed."""
    key = token_key(token)
    redis = get_redis()
    staff_id = await redis.hget(_PREFIX + key, "staff_id")
    removed = await redis.delete(_PREFIX + key)
    if staff_id:
        await redis.srem(_INDEX + str(staff_id), key)
    return bool(removed)


async def revoke_all_sessions(staff_id: int) -> int:
    """End every session of a staff user (deactivation, password reset). Returns how many."""
    redis = get_redis()
    keys = await redis.smembers(_INDEX + str(staff_id))
    if not keys:
        return 0
    removed = await redis.delete(*(_PREFIX + str(k) for k in keys))
    await redis.delete(_INDEX + str(staff_id))
    return int(removed)
