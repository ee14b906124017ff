"""Background work of the loudspeakers: making audio files."""

from __future__ import annotations

from typing import Any

from broadcast.service import audio, scripts
from gateway.jobs import job, periodic


@job(audio.JOB_KIND, timeout=45 * 60, retry_base=20)
async def synthesise(payload: dict[str, Any]) -> dict[str, Any]:
    """Make one audio file: retried with backoff, taken over if its worker dies."""
    return await audio.make(audio_id=int(payload["audio_id"]))


@periodic("broadcast.sync_reviews", 60)
async def sync_reviews(payload: dict[str, Any]) -> dict[str, Any]:
    """Scripts whose review finished but which are not on the air yet go on the air.

    Normally a script goes on the air the moment its last level is signed; this catches an
    approval whose reaction was lost (the process died between the two).
    """
    return {"put_on_air": await scripts.sync_all_reviews()}
