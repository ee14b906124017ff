"""Background work of residents' notifications: the fan-out and its send chunks."""

from __future__ import annotations

from typing import Any

from gateway.jobs import job
from mini_program.notify import fanout


@job("notify.fan_out", timeout=600)
async def fan_out(payload: dict[str, Any]) -> dict[str, Any]:
    """Write a campaign's messages and queue one send job per chunk."""
    return await fanout.fan_out(int(payload["campaign_id"]))


@job("notify.send", timeout=900, retry_base=5)
async def send(payload: dict[str, Any]) -> dict[str, int]:
    """Send one chunk of a campaign's messages."""
    return await fanout.send_chunk(
        int(payload["campaign_id"]), int(payload["first_id"]), int(payload["last_id"])
    )
