"""Shared bits of the matrix services: who acts, time, auditing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from gateway import audit
from gateway.auth.permissions import department_scope
from gateway.clock import local_date, to_iso
from gateway.clock import now as now_utc

# Re-exported for the matrix services: one clock for the whole product (gateway.clock).
iso = to_iso
__all__ = ["Actor", "iso", "local_date", "now_utc", "today_local", "write_audit"]


@dataclass(frozen=True)
class Actor:
    """Who changes something: a staff member (API, console) or the command line."""

    id: int | None
    name: str
    ip: str | None = None
    # Department staff are limited to one department; None means county-wide.
    department_scope: str | None = None

    @classmethod
    def for_staff(cls, staff: Any, ip: str | None = None) -> Actor:
        """A signed-in staff member (department staff limited to their department)."""
        return cls(
            id=staff.id, name=staff.username, ip=ip, department_scope=department_scope(staff)
        )

    @classmethod
    def cli(cls) -> Actor:
        return cls(id=None, name="cli")

    @classmethod
    def system(cls) -> Actor:
        return cls(id=None, name="system")


def today_local() -> date:
    return local_date(now_utc())


async def write_audit(
    actor: Actor,
    *,
    action: str,
    target_type: str,
    target_id: str | int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    await audit.record_by(
        actor, action=action, target_type=target_type, target_id=target_id, detail=detail
    )
