"""Platform events (PUBLISHJOBFINISH, MASSSENDJOBFINISH) for the push domain to consume."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from matrix.models import PlatformEvent
from matrix.service.common import iso, now_utc


def platform_event_to_dict(row: PlatformEvent) -> dict[str, Any]:
    return {
        "id": row.id,
        "account_code": row.account.code if hasattr(row.account, "code") else None,
        "event_type": row.event_type,
        "payload": row.payload,
        "processed_at": iso(row.processed_at),
        "created_at": iso(row.created_at),
    }


async def list_platform_events(
    *,
    event_type: str | None = None,
    unprocessed_only: bool = False,
    after_id: int = 0,
    limit: int = 100,
    account_code: str | None = None,
    since: datetime | None = None,
) -> list[dict[str, Any]]:
    """Stored platform events, oldest first (event_type as WeChat spells it: PUBLISHJOBFINISH),
    optionally of one account and received at or after `since`."""
    query = PlatformEvent.filter(id__gt=after_id).select_related("account")
    if event_type:
        query = query.filter(event_type=event_type)
    if account_code:
        query = query.filter(account__code=account_code)
    if since is not None:
        query = query.filter(created_at__gte=since)
    if unprocessed_only:
        query = query.filter(processed_at__isnull=True)
    rows = await query.order_by("id").limit(limit)
    return [platform_event_to_dict(r) for r in rows]


async def get_platform_event(*, event_id: int) -> dict[str, Any] | None:
    row = await PlatformEvent.get_or_none(id=event_id).select_related("account")
    return platform_event_to_dict(row) if row else None


async def mark_platform_event_processed(*, event_id: int) -> bool:
    """Mark an event as handled; False if it was already (so two consumers do not both act)."""
    updated = await PlatformEvent.filter(id=event_id, processed_at__isnull=True).update(
        processed_at=now_utc()
    )
    return bool(updated)
