"""View counting: no database write per request.

A view increments an in-process counter; once a second the server adds the counters to Redis
(a per-day hash of domain -> views, kept 35 days, and a pending hash of what the database has
not seen yet). The periodic job `catalogue.flush_views` moves the pending hash into
DomainViewDaily, so counts survive a Redis loss. Ranking sums the last 30 days taking, per day
and domain, the larger of the Redis and database counts (Redis may have restarted mid-day).
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from redis.exceptions import RedisError
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from gateway.clock import SHANGHAI
from gateway.redis import get_redis
from mini_program.catalogue.models import DomainViewDaily

log = logging.getLogger("govmatrix.catalogue")

DAY_KEY = "catalogue:views:{day}"
PENDING_KEY = "catalogue:views:pending"
KEEP_SECONDS = 35 * 24 * 3600
WINDOW_DAYS = 30

_buffer: Counter[int] = Counter()


def today() -> date:
    return datetime.now(SHANGHAI).date()


def record_view(domain_ids: Iterable[int]) -> None:
    """Count one view of content in these domains (in memory; flushed within a second)."""
    for domain_id in domain_ids:
        _buffer[domain_id] += 1


async def flush_buffer() -> int:
    """Add this process's buffered views to Redis; returns how many views were flushed."""
    if not _buffer:
        return 0
    counts = dict(_buffer)
    _buffer.clear()
    day = today().isoformat()
    key = DAY_KEY.format(day=day)
    try:
        async with get_redis().pipeline(transaction=False) as pipe:
            for domain_id, n in counts.items():
                pipe.hincrby(key, str(domain_id), n)
                pipe.hincrby(PENDING_KEY, f"{day}:{domain_id}", n)
            pipe.expire(key, KEEP_SECONDS)
            await pipe.execute()
    except Exception:
        # Redis is down: keep the counts for the next attempt rather than lose them.
        _buffer.update(counts)
        raise
    return sum(counts.values())


async def flush_view_counts() -> int:
    """Persist pending view counts from Redis into DomainViewDaily; returns views persisted."""
    redis = get_redis()
    claimed = f"{PENDING_KEY}:{uuid.uuid4().hex}"
    try:
        # RENAME is atomic: concurrent flushers never persist the same counts twice.
        await redis.rename(PENDING_KEY, claimed)
    except Exception as exc:
        if "no such key" in str(exc).lower():
            return 0
        raise
    pending = await redis.hgetall(claimed)
    try:
        total = await _persist({str(k): str(v) for k, v in pending.items()})
    except Exception:
        async with redis.pipeline(transaction=False) as pipe:
            for field, n in pending.items():
                pipe.hincrby(PENDING_KEY, field, int(n))
            await pipe.execute()
        await redis.delete(claimed)
        raise
    await redis.delete(claimed)
    return total


async def _persist(pending: dict[str, str]) -> int:
    total = 0
    async with in_transaction():
        for field, raw in pending.items():
            day_s, domain_s = field.split(":")
            day, domain_id, n = date.fromisoformat(day_s), int(domain_s), int(raw)
            total += n
            updated = await DomainViewDaily.filter(domain_id=domain_id, day=day).update(
                count=F("count") + n
            )
            if not updated:
                try:
                    await DomainViewDaily.create(domain_id=domain_id, day=day, count=n)
                except IntegrityError:
                    await DomainViewDaily.filter(domain_id=domain_id, day=day).update(
                        count=F("count") + n
                    )
    return total


async def views_last_30_days() -> dict[int, int]:
    """Views per domain id over the last 30 days (today included), Redis merged with the DB."""
    end = today()
    days = [end - timedelta(days=i) for i in range(WINDOW_DAYS)]
    per_day: dict[tuple[date, int], int] = {}
    try:
        async with get_redis().pipeline(transaction=False) as pipe:
            for day in days:
                pipe.hgetall(DAY_KEY.format(day=day.isoformat()))
            results = await pipe.execute()
        for day, counts in zip(days, results, strict=True):
            for domain_s, n in counts.items():
                per_day[(day, int(domain_s))] = int(n)
    except RedisError:
        log.warning("view counts: Redis unavailable, ranking from the database only")
    rows = await DomainViewDaily.filter(day__gte=days[-1]).values_list("day", "domain_id", "count")
    for day, domain_id, n in rows:
        key = (day, domain_id)
        per_day[key] = max(per_day.get(key, 0), n)
    totals: Counter[int] = Counter()
    for (_day, domain_id), n in per_day.items():
        totals[domain_id] += n
    return dict(totals)
