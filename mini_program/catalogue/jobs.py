"""Background work of the catalogue, registered with gateway.jobs."""

from __future__ import annotations

from typing import Any

from gateway.jobs import periodic
from mini_program.catalogue import stats


@periodic("catalogue.flush_views", 60)
async def flush_views(payload: dict[str, Any]) -> dict[str, Any]:
    """Persist the view counts gathered in Redis into DomainViewDaily."""
    return {"views": await stats.flush_view_counts()}
