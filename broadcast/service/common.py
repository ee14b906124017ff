"""What every broadcast service shares: the acting staff member."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who acts, as the services see them (audit and village scope)."""

    id: int | None
    name: str
    ip: str | None = None
    # The village a village staff member is bound to; None for county staff.
    village_code: str | None = None
