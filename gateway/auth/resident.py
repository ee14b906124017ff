"""Resident (mini-program user) sessions: opaque Bearer tokens kept in Redis with a TTL.

The store is gateway.auth.tokens (Redis keeps only each token's SHA-256). WeChat's session_key
stays server-side, encrypted with the application's Fernet key; it is never returned.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from sanic import Request

from gateway import crypto
from gateway.auth.models import Resident
from gateway.auth.tokens import TokenStore, bearer_token
from gateway.config import get_settings
from gateway.errors import Unauthorized

_store = TokenStore("resident", "resident_id")

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])

__all__ = [
    "CurrentResident",
    "bearer_token",
    "issue_session",
    "resident_required",
    "resolve",
    "revoke",
    "revoke_all",
    "session_ttl",
    "wechat_session_key",
]


@dataclass(frozen=True)
class CurrentResident:
    id: int
    openid: str
    session_key: str  # sha256 of the Bearer token (safe to log), not WeChat's session_key


async def issue_session(
    resident_id: int, *, openid: str | None = None, wechat_session_key: str | None = None
) -> tuple[str, int]:
    """Start a session for a resident; returns (token, seconds until it expires)."""
    if openid is None:
        openid = (await Resident.get(id=resident_id)).openid
    ttl = get_settings().session_ttl
    data: dict[str, str | int] = {"openid": openid}
    if wechat_session_key:
        data["wechat_session_key"] = crypto.encrypt(wechat_session_key)
    token, _ = await _store.issue(resident_id, ttl=ttl, data=data)
    return token, ttl


async def resolve(token: str | None) -> CurrentResident | None:
    """The resident behind a token, or None when unknown, expired or revoked."""
    found = await _store.load(token)
    if found is None:
        return None
    resident_id, key, data = found
    return CurrentResident(id=resident_id, openid=data.get("openid", ""), session_key=key)


async def session_ttl(token: str) -> int:
    """Seconds left on a session (-2 when it does not exist)."""
    return await _store.ttl(token)


async def wechat_session_key(token: str) -> str | None:
    """WeChat's session_key for this login (to decrypt wx data), decrypted server-side."""
    stored = await _store.field(token, "wechat_session_key")
    return crypto.decrypt(stored) if stored else None


async def revoke(token: str) -> bool:
    """End one session (logout). True if it existed."""
    return await _store.revoke(token)


async def revoke_all(resident_id: int) -> int:
    """End every session of a resident. Returns how many were live."""
    return await _store.revoke_all(resident_id)


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
