"""What the push services share: who acts (audit records take it: gateway.audit.record_by)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StaffRef:
    """The staff member behind a change (API, console, command line or the system itself)."""

    id: int | None
    name: str
    ip: str | None = None

    @classmethod
    def system(cls) -> StaffRef:
        return cls(id=None, name="system")
