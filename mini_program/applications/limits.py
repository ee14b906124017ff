"""Abuse limits for filing and querying without a staff login: fixed-window counters in Redis.

INCR is atomic, so parallel requests each get their own count and exactly `limit` of them
pass in a window; the window's EXPIRE is set in the same MULTI by its first request.
"""

from __future__ import annotations

from gateway.errors import RateLimited
from gateway.redis import get_redis

PREFIX = "applications:limit:"


async def hit(key: str, *, limit: int, window: int) -> tuple[bool, int]:
    """Count one attempt; (allowed, seconds until the window ends)."""
    redis = get_redis()
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(PREFIX + key)
        pipe.expire(PREFIX + key, window, nx=True)
        pipe.ttl(PREFIX + key)
        count, _, ttl = await pipe.execute()
    return int(count) <= limit, max(int(ttl), 1)


async def enforce(key: str, *, limit: int, window: int, message: str) -> None:
    """Count one attempt and refuse it (429, with retry_after) beyond the limit."""
    allowed, retry_after = await hit(key, limit=limit, window=window)
    if not allowed:
        raise RateLimited(message, extra={"retry_after": retry_after})


async def blocked(key: str, *, limit: int) -> int:
    """Seconds until `key` may be tried again once it reached `limit` failures (0: not)."""
    redis = get_redis()
    count = await redis.get(PREFIX + key)
    if count is None or int(count) < limit:
        return 0
    return max(int(await redis.ttl(PREFIX + key)), 1)
