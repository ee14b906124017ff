"""Broadcast audio as stored state: one row per content key, made once by a durable job.

`request_audio` is called inside the caller's transaction (an approval, a listener's first
request): the audio row and its synthesis job are written with it, so nothing is lost between
"approved" and "queued". Two callers asking for the same text at once end with one row and
one job (the key is unique; the loser of the race reads the winner's row).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from broadcast.audio import pipeline
from broadcast.audio.mix import AudioError, file_size
from broadcast.audio.speech import SpeechError
from broadcast.models import AUDIO_STATE_LABELS, Audio, AudioState
from broadcast.service.pronunciations import engine_text
from broadcast.settings import get_broadcast_settings
from gateway import jobs
from gateway.clock import now, to_iso
from gateway.jobs import Job, JobState

JOB_KIND = "broadcast.synthesise"
# A synthesis that keeps failing is parked after this many attempts (then retried by hand).
MAX_ATTEMPTS = 4


def job_key(audio: Audio) -> str:
    return f"{JOB_KIND}:{audio.id}:{audio.generation}"


async def spec_for(*, spoken_text: str, cpm: int, repeats: int, chime: bool) -> pipeline.Spec:
    return pipeline.Spec(text=await engine_text(spoken_text), cpm=cpm, repeats=repeats, chime=chime)


async def request_audio(*, spoken_text: str, cpm: int, repeats: int, chime: bool) -> Audio:
    """The audio for this text and these settings, queued for making if it is not made yet."""
    spec = await spec_for(spoken_text=spoken_text, cpm=cpm, repeats=repeats, chime=chime)
    key = pipeline.content_key(spec, get_broadcast_settings())
    audio = await Audio.get_or_none(key=key)
    if audio is None:
        try:
            # A savepoint: losing the race on the unique key must not abort the caller.
            async with in_transaction():
                audio = await Audio.create(
                    key=key, text=spec.text, cpm=cpm, repeats=repeats, chime=chime
                )
                await _enqueue(audio)
        except IntegrityError:
            audio = await Audio.get(key=key)
        return audio
    if audio.state == AudioState.READY and stored_file(audio) is None:
        await remake(audio)
        audio = await Audio.get(id=audio.id)
    return audio


async def _enqueue(audio: Audio) -> Job:
    job = await jobs.enqueue(
        JOB_KIND, {"audio_id": audio.id}, key=job_key(audio), max_attempts=MAX_ATTEMPTS
    )
    await Audio.filter(id=audio.id).update(job_id=job.id)
    audio.job_id = job.id
    return job


async def remake(audio: Audio) -> None:
    """Make a file again (it went missing or changed on disk): a new generation, a new job."""
    async with in_transaction():
        changed = await Audio.filter(id=audio.id, generation=audio.generation).update(
            generation=audio.generation + 1, state=AudioState.PENDING, error=""
        )
        if changed:
            audio.generation += 1
            await _enqueue(audio)


def audio_path(audio: Audio) -> Path:
    return get_broadcast_settings().root() / audio.path


def stored_file(audio: Audio) -> Path | None:
    """The file of a made audio, if it is still there as it was made (same size)."""
    if audio.state != AudioState.READY or not audio.path:
        return None
    path = audio_path(audio)
    return path if file_size(path) == audio.size and audio.size > 0 else None


async def job_of(audio: Audio) -> Job | None:
    return await Job.get_or_none(id=audio.job_id) if audio.job_id else None


async def retry(audio: Audio) -> Audio:
    """Start a failed synthesis again now (a dead job gets a fresh set of attempts)."""
    from gateway.jobs import service as jobs_service

    job = await job_of(audio)
    if job is not None and job.state in (JobState.DEAD, JobState.FAILED):
        await jobs_service.retry_job(job_id=job.id)
        await Audio.filter(id=audio.id).update(state=AudioState.PENDING, error="")
    elif job is None:
        await _enqueue(audio)
    return await Audio.get(id=audio.id)


def status(audio: Audio, job: Job | None, *, url: str) -> dict[str, Any]:
    """The audio as the API shows it: state, progress while making, figures once made."""
    ready = audio.state == AudioState.READY
    state = AudioState(audio.state)
    out: dict[str, Any] = {
        "state": state.value,
        "state_label": AUDIO_STATE_LABELS[state],
        "url": url if ready else None,
        "sha256": audio.sha256 or None,
        "size": audio.size or None,
        "duration_s": audio.duration_s,
        "lufs": audio.lufs,
        "true_peak": audio.true_peak,
        "made_at": to_iso(audio.made_at),
        "error": audio.error or None,
        "progress": 100 if ready else (job.progress if job else 0),
        "progress_message": "" if ready or job is None else job.progress_message,
        "attempts": job.attempts if job else 0,
        "will_retry": bool(job and job.state == JobState.FAILED),
        "gave_up": bool(job and job.state == JobState.DEAD),
    }
    return out


async def make(*, audio_id: int) -> dict[str, Any]:
    """Make one audio file (run by the synthesis job; safe to run again after a crash)."""
    audio = await Audio.get_or_none(id=audio_id)
    if audio is None:
        return {"skipped": "audio row deleted"}
    if stored_file(audio) is not None:
        return {"sha256": audio.sha256, "already": True}
    await Audio.filter(id=audio.id).update(state=AudioState.MAKING, error="")
    settings = get_broadcast_settings()
    spec = pipeline.Spec(audio.text, audio.cpm, audio.repeats, audio.chime)

    async def progress(pct: int, message: str) -> None:
        await jobs.set_progress(None, pct, message)

    try:
        made = await pipeline.make(spec, root=settings.root(), settings=settings, progress=progress)
    except (SpeechError, AudioError, OSError) as exc:
        await Audio.filter(id=audio.id).update(state=AudioState.FAILED, error=str(exc)[:2000])
        raise
    await Audio.filter(id=audio.id).update(
        state=AudioState.READY,
        path=str(made.path.relative_to(settings.root())),
        sha256=made.sha256,
        size=made.size,
        duration_s=round(made.seconds, 2),
        lufs=made.lufs,
        true_peak=made.true_peak,
        error="",
        made_at=now(),
    )
    return {
        "sha256": made.sha256,
        "seconds": made.seconds,
        "speech_seconds": made.speech_seconds,
        "chime_seconds": made.chime_seconds,
        "lufs": made.lufs,
        "true_peak": made.true_peak,
    }
