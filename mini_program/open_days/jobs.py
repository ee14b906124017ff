"""Background work of open days, registered with gateway.jobs."""

from __future__ import annotations

from typing import Any

from gateway.jobs import periodic
from mini_program.open_days import service


@periodic("open_days.remind", 15 * 60)
async def remind(payload: dict[str, Any]) -> dict[str, Any]:
    """The day-before reminders (subscribe messages) for tomorrow's open days."""
    return {"reminded": await service.send_reminders()}
