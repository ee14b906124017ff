"""The push domain's background work: each delivery's chain of jobs, the sweep, notifications."""

from __future__ import annotations

from typing import Any

from gateway.jobs import job, periodic
from push.service import dispatch, outcomes


@job(dispatch.JOB_KIND, timeout=600)
async def deliver(payload: dict[str, Any]) -> dict[str, Any]:
    """Advance one delivery's step machine (stage, submit, poll) as far as it can go now."""
    return await dispatch.run(
        delivery_id=int(payload["delivery_id"]),
        generation=int(payload["generation"]),
        seq=int(payload["seq"]),
    )


@job(dispatch.DISCARD_KIND)
async def discard_draft(payload: dict[str, Any]) -> dict[str, bool]:
    """Take a cancelled delivery's draft out of the account's WeChat draft box."""
    return {"discarded": await dispatch.discard_draft(delivery_id=int(payload["delivery_id"]))}


@periodic("push.sweep", 60)
async def sweep(payload: dict[str, Any]) -> dict[str, int]:
    """Platform events no signal delivered, and delivery chains that broke."""
    return await outcomes.sweep()
