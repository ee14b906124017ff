"""Background work of applications: closing what was not corrected in time, the daily
reminders digest, and recomputing stored deadlines when the calendar changes."""

from __future__ import annotations

from typing import Any

from gateway.jobs import job, periodic, set_progress
from mini_program.applications import service


@periodic("applications.close_uncorrected", 3600)
async def close_uncorrected(payload: dict[str, Any]) -> dict[str, Any]:
    """Close applications whose correction period ran out (逾期不补正), with the notice."""
    closed = await service.close_uncorrected()
    return {"closed": closed}


# One run a day, at the start of each UTC day: 08:00 in Shanghai, before the offices open.
@periodic("applications.digest", 24 * 3600)
async def digest(payload: dict[str, Any]) -> dict[str, Any]:
    """Remind handling departments of applications with 5, 2 and 0 working days left."""
    return await service.daily_digest()


@periodic("applications.watch_calendar", 300)
async def watch_calendar(payload: dict[str, Any]) -> dict[str, Any]:
    """Queue the recompute when the working-day calendar changed (a year was loaded)."""
    queued = await service.schedule_recompute()
    return {"queued": queued.id if queued else None}


@job("applications.recompute", timeout=3600)
async def recompute(payload: dict[str, Any]) -> dict[str, Any]:
    """Recompute stored deadlines with the current calendar, reporting progress."""

    async def progress(pct: int, message: str) -> None:
        await set_progress(None, pct, message)

    return await service.recompute_deadlines(
        progress=progress, everything=bool(payload.get("everything"))
    )
