"""Background work of the hall, registered with gateway.jobs."""

from __future__ import annotations

from typing import Any

from gateway.jobs import periodic
from mini_program.hall import recorder


@periodic("hall.persist_scans", recorder.PERSIST_EVERY)
async def persist_scans(payload: dict[str, Any]) -> dict[str, Any]:
    """Store the scans the web processes handed to Redis (see recorder.py)."""
    return {"scans": await recorder.persist_pending()}
