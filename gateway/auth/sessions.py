"""Staff sessions: opaque random tokens in Redis with a TTL, revocable (gateway.auth.tokens).

The same session serves API scripts (Bearer header) and the console (HttpOnly cookie).
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.auth.tokens import TokenStore, token_key
from gateway.config import get_settings

_store = TokenStore("staff", "staff_id")

__all__ = [
    "Session",
    "issue_session",
    "resolve_session",
    "revoke_all_sessions",
    "revoke_session",
    "token_key",
]


@dataclass(frozen=True)
class Session:
    key: str  # sha256 of the token: safe to log, binds CSRF tokens
    staff_id: int
    channel: str


async def issue_session(*, staff_id: int, channel: str, ip: str | None) -> tuple[str, int]:
    """Create a session for a staff user; returns (token, seconds until it expires)."""
    ttl = get_settings().staff_session_ttl
    token, _ = await _store.issue(staff_id, ttl=ttl, data={"channel": channel, "ip": ip or ""})
    return token, ttl


async def resolve_session(token: str) -> Session | None:
    """The live session behind a token, or None if it is unknown, expired or revoked."""
    found = await _store.load(token)
    if found is None:
        return None
    staff_id, key, data = found
    return Session(key=key, staff_id=staff_id, channel=data.get("channel", ""))


async def revoke_session(token: str) -> bool:
    """End one session (logout). True if it existed."""
    return await _store.revoke(token)


async def revoke_all_sessions(staff_id: int) -> int:
    """End every session of a staff user (deactivation, password reset). Returns how many."""
    return await _store.revoke_all(staff_id)
