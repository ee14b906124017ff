"""Background work of the matrix, registered with gateway.jobs."""

from __future__ import annotations

from typing import Any

from gateway.jobs import periodic
from matrix.service.health import snapshot_followers


# Hourly rather than daily: a missed run (server down at midnight) costs at most an hour, and
# each run only rewrites today's row per account.
@periodic("matrix.snapshot_followers", 3600)
async def snapshot_followers_job(payload: dict[str, Any]) -> dict[str, Any]:
    return {"written": await snapshot_followers()}
