"""A small per-process cache that every process drops within a second of a catalogue change.

Catalogue reads are hot (every mini-program home screen) and change rarely (imports, edits).
Each write sets a new random token under one Redis key; each process compares it at most once
a second, so a change is visible everywhere within ~1 s at the cost of one Redis GET per second
per process instead of one query per request.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.exceptions import RedisError

from gateway.redis import get_redis

log = logging.getLogger("govmatrix.catalogue")

VERSION_KEY = "catalogue:version"
CHECK_EVERY = 1.0
MAX_ENTRIES = 4096

T = TypeVar("T")

_UNKNOWN = "unknown"  # never a stored version (those are uuid4 hex)

_entries: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
_version: str | None = None
_checked_at = 0.0


async def _refresh_version() -> None:
    global _version, _checked_at
    now = time.monotonic()
    if now - _checked_at < CHECK_EVERY:
        return
    _checked_at = now
    try:
        raw = await get_redis().get(VERSION_KEY)
    except RedisError:
        # Without Redis the catalogue still reads from the database and this cache (entries
        # expire by TTL); a change made meanwhile is unknown, so the first answer after Redis
        # returns drops everything.
        log.warning("catalogue cache: Redis unavailable, serving without change checks")
        _version = _UNKNOWN
        return
    current = None if raw is None else str(raw)  # decode_responses=True: already text
    if current != _version:
        _version = current
        _entries.clear()


async def get_or_load(key: Any, loader: Callable[[], Awaitable[T]], *, ttl: float = 60.0) -> T:
    """The cached value for key, loading it when missing, expired or the catalogue changed."""
    if ttl <= 0:
        return await loader()
    await _refresh_version()
    now = time.monotonic()
    hit = _entries.get(key)
    if hit is not None and hit[0] > now:
        _entries.move_to_end(key)
        return hit[1]
    value = await loader()
    _entries[key] = (now + ttl, value)
    if len(_entries) > MAX_ENTRIES:
        _entries.popitem(last=False)
    return value


async def invalidate() -> None:
    """Tell every process the catalogue changed (call after a committed write)."""
    global _checked_at
    await get_redis().set(VERSION_KEY, uuid.uuid4().hex)
    _entries.clear()
    _checked_at = 0.0
