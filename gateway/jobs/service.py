"""What the admin API and console do with jobs: list, count by state, retry, prune."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tortoise.functions import Count

from gateway.errors import Conflict, NotFound
from gateway.jobs.core import now_utc, periodic
from gateway.jobs.models import Job, JobState
from gateway.paging import fetch_page, page_answer

SUCCEEDED_RETENTION = timedelta(days=14)
DEAD_RETENTION = timedelta(days=90)


async def list_jobs(
    *, state: str | None = None, kind: str | None = None, page: int = 1, per_page: int = 20
) -> tuple[list[Job], int]:
    """Jobs newest first, optionally by state and kind, with the total count."""
    query = Job.all()
    if state:
        query = query.filter(state=state)
    if kind:
        query = query.filter(kind=kind)
    return await fetch_page(query.order_by("-id"), page=page, per_page=per_page)


async def listing(
    *, state: str | None, kind: str | None, page: int, per_page: int
) -> dict[str, Any]:
    """One page of jobs as the API and the console show it, with the counts per state."""
    rows, total = await list_jobs(state=state, kind=kind, page=page, per_page=per_page)
    return page_answer(
        [row.to_dict() for row in rows],
        total=total,
        page=page,
        per_page=per_page,
        counts=await count_by_state(),
    )


async def count_by_state() -> dict[str, int]:
    """How many jobs are in each state (every state present, zero when none)."""
    counts = {str(s): 0 for s in JobState}
    rows = await Job.annotate(n=Count("id")).group_by("state").values_list("state", "n")
    for state, n in rows:
        counts[str(state)] = n
    return counts


async def get_job(*, job_id: int) -> Job:
    """One job, or NotFound."""
    found = await Job.get_or_none(id=job_id)
    if found is None:
        raise NotFound("没有这个任务", code="job_not_found")
    return found


async def retry_job(*, job_id: int) -> Job:
    """Put a dead or failed job back in the queue to run now, with a fresh set of attempts."""
    found = await get_job(job_id=job_id)
    if found.state not in (JobState.DEAD, JobState.FAILED):
        raise Conflict("只有失败或已放弃的任务可以重试", code="job_not_retryable")
    now = now_utc()
    await Job.filter(id=job_id, state=found.state).update(
        state=JobState.QUEUED,
        attempts=0,
        run_at=now,
        locked_by=None,
        lease_until=None,
        finished_at=None,
        progress=0,
        progress_message="",
        updated_at=now,
    )
    return await get_job(job_id=job_id)


@periodic("jobs.prune", 24 * 3600)
async def prune(payload: dict[str, Any]) -> dict[str, int]:
    """Delete finished jobs past their retention (periodic keys stay unique per interval)."""
    now = now_utc()
    done = await Job.filter(
        state=JobState.SUCCEEDED, finished_at__lt=now - SUCCEEDED_RETENTION
    ).delete()
    dead = await Job.filter(state=JobState.DEAD, finished_at__lt=now - DEAD_RETENTION).delete()
    return {"succeeded_deleted": done, "dead_deleted": dead}
