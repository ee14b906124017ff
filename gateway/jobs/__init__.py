"""Durable jobs in the database (see ARCHITECTURE.md "Durable jobs live in the database").

from gateway.jobs import enqueue, job, periodic

@job("push.send")
async def send(payload: dict) -> dict: ...

async with in_transaction():
    plan = await PushPlan.create(...)
    await enqueue("push.send", {"plan_id": plan.id}, key=f"push.send:{plan.id}")
"""

from gateway.jobs.core import (
    PermanentError,
    claim,
    current_job_id,
    discover,
    enqueue,
    ensure_periodic,
    execute,
    job,
    periodic,
    registered_kinds,
    run_due,
    set_progress,
)
from gateway.jobs.models import Job, JobState

# Built-in maintenance jobs register themselves on import.
from gateway.jobs import service as _service  # noqa: F401  isort: skip

__all__ = [
    "Job",
    "JobState",
    "PermanentError",
    "claim",
    "current_job_id",
    "discover",
    "enqueue",
    "ensure_periodic",
    "execute",
    "job",
    "periodic",
    "registered_kinds",
    "run_due",
    "set_progress",
]
