"""What the callback endpoint needs of an account, decrypted once and kept per process.

Every callback needs the account's Token, its decrypted EncodingAESKey and an AES cipher.
Reading the row through the ORM and building the cipher for every message cost more than the
decryption itself, so each process keeps a snapshot per account code:

- a change through the registry sets a new random version stamp in Redis (random, not a
  counter: a flushed Redis would restart a counter at values processes have already seen)
  and clears this process's snapshots at once; other processes compare the stamp at most
  once a second (one GET per process per second, not per message) and drop their snapshots
  when it moved, so a rotated Token or key is honoured everywhere within about a second;
- every snapshot is also dropped after MAX_AGE seconds, which bounds staleness after a change
  that bypassed the registry (a manual SQL fix, a flushed Redis is seen as a change);
- unknown or unusable codes are not cached: they cost one indexed SELECT, as before.
"""

from __future__ import annotations

import base64
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, cast

from redis.exceptions import RedisError
from wechatpy.crypto import PrpCrypto

from gateway.redis import get_redis
from matrix.models import CALLBACK_PLATFORMS, Account, Platform
from matrix.service.credentials import aes_key_of, token_of

log = logging.getLogger("govmatrix.matrix.callback")

VERSION_KEY = "matrix:accounts:version"
CHECK_INTERVAL = 1.0
MAX_AGE = 10.0


@dataclass(frozen=True, slots=True)
class CallbackAccount:
    """An account as the callback endpoint sees it; secrets are never logged (see __repr__)."""

    id: int
    code: str
    appid: str | None
    department_code: str | None
    token: str
    aes_key: str | None
    safe_mode: bool
    auto_reply: dict[str, Any]
    loaded_at: float
    # Built once per snapshot: WeChatCrypto would decode the key again for every message.
    prp: PrpCrypto | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        return f"CallbackAccount(code={self.code!r}, appid={self.appid!r})"


def _prp(aes_key: str | None) -> PrpCrypto | None:
    if not aes_key:
        return None
    try:
        key = base64.b64decode(aes_key + "=")
    except ValueError:
        return None
    return PrpCrypto(key) if len(key) == 32 else None


def snapshot(account: Account) -> CallbackAccount | None:
    """The callback view of an account row; None when it cannot take callbacks."""
    if not account.is_active or Platform(account.platform) not in CALLBACK_PLATFORMS:
        return None
    token = token_of(account)
    if not token:
        return None
    aes_key = aes_key_of(account)
    return CallbackAccount(
        id=account.id,
        code=account.code,
        appid=account.appid,
        department_code=account.department_code,
        token=token,
        aes_key=aes_key,
        safe_mode=account.safe_mode,
        auto_reply=dict(account.auto_reply or {}),
        loaded_at=time.monotonic(),
        prp=_prp(aes_key),
    )


class _Cache:
    def __init__(self) -> None:
        self.entries: dict[str, CallbackAccount] = {}
        self.version: str | None = None
        self.checked_at = 0.0

    def clear(self) -> None:
        self.entries.clear()

    async def check_version(self) -> None:
        now = time.monotonic()
        if now - self.checked_at < CHECK_INTERVAL:
            return
        # Set before awaiting: concurrent requests keep using the snapshots meanwhile.
        self.checked_at = now
        try:
            version = cast(str | None, await get_redis().get(VERSION_KEY))  # decoded
        except RedisError as exc:  # fall back on MAX_AGE, the request goes on
            log.warning("account version check failed: %s", type(exc).__name__)
            return
        if version != self.version:
            self.version = version
            self.clear()


_cache = _Cache()


async def get_callback_account(code: str) -> CallbackAccount | None:
    """The account that receives callbacks at /wechat/callback/{code}, or None."""
    if len(code) > 32:
        return None
    await _cache.check_version()
    cached = _cache.entries.get(code)
    if cached is not None and time.monotonic() - cached.loaded_at < MAX_AGE:
        return cached
    account = await Account.get_or_none(code=code, is_active=True)
    fresh = snapshot(account) if account is not None else None
    if fresh is None:
        _cache.entries.pop(code, None)
    else:
        _cache.entries[code] = fresh
    return fresh


async def accounts_changed() -> None:
    """Called by the registry after any change to an account: every process reloads."""
    _cache.clear()
    try:
        await get_redis().set(VERSION_KEY, secrets.token_hex(8))
    except RedisError as exc:  # the change is saved; other processes catch up after MAX_AGE
        log.warning("could not publish the account version: %s", type(exc).__name__)
