"""Login throttling: lock a username, and an address, after repeated failures.

A username is locked after settings.login_max_failures failures within the lockout window.
An address is locked after four times as many: staff of one bureau often share one public
address behind the government network's NAT, and one person's typos must not lock out the
whole office, while a password-spraying address is still stopped. Unknown usernames are
counted and locked exactly like real ones, so the lockout reveals nothing about which exist.
"""

from __future__ import annotations

from gateway.config import get_settings
from gateway.redis import get_redis

IP_FACTOR = 4


def _keys(kind: str, value: str) -> tuple[str, str]:
    return f"staff:login:fail:{kind}:{value}", f"staff:login:lock:{kind}:{value}"


def _subjects(username: str, ip: str | None) -> list[tuple[str, str, int]]:
    limit = get_settings().login_max_failures
    subjects = [("user", username.strip().lower()[:64], limit)]
    if ip:
        subjects.append(("ip", ip, limit * IP_FACTOR))
    return subjects


async def locked_for(username: str, ip: str | None) -> int:
    """Seconds until this username or address may try again; 0 when not locked."""
    redis = get_redis()
    remaining = 0
    for kind, value, _limit in _subjects(username, ip):
        ttl = await redis.ttl(_keys(kind, value)[1])
        remaining = max(remaining, ttl if ttl and ttl > 0 else 0)
    return remaining


async def register_failure(username: str, ip: str | None) -> int:
    """Count a failed login; returns the lockout in seconds if this failure triggered one."""
    window = get_settings().login_lockout_seconds
    redis = get_redis()
    locked = 0
    for kind, value, limit in _subjects(username, ip):
        fail_key, lock_key = _keys(kind, value)
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(fail_key)
            pipe.expire(fail_key, window, nx=True)
            count, _ = await pipe.execute()
        if int(count) >= limit:
            async with redis.pipeline(transaction=True) as pipe:
                pipe.set(lock_key, "1", ex=window)
                pipe.delete(fail_key)
                await pipe.execute()
            locked = window
    return locked


async def clear_failures(username: str) -> None:
    """A successful login forgives the username's earlier typos (not the address's)."""
    await get_redis().delete(_keys("user", username.strip().lower()[:64])[0])
