"""Audit records: every staff action that changes state leaves one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise import fields
from tortoise.models import Model

from gateway.clock import to_iso
from gateway.paging import fetch_page


class AuditRecord(Model):
    id = fields.BigIntField(primary_key=True)
    actor_id = fields.IntField(null=True)
    actor_name = fields.CharField(max_length=64)
    action = fields.CharField(max_length=64, db_index=True)
    target_type = fields.CharField(max_length=64)
    target_id = fields.CharField(max_length=64, null=True)
    detail: Any = fields.JSONField(default=dict)
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


def record_to_dict(row: AuditRecord) -> dict[str, Any]:
    return {
        "id": row.id,
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "action": row.action,
        "target_type": row.target_type,
        "target_id": row.target_id,
        "detail": row.detail,
        "ip": row.ip,
        "created_at": to_iso(row.created_at),
    }


async def list_records(
    *,
    page: int = 1,
    per_page: int = 20,
    action: str | None = None,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
) -> tuple[list[AuditRecord], int]:
    """Audit records, newest first, with the total count for pagination."""
    query = AuditRecord.all()
    if action:
        # "staff." lists every staff action; a full name lists one.
        query = (
            query.filter(action__startswith=action)
            if action.endswith(".")
            else query.filter(action=action)
        )
    if actor_id is not None:
        query = query.filter(actor_id=actor_id)
    if target_type:
        query = query.filter(target_type=target_type)
    if target_id:
        query = query.filter(target_id=target_id)
    return await fetch_page(query.order_by("-id"), page=page, per_page=per_page)


async def count_since(since: datetime) -> int:
    """How many audit records were written since a moment (the console's overview tile)."""
    return await AuditRecord.filter(created_at__gte=since).count()
