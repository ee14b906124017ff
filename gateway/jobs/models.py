"""The durable job row (tortoise app label "jobs", migrations in gateway.jobs_migrations)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from gateway.clock import to_iso


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    # An attempt failed and a retry is scheduled at run_at.
    FAILED = "failed"
    # Gave up after max_attempts (or a permanent error); only an admin retry revives it.
    DEAD = "dead"


STATE_LABELS = {
    JobState.QUEUED: "排队中",
    JobState.RUNNING: "运行中",
    JobState.SUCCEEDED: "已完成",
    JobState.FAILED: "失败待重试",
    JobState.DEAD: "已放弃",
}


# One unit of background work. Written in the caller's transaction; claimed by a worker with a
# lease; retried with backoff; parked as dead with the last error when it keeps failing.
class Job(Model):
    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=100, db_index=True)
    payload: dict[str, Any] = fields.JSONField(default=dict)  # type: ignore[assignment]
    state = fields.CharEnumField(JobState, max_length=16, default=JobState.QUEUED)
    run_at = fields.DatetimeField(db_index=True)
    attempts = fields.IntField(default=0)
    max_attempts = fields.IntField(default=5)
    last_error = fields.TextField(null=True)
    locked_by = fields.CharField(max_length=128, null=True)
    lease_until = fields.DatetimeField(null=True)
    # Dedupe / idempotency: a second enqueue with the same key returns the first job.
    key = fields.CharField(max_length=255, null=True, unique=True)
    result: Any = fields.JSONField(null=True)
    progress = fields.IntField(default=0)
    progress_message = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "job"
        indexes = (("state", "run_at"),)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "state": str(self.state),
            "state_label": STATE_LABELS.get(JobState(self.state), str(self.state)),
            "payload": self.payload,
            "run_at": to_iso(self.run_at),
            "attempts": self.attempts,
            "max_attempts": self.max_attempts,
            "last_error": self.last_error,
            "locked_by": self.locked_by,
            "lease_until": to_iso(self.lease_until),
            "key": self.key,
            "result": self.result,
            "progress": self.progress,
            "progress_message": self.progress_message,
            "created_at": to_iso(self.created_at),
            "updated_at": to_iso(self.updated_at),
            "started_at": to_iso(self.started_at),
            "finished_at": to_iso(self.finished_at),
        }
