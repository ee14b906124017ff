"""Work that runs on its own: the daily reminders to handling departments, and recomputing
stored deadlines when the working-day calendar changes (an administrator loads a year)."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from gateway import audit
from gateway.clock import now, to_iso
from gateway.db import current_dialect
from gateway.jobs import Job, enqueue
from mini_program.applications.deadline import compute, days_left
from mini_program.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationReminder,
    DeadlineCalendar,
)
from mini_program.applications.service.common import (
    DERIVED_COLUMNS,
    Actor,
    calendar,
    derived,
    engine_events_of,
    today,
)
from mini_program.applications.vocab import State

log = logging.getLogger("govmatrix.applications")

THRESHOLDS = (5, 2, 0)
RUNNING = [State.RECEIVED, State.THIRD_PARTY]
BATCH = 1000

Progress = Callable[[int, str], Awaitable[None]]


async def _events_by_app(app_ids: list[int]) -> dict[int, list[tuple[str, date, Any]]]:
    rows = await (
        ApplicationEvent.filter(application_id__in=app_ids)
        .order_by("id")
        .values_list("application_id", "kind", "on", "detail")
    )
    grouped: dict[int, list[tuple[str, date, Any]]] = {}
    for app_id, kind, on, detail in rows:
        grouped.setdefault(app_id, []).append((kind, on, detail))
    return grouped


# --- reminders ------------------------------------------------------------------------------


def threshold_for(left: int | None) -> int | None:
    """The reminder due at `left` working days: the tightest of 5, 2, 0 not yet passed."""
    if left is None or left < 0 or left > THRESHOLDS[0]:
        return None
    return min(t for t in THRESHOLDS if t >= left)


async def daily_digest(*, on: date | None = None) -> dict[str, Any]:
    """Write today's reminders (5, 2 and 0 working days left), once per deadline and threshold.

    A reminder missed on its day (no worker ran) is caught up at the next threshold it fits.
    """
    day = on or today()
    cal = calendar()
    apps = await Application.filter(state__in=RUNNING, deadline__isnull=False)
    events = await _events_by_app([a.id for a in apps])
    created: dict[str, int] = {}
    for app in apps:
        calc = compute(engine_events_of(events.get(app.id, [])), cal, words=False)
        threshold = threshold_for(days_left(calc, day, cal))
        if threshold is None or calc.deadline is None:
            continue
        try:
            async with in_transaction():
                await ApplicationReminder.create(
                    application=app,
                    department_code=app.department_code,
                    threshold=threshold,
                    deadline=calc.deadline,
                    digest_on=day,
                )
        except IntegrityError:
            continue  # already reminded at this threshold for this deadline
        created[app.department_code] = created.get(app.department_code, 0) + 1
    for department, count in sorted(created.items()):
        log.info("applications digest %s: %s reminder(s) for %s", day, count, department)
    return {"day": day.isoformat(), "reminders": sum(created.values()), "departments": created}


async def reminders_for(*, actor: Actor, on: date | None = None) -> list[dict[str, Any]]:
    """The latest digest's reminders in the actor's scope, nearest deadline first."""
    query = ApplicationReminder.all()
    if actor.department_scope is not None:
        query = query.filter(department_code=actor.department_scope)
    latest = await query.order_by("-digest_on").first()
    if latest is None:
        return []
    rows = await query.filter(digest_on=latest.digest_on).order_by("threshold", "id")
    apps = {
        a.id: a
        for a in await Application.filter(id__in=[r.application_id for r in rows])  # type: ignore[attr-defined]
    }
    out = []
    for row in rows:
        app = apps.get(row.application_id)  # type: ignore[attr-defined]
        if app is None or app.state not in RUNNING or app.deadline != row.deadline:
            continue  # answered or extended since the digest
        out.append(
            {
                "application_id": app.id,
                "receipt_no": app.receipt_no,
                "name": app.name,
                "department": app.department_code,
                "threshold": row.threshold,
                "deadline": row.deadline.isoformat(),
                "digest_on": row.digest_on.isoformat(),
            }
        )
    return out


# --- recomputing deadlines after a calendar change ---------------------------------------------


def _placeholders(sql: str, postgres: bool) -> str:
    """`?` placeholders as the dialect wants them ($1, $2, ... on PostgreSQL)."""
    if not postgres:
        return sql
    parts = sql.split("?")
    return "".join(f"{part}${n}" for n, part in enumerate(parts[:-1], start=1)) + parts[-1]


def _date(value: Any) -> date | None:
    # SQLite hands back ISO text, PostgreSQL dates; fromisoformat is far cheaper than the
    # ORM's general parser, which dominated this job's time.
    return date.fromisoformat(value) if isinstance(value, str) else value


def _stored(row: Any) -> tuple[Any, ...]:
    """A row of DERIVED_COLUMNS as `derived` gives them."""
    state, received, day0, deadline, provisional, error, extended = row[:7]
    correction_due, third_party_due, finished, on_time = row[7:11]
    return (
        State(state),
        _date(received),
        _date(day0),
        _date(deadline),
        bool(provisional),
        error,
        bool(extended),
        _date(correction_due),
        _date(third_party_due),
        _date(finished),
        None if on_time is None else bool(on_time),
    )


def _parameters(values: tuple[Any, ...], postgres: bool) -> list[Any]:
    if postgres:
        return [str(v) if isinstance(v, State) else v for v in values]
    # SQLite keeps dates as ISO text and booleans as integers, as tortoise writes them.
    out: list[Any] = []
    for value in values:
        if isinstance(value, State):
            value = str(value)
        elif isinstance(value, bool):
            value = int(value)
        elif isinstance(value, date):
            value = value.isoformat()
        out.append(value)
    return out


async def _batch(
    conn: Any, first: int, last: int, postgres: bool, stale: str | None
) -> tuple[list[tuple[Any, ...]], dict[int, list[tuple[str, date, Any]]]]:
    """Stored derived columns and the events of the applications with ids in [first, last]."""
    columns = ", ".join(f'"{c}"' for c in DERIVED_COLUMNS)
    where = '"id" BETWEEN ? AND ?' + (' AND "calendar_stamp" <> ?' if stale else "")
    params: list[Any] = [first, last, *([stale] if stale else [])]
    sql = _placeholders(f'SELECT "id", {columns} FROM "application" WHERE {where}', postgres)
    _, apps = await conn.execute_query(sql, params)
    sql = _placeholders(
        'SELECT "application_id", "kind", "on", "detail" FROM "application_event"'
        ' WHERE "application_id" BETWEEN ? AND ? ORDER BY "id"',
        postgres,
    )
    _, rows = await conn.execute_query(sql, [first, last])
    events: dict[int, list[tuple[str, date, Any]]] = {}
    for app_id, kind, on, detail in rows:
        parsed = json.loads(detail) if isinstance(detail, str) else detail
        events.setdefault(app_id, []).append((kind, _date(on), parsed))  # type: ignore[arg-type]
    return [tuple(r) for r in apps], events


async def recompute_deadlines(
    *, progress: Progress | None = None, everything: bool = False
) -> dict[str, Any]:
    """Recompute every application whose deadline was computed with another calendar (or
    every application, with `everything`).

    Batches of applications (by id range) and their events are read with two plain queries,
    run through the pure engine without its words, and only rows whose derived columns
    changed are written back (one prepared UPDATE executed for many rows); the calendar stamp
    moves on for the whole batch. Plain SQL because the ORM's row decoding cost more than
    the calculation itself.
    """
    cal = calendar()
    stamp = cal.fingerprint
    query = Application.all() if everything else Application.exclude(calendar_stamp=stamp)
    ids: list[int] = list(await query.order_by("id").values_list("id", flat=True))  # type: ignore[arg-type]
    postgres = current_dialect() == "postgres"
    columns = ", ".join(f'"{c}" = ?' for c in DERIVED_COLUMNS)
    update = _placeholders(f'UPDATE "application" SET {columns} WHERE "id" = ?', postgres)
    restamp = _placeholders(
        'UPDATE "application" SET "calendar_stamp" = ? WHERE "id" BETWEEN ? AND ?', postgres
    )
    conn = connections.get("default")
    total, changed, errors = len(ids), 0, 0
    for start in range(0, total, BATCH):
        first, last = ids[start], ids[min(total, start + BATCH) - 1]
        stored, events = await _batch(conn, first, last, postgres, None if everything else stamp)
        updates: list[list[Any]] = []
        for app_id, *current in stored:
            engine = engine_events_of(events.get(app_id, []))
            calc = compute(engine, cal, words=False)
            values = derived(engine, calc)
            errors += bool(calc.error)
            if _stored(current) != values:
                updates.append([*_parameters(values, postgres), app_id])
        async with in_transaction() as tx:
            if updates:
                await tx.execute_many(update, updates)
            await tx.execute_query(restamp, [stamp, first, last])
        changed += len(updates)
        if progress is not None:
            done = min(total, start + BATCH)
            await progress(int(done * 100 / total) if total else 100, f"已重算 {done}/{total} 件")
    record = await _calendar_row()
    record.fingerprint, record.recomputed_at = stamp, now()
    await record.save()
    return {
        "recomputed": total,
        "changed": changed,
        "still_missing_calendar": errors,
        "calendar": stamp,
    }


async def _calendar_row() -> DeadlineCalendar:
    row = await DeadlineCalendar.get_or_none(name="default")
    if row is None:
        try:
            async with in_transaction():
                row = await DeadlineCalendar.create(name="default")
        except IntegrityError:
            row = await DeadlineCalendar.get(name="default")
    return row


async def calendar_status() -> dict[str, Any]:
    """Which years are loaded and whether stored deadlines follow the current calendar."""
    cal = calendar()
    row = await DeadlineCalendar.get_or_none(name="default")
    stale = await Application.exclude(calendar_stamp=cal.fingerprint).count()
    missing = await Application.exclude(deadline_error="").count()
    return {
        "years": cal.years(),
        "fingerprint": cal.fingerprint,
        "recomputed_with": row.fingerprint if row else "",
        "recomputed_at": to_iso(row.recomputed_at) if row else None,
        "stale": stale,
        "missing_calendar": missing,
    }


async def schedule_recompute(*, force: bool = False, actor: Actor | None = None) -> Job | None:
    """Queue the recompute job when the calendar changed (or always, with `force`); a staff
    member's request is audited."""
    cal = calendar()
    row = await _calendar_row()
    if not force and row.fingerprint == cal.fingerprint:
        return None
    key = None if force else f"applications.recompute:{cal.fingerprint}"
    payload = {"calendar": cal.fingerprint, "everything": force}
    job = await enqueue("applications.recompute", payload, key=key)
    row.job_id = job.id
    await row.save(update_fields=["job_id"])
    if actor is not None:
        await audit.record(
            actor_id=actor.id,
            actor_name=actor.name,
            action="applications.recompute",
            target_type="job",
            target_id=job.id,
            detail={"calendar": cal.fingerprint},
            ip=actor.ip,
        )
    return job
