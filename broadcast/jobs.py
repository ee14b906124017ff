"""Background work of the loudspeakers: making audio files."""

from __future__ import annotations

from typing import Any

from broadcast.service import audio
from gateway.jobs import job


@job(audio.JOB_KIND, timeout=45 * 60, retry_base=20)
async def synthesise(payload: dict[str, Any]) -> dict[str, Any]:
    """Make one audio file: retried with backoff, taken over if its worker dies."""
    return await audio.make(audio_id=int(payload["audio_id"]))
