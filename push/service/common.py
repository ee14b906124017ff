"""What the push services share: who acts, and the audit record each change leaves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway import audit


@dataclass(frozen=True)
class StaffRef:
    """The staff member behind a change (API, console, command line or the system itself)."""

    id: int | None
    name: str
    ip: str | None = None

    @classmethod
    def system(cls) -> StaffRef:
        return cls(id=None, name="system")


async def write_audit(
    who: StaffRef,
    *,
    action: str,
    target_type: str,
    target_id: str | int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    await audit.record(
        actor_id=who.id,
        actor_name=who.name,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
        ip=who.ip,
    )
