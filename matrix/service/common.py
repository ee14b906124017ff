"""Shared bits of the matrix services: who acts, time, auditing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from gateway import audit

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Actor:
    """Who changes something: a staff member (API, console) or the command line."""

    id: int | None
    name: str
    ip: str | None = None
    # Department staff are limited to one department; None means county-wide.
    department_scope: str | None = None

    @classmethod
    def cli(cls) -> Actor:
        return cls(id=None, name="cli")

    @classmethod
    def system(cls) -> Actor:
        return cls(id=None, name="system")


def now_utc() -> datetime:
    return datetime.now(UTC)


def today_local() -> date:
    return datetime.now(SHANGHAI).date()


def local_date(value: datetime) -> date:
    return value.astimezone(SHANGHAI).date()


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


async def write_audit(
    actor: Actor,
    *,
    action: str,
    target_type: str,
    target_id: str | int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    await audit.record(
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
        ip=actor.ip,
    )
