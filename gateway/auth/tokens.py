"""Opaque bearer tokens kept in Redis with a TTL: the one store behind staff and resident sessions.

Redis keeps only the SHA-256 of each token, so a copy of Redis cannot be replayed as logins.
Each owner (a staff user, a resident) has an index set so all their sessions can be ended at
once (deactivation, password reset).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Mapping
from typing import Any

from sanic import Request

from gateway.redis import get_redis

MAX_TOKEN_LENGTH = 128


def token_key(token: str) -> str:
    """The SHA-256 of a token: what Redis stores, safe to log, binds CSRF tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header; None without one, "" when it is blank."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


class TokenStore:
    def __init__(self, namespace: str, owner_field: str) -> None:
        self._prefix = f"{namespace}:session:"
        self._index = f"{namespace}:sessions-of:"
        self._owner_field = owner_field

    async def issue(
        self, owner_id: int, *, ttl: int, data: Mapping[str, str | int]
    ) -> tuple[str, str]:
        """Create a session; returns (token, key)."""
        token = secrets.token_urlsafe(32)
        key = token_key(token)
        # redis-py's mapping type is invariant in its keys; Any keeps the call honest and simple.
        fields: dict[Any, Any] = {**data, self._owner_field: owner_id, "created": int(time.time())}
        async with get_redis().pipeline(transaction=True) as pipe:
            pipe.hset(self._prefix + key, mapping=fields)
            pipe.expire(self._prefix + key, ttl)
            pipe.sadd(self._index + str(owner_id), key)
            pipe.expire(self._index + str(owner_id), ttl)
            await pipe.execute()
        return token, key

    async def load(self, token: str | None) -> tuple[int, str, dict[str, str]] | None:
        """(owner id, key, stored fields) of a live session, or None if unknown/expired/revoked."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        key = token_key(token)
        data = await get_redis().hgetall(self._prefix + key)
        owner = str(data.get(self._owner_field, "")) if data else ""
        if not owner.isdigit():
            return None
        return int(owner), key, {str(k): str(v) for k, v in data.items()}

    async def ttl(self, token: str) -> int:
        """Seconds left on a session (-2 when it does not exist)."""
        return int(await get_redis().ttl(self._prefix + token_key(token)))

    async def field(self, token: str, name: str) -> str | None:
        value = await get_redis().hget(self._prefix + token_key(token), name)
        return None if value is None else str(value)

    async def revoke(self, token: str) -> bool:
        """End one session (logout). True if it existed."""
        key = token_key(token)
        redis = get_redis()
        owner = await redis.hget(self._prefix + key, self._owner_field)
        removed = await redis.delete(self._prefix + key)
        if owner:
            await redis.srem(self._index + str(owner), key)
        return bool(removed)

    async def revoke_all(self, owner_id: int) -> int:
        """End every session of an owner. Returns how many were live."""
        redis = get_redis()
        keys = await redis.smembers(self._index + str(owner_id))
        removed = await redis.delete(*(self._prefix + str(k) for k in keys)) if keys else 0
        await redis.delete(self._index + str(owner_id))
        return int(removed)
