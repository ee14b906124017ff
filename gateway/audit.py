"""Audit records: every staff action that changes state leaves one."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class AuditRecord(Model):
    id = fields.BigIntField(primary_key=True)
    actor_id = fields.IntField(null=True)
    actor_name = fields.CharField(max_length=64)
    action = fields.CharField(max_length=64, db_index=True)
    target_type = fields.CharField(max_length=64)
    target_id = fields.CharField(max_length=64, null=True)
    detail = fields.JSONField(default=dict)
    ip = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_record"


async def record(
    *,
    actor_id: int | None,
    actor_name: str,
    action: str,
    target_type: str,
    target_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditRecord:
    """Write one audit record. Never put secrets or full personal data in `detail`."""
    return await AuditRecord.create(
        actor_id=actor_id,
        actor_name=actor_name,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        detail=detail or {},
        ip=ip,
    )
