"""Durable jobs: registration, enqueue, atomic claim with a lease, retry with backoff, progress.

The same functions serve the `govmatrix worker` loop, the worker process managed by
`govmatrix serve`, and `run_due()` which tests call to run due jobs inline.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import json
import logging
import os
import random
import socket
import traceback
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from gateway.db import current_dialect
from gateway.domains import job_modules
from gateway.jobs.models import Job, JobState

log = logging.getLogger("govmatrix.jobs")

Handler = Callable[[dict[str, Any]], Awaitable[Any]]

DEFAULT_LEASE_SECONDS = 60
DEFAULT_TIMEOUT_SECONDS = 15 * 60
RETRY_BASE_SECONDS = 10.0
RETRY_CAP_SECONDS = 3600.0


@dataclass(frozen=True)
class JobSpec:
    kind: str
    handler: Handler
    timeout: float
    retry_base: float


class PermanentError(Exception):
    """Raise from a handler when retrying cannot help: the job goes dead at once."""


_handlers: dict[str, JobSpec] = {}
_periodic: dict[str, float] = {}
_current_job: contextvars.ContextVar[Job | None] = contextvars.ContextVar("job", default=None)
_discovered = False


def now_utc() -> datetime:
    return datetime.now(UTC)


def job(
    kind: str,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    retry_base: float = RETRY_BASE_SECONDS,
) -> Callable[[Handler], Handler]:
    """Register an async handler `async def handler(payload: dict) -> result` for a job kind."""
    if "." not in kind:
        raise ValueError(f"job kind {kind!r} must be '<domain>.<verb>'")

    def decorate(fn: Handler) -> Handler:
        existing = _handlers.get(kind)
        if existing is not None and existing.handler is not fn:
            # Re-importing a module under another name would silently swap handlers.
            if (existing.handler.__module__, existing.handler.__qualname__) != (
                fn.__module__,
                fn.__qualname__,
            ):
                raise ValueError(f"job kind {kind!r} is already registered")
        _handlers[kind] = JobSpec(kind, fn, timeout, retry_base)
        return fn

    return decorate


def periodic(kind: str, every_seconds: float) -> Callable[[Handler], Handler]:
    """Run `kind` once per interval across all workers; usable alone or as a decorator.

    `periodic("x.y", 300)` schedules an already registered handler; `@periodic("x.y", 300)`
    also registers the decorated function as the handler. Each interval is one job row with the
    unique key `periodic:<kind>:<slot>`, so any number of workers run it once.
    """
    if every_seconds <= 0:
        raise ValueError("every_seconds must be positive")
    _periodic[kind] = float(every_seconds)
    return job(kind)


def registered_kinds() -> list[str]:
    return sorted(_handlers)


def periodic_kinds() -> dict[str, float]:
    return dict(_periodic)


def current_job_id() -> int | None:
    """The id of the job this handler is running for (None outside a job)."""
    current = _current_job.get()
    return current.id if current is not None else None


def discover() -> list[str]:
    """Import every domain's declared job modules (once per process); errors are raised."""
    global _discovered
    imported = []
    for name in job_modules():
        importlib.import_module(name)
        imported.append(name)
    _discovered = True
    return imported


def ensure_discovered() -> None:
    if not _discovered:
        discover()


# --- enqueue --------------------------------------------------------------------------------


async def enqueue(
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    key: str | None = None,
    max_attempts: int = 5,
) -> Job:
    """Write a job row; inside the caller's `in_transaction()` it commits or rolls back with it.

    With `key`, a job already holding that key is returned instead of adding a second one.
    """
    if run_at is not None and run_at.tzinfo is None:
        raise ValueError("run_at must be an aware datetime")
    data = payload or {}
    # Fail at the caller, not in the worker, when the payload cannot be stored as JSON.
    json.dumps(data)
    values: dict[str, Any] = {
        "kind": kind,
        "payload": data,
        "run_at": run_at or now_utc(),
        "max_attempts": max(1, max_attempts),
        "key": key,
    }
    if key is None:
        return await Job.create(**values)
    existing = await Job.get_or_none(key=key)
    if existing is not None:
        return existing
    try:
        # A savepoint, so a lost race on the unique key does not abort the caller's transaction
        # (PostgreSQL refuses every further statement in a transaction after an error).
        async with in_transaction():
            return await Job.create(**values)
    except IntegrityError:
        found = await Job.get_or_none(key=key)
        if found is None:
            raise
        return found


# --- claim ----------------------------------------------------------------------------------


def _due_filter(now: datetime, kinds: Iterable[str]) -> Q:
    waiting = Q(state__in=[JobState.QUEUED, JobState.FAILED], run_at__lte=now)
    # A running job whose lease expired belongs to a worker that died: take it over.
    abandoned = Q(state=JobState.RUNNING, lease_until__lt=now)
    return Q(waiting | abandoned, kind__in=list(kinds))


async def claim(
    worker_id: str,
    *,
    limit: int = 1,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    kinds: Iterable[str] | None = None,
    now: datetime | None = None,
) -> list[Job]:
    """Atomically take up to `limit` due jobs for this worker and start their leases."""
    now = now or now_utc()
    kinds = list(kinds if kinds is not None else _handlers)
    if not kinds or limit <= 0:
        return []
    lease_until = now + timedelta(seconds=lease_seconds)
    if current_dialect() == "postgres":
        return await _claim_postgres(worker_id, limit, lease_until, kinds, now)
    return await _claim_sqlite(worker_id, limit, lease_until, kinds, now)


async def _claim_postgres(
    worker_id: str, limit: int, lease_until: datetime, kinds: list[str], now: datetime
) -> list[Job]:
    async with in_transaction() as conn:
        # SKIP LOCKED: concurrent workers each take different rows and never wait on each other.
        rows = (
            await Job.filter(_due_filter(now, kinds))
            .order_by("run_at", "id")
            .limit(limit)
            .select_for_update(skip_locked=True)
            .using_db(conn)
        )
        claimed: list[int] = []
        for row in rows:
            await (
                Job.filter(id=row.id)
                .using_db(conn)
                .update(
                    state=JobState.RUNNING,
                    locked_by=worker_id,
                    lease_until=lease_until,
                    attempts=row.attempts + 1,
                    started_at=now,
                    updated_at=now,
                )
            )
            claimed.append(row.id)
    return await Job.filter(id__in=claimed).order_by("run_at", "id") if claimed else []


async def _claim_sqlite(
    worker_id: str, limit: int, lease_until: datetime, kinds: list[str], now: datetime
) -> list[Job]:
    # SQLite serialises writers; a conditional UPDATE that matches the state and attempt count
    # we read succeeds for exactly one worker (rowcount 1), the others see 0 and move on.
    candidates = await Job.filter(_due_filter(now, kinds)).order_by("run_at", "id").limit(limit * 4)
    claimed: list[int] = []
    for row in candidates:
        if len(claimed) >= limit:
            break
        condition = Q(id=row.id, state=row.state, attempts=row.attempts)
        if row.state == JobState.RUNNING:
            condition &= Q(lease_until__lt=now)
        count = await Job.filter(condition).update(
            state=JobState.RUNNING,
            locked_by=worker_id,
            lease_until=lease_until,
            attempts=row.attempts + 1,
            started_at=now,
            updated_at=now,
        )
        if count == 1:
            claimed.append(row.id)
    return await Job.filter(id__in=claimed).order_by("run_at", "id") if claimed else []


# --- run ------------------------------------------------------------------------------------


def backoff_seconds(attempts: int, base: float = RETRY_BASE_SECONDS) -> float:
    """Exponential backoff with jitter: base·2^(n-1), capped, scaled by a random 0.75–1.25."""
    delay = min(RETRY_CAP_SECONDS, base * (2 ** max(0, attempts - 1)))
    return delay * random.uniform(0.75, 1.25)


async def execute(
    job_row: Job, *, worker_id: str, lease_seconds: float = DEFAULT_LEASE_SECONDS
) -> JobState:
    """Run one claimed job to its outcome; only the holder of the lease may record it."""
    spec = _handlers.get(job_row.kind)
    mine = Q(id=job_row.id, locked_by=worker_id, attempts=job_row.attempts)
    if job_row.attempts > job_row.max_attempts:
        # Its workers kept dying mid-run (lease expired each time): stop taking it over.
        await _finish(mine, JobState.DEAD, error="租约多次过期：执行该任务的进程反复退出")
        return JobState.DEAD
    if spec is None:
        await _finish(mine, JobState.DEAD, error=f"没有处理函数：{job_row.kind}")
        return JobState.DEAD

    token = _current_job.set(job_row)
    heartbeat = asyncio.create_task(_heartbeat(mine, lease_seconds))
    try:
        result = await asyncio.wait_for(spec.handler(dict(job_row.payload or {})), spec.timeout)
    except asyncio.CancelledError:
        # The worker is shutting down hard: hand the job back for someone else to run.
        await _release(mine, job_row.attempts)
        raise
    # Whatever a handler raises is its job's failure: recorded, then retried or parked dead.
    except Exception as exc:  # noqa: BLE001
        error = _describe(exc)
        log.warning(
            "job %s %s attempt %s failed: %s",
            job_row.id,
            job_row.kind,
            job_row.attempts,
            error.splitlines()[0] if error else exc,
        )
        if isinstance(exc, PermanentError) or job_row.attempts >= job_row.max_attempts:
            await _finish(mine, JobState.DEAD, error=error)
            return JobState.DEAD
        retry_at = now_utc() + timedelta(seconds=backoff_seconds(job_row.attempts, spec.retry_base))
        await _finish(mine, JobState.FAILED, error=error, run_at=retry_at)
        return JobState.FAILED
    finally:
        heartbeat.cancel()
        _current_job.reset(token)
    await _finish(mine, JobState.SUCCEEDED, result=_jsonable(result))
    return JobState.SUCCEEDED


async def _finish(
    mine: Q,
    state: JobState,
    *,
    error: str | None = None,
    result: Any = None,
    run_at: datetime | None = None,
) -> None:
    now = now_utc()
    values: dict[str, Any] = {
        "state": state,
        "locked_by": None,
        "lease_until": None,
        "updated_at": now,
    }
    if state == JobState.SUCCEEDED:
        values.update(result=result, progress=100, finished_at=now)
    else:
        values["last_error"] = error
    if state == JobState.DEAD:
        values["finished_at"] = now
    if run_at is not None:
        values["run_at"] = run_at
    count = await Job.filter(mine).update(**values)
    if count == 0:
        log.warning("job outcome not recorded: lease lost (%s)", state)


async def _release(mine: Q, attempts: int) -> None:
    try:
        await Job.filter(mine).update(
            state=JobState.QUEUED,
            locked_by=None,
            lease_until=None,
            attempts=max(0, attempts - 1),
            run_at=now_utc(),
            updated_at=now_utc(),
        )
    except Exception:  # shutting down: the lease will expire and another worker reclaims
        log.exception("could not release job on shutdown")


async def _heartbeat(mine: Q, lease_seconds: float) -> None:
    # Long work keeps its lease alive; a dead worker stops beating and its lease runs out.
    while True:
        await asyncio.sleep(max(1.0, lease_seconds / 3))
        try:
            await Job.filter(mine).update(lease_until=now_utc() + timedelta(seconds=lease_seconds))
        except Exception:
            log.exception("lease heartbeat failed")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "执行超时"
    text = "".join(traceback.format_exception(exc))
    return text[-4000:]


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        return json.dumps(repr(value)[:1000])
    # tortoise reads a str given to a JSONField as JSON text, so strings go in encoded.
    return text if isinstance(value, str) else value


async def set_progress(job_id: int | None, pct: int, message: str = "") -> None:
    """Record how far a long job has got (0–100) for the console's progress bar."""
    job_id = job_id if job_id is not None else current_job_id()
    if job_id is None:
        return
    pct = max(0, min(100, int(pct)))
    await Job.filter(id=job_id, state=JobState.RUNNING).update(
        progress=pct, progress_message=message[:255], updated_at=now_utc()
    )


async def run_due(
    limit: int = 100,
    *,
    now: datetime | None = None,
    kinds: Iterable[str] | None = None,
) -> int:
    """Run due jobs inline, one at a time, until none is due or `limit` ran; returns how many.

    Tests call this instead of starting a worker; `now` lets them look into the future
    (e.g. past a retry's backoff) without sleeping.
    """
    ensure_discovered()
    worker_id = f"inline:{socket.gethostname()}:{os.getpid()}"
    ran = 0
    while ran < limit:
        batch = await claim(worker_id, limit=1, kinds=kinds, now=now)
        if not batch:
            break
        for row in batch:
            await _schedule_next_periodic(row)
            await execute(row, worker_id=worker_id)
            ran += 1
    return ran


# --- periodic -------------------------------------------------------------------------------


def _slot(kind: str, at: datetime) -> int:
    return int(at.timestamp() // _periodic[kind])


def _slot_start(kind: str, slot: int) -> datetime:
    return datetime.fromtimestamp(slot * _periodic[kind], UTC)


async def _enqueue_slot(kind: str, slot: int, run_at: datetime) -> Job:
    return await enqueue(
        kind, {"slot": slot}, run_at=run_at, key=f"periodic:{kind}:{slot}", max_attempts=3
    )


async def ensure_periodic(
    now: datetime | None = None, *, kinds: Iterable[str] | None = None
) -> int:
    """Make sure each periodic kind has its job for the current interval; returns how many."""
    now = now or now_utc()
    wanted = [k for k in (kinds if kinds is not None else _periodic) if k in _periodic]
    for kind in wanted:
        if kind in _handlers:
            await _enqueue_slot(kind, _slot(kind, now), now)
    return len(wanted)


async def _schedule_next_periodic(row: Job) -> None:
    # Scheduled when the run starts, so a worker dying mid-run cannot end the series.
    if row.kind not in _periodic or not (row.key or "").startswith("periodic:"):
        return
    slot = int((row.payload or {}).get("slot", _slot(row.kind, now_utc())))
    nxt = max(slot + 1, _slot(row.kind, now_utc()))
    await _enqueue_slot(row.kind, nxt, _slot_start(row.kind, nxt))
