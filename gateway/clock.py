"""Time, one way: stored in UTC, shown and scheduled in Asia/Shanghai, every datetime aware."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current time, aware, in UTC (what the database stores)."""
    return datetime.now(UTC)


def local_date(value: datetime) -> date:
    """The calendar day a moment falls on in the county."""
    return value.astimezone(SHANGHAI).date()


def to_iso(value: datetime | date | None) -> str | None:
    """How every API answer spells a time: ISO 8601 in Shanghai time with its offset."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).isoformat()
    return value.isoformat()
