"""Work that runs on its own: the daily reminders to handling departments, and recomputing
stored deadlines when the working-day calendar changes (an administrator loads a year)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from gateway.clock import now, to_iso
from gateway.jobs import Job, enqueue
from mini_program.applications.deadline import compute, days_left
from mini_program.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationReminder,
    DeadlineCalendar,
)
from mini_program.applications.service.common import (
    DERIVED_FIELDS,
    Actor,
    apply_calculation,
    calendar,
    engine_events_of,
    today,
)
from mini_program.applications.vocab import State

log = logging.getLogger("govmatrix.applications")

THRESHOLDS = (5, 2, 0)
RUNNING = [State.RECEIVED, State.THIRD_PARTY]
BATCH = 500

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
        calc = compute(engine_events_of(events.get(app.id, [])), cal)
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


async def recompute_deadlines(
    *, progress: Progress | None = None, everything: bool = False
) -> dict[str, Any]:
    """Recompute every application whose deadline was computed with another calendar (or
    every application, with `everything`).

    Reads applications and their events in batches, runs the pure engine, and writes the
    derived columns back in one statement per batch.
    """
    cal = calendar()
    stamp = cal.fingerprint
    query = Application.all() if everything else Application.exclude(calendar_stamp=stamp)
    ids: list[int] = list(await query.order_by("id").values_list("id", flat=True))  # type: ignore[arg-type]
    total, changed, errors = len(ids), 0, 0
    for start in range(0, total, BATCH):
        chunk = ids[start : start + BATCH]
        apps = await Application.filter(id__in=chunk)
        events = await _events_by_app(chunk)
        for app in apps:
            before = (app.deadline, app.state, app.deadline_error)
            engine = engine_events_of(events.get(app.id, []))
            calc = compute(engine, cal)
            apply_calculation(app, engine, calc, stamp)
            changed += before != (app.deadline, app.state, app.deadline_error)
            errors += bool(calc.error)
        if apps:
            await Application.bulk_update(apps, fields=list(DERIVED_FIELDS), batch_size=BATCH)
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


async def schedule_recompute(*, force: bool = False) -> Job | None:
    """Queue the recompute job when the calendar changed (or always, with `force`)."""
    cal = calendar()
    row = await _calendar_row()
    if not force and row.fingerprint == cal.fingerprint:
        return None
    key = None if force else f"applications.recompute:{cal.fingerprint}"
    payload = {"calendar": cal.fingerprint, "everything": force}
    job = await enqueue("applications.recompute", payload, key=key)
    row.job_id = job.id
    await row.save(update_fields=["job_id"])
    return job
