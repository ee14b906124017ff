"""From speakable text to a verified broadcast file, addressed by its content.

The same spoken text with the same settings always names the same file (the key is the
SHA-256 of both), so it is made once however many scripts or listeners ask for it, and a
synthesis that is run again after a crash ends with the very same file. Work happens in a
private directory and the result appears under its final name only by an atomic rename,
after it has passed verification.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from broadcast.audio import mix, speech
from broadcast.settings import BroadcastSettings

# Bump when the pipeline changes how the same text and settings sound.
PIPELINE_VERSION = 1

Progress = Callable[[int, str], Awaitable[None]]


@dataclass(frozen=True)
class Spec:
    """What a broadcast file says and how: the engine's text and the script's settings."""

    text: str
    cpm: int
    repeats: int
    chime: bool


@dataclass(frozen=True)
class Made:
    path: Path
    sha256: str
    size: int
    seconds: float
    lufs: float
    true_peak: float
    # The parts it was assembled from (kept in the job's result, for diagnosis).
    speech_seconds: float = 0.0
    chime_seconds: float = 0.0


def content_key(spec: Spec, settings: BroadcastSettings) -> str:
    """The file's name: SHA-256 of everything that decides how it sounds."""
    payload = {
        "v": PIPELINE_VERSION,
        "chime_v": mix.CHIME_VERSION if spec.chime else 0,
        "text": spec.text,
        "cpm": spec.cpm,
        "repeats": spec.repeats,
        "chime": spec.chime,
        **settings.sound(),
    }
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def file_path(root: Path, key: str, settings: BroadcastSettings) -> Path:
    return root / "audio" / key[:2] / f"{key}.{settings.audio_format}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fresh_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep(work: Path, key: str, host: str) -> None:
    """Remove what workers of this host that died mid-synthesis left of this key."""
    for stale in work.glob(f"{key}-{host}-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def _publish(part: Path, final: Path) -> tuple[str, int]:
    digest = sha256_of(part)
    size = part.stat().st_size
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, final)
    return digest, size


async def make(
    spec: Spec,
    *,
    root: Path,
    settings: BroadcastSettings,
    progress: Progress | None = None,
) -> Made:
    """Synthesise, level, assemble, encode and verify; the file lands at its content path."""
    key = content_key(spec, settings)
    final = file_path(root, key, settings)
    # Per host and process: a worker whose lease ran out while it was still busy must not
    # share its pieces with the worker that took the job over.
    host = socket.gethostname().replace("-", "_")
    work = root / "work" / f"{key}-{host}-{os.getpid()}"
    _sweep(root / "work", key, host)
    _fresh_dir(work)

    async def report(pct: int, message: str) -> None:
        if progress is not None:
            await progress(pct, message)

    async def pieces_done(done: int, total: int) -> None:
        await report(5 + 55 * done // total, f"语音合成 {done}/{total} 段")

    try:
        await report(2, "开始语音合成")
        spoken, _ = await speech.synthesise(
            spec.text, cpm=spec.cpm, workdir=work, settings=settings, progress=pieces_done
        )
        await report(62, "响度处理")
        leveled = await mix.level(
            spoken,
            work / "speech-leveled.wav",
            settings,
            ceiling_db=settings.max_true_peak - mix.PEAK_MARGIN_DB,
        )
        chime: Path | None = None
        chime_seconds = 0.0
        if spec.chime:
            chime = await mix.ensure_chime(root / "chime", settings)
            chime_seconds = (await mix.measure(chime, settings, true_peak=False)).seconds
        layout = mix.Layout(
            speech=work / "speech-leveled.wav",
            speech_seconds=leveled.seconds,
            repeats=spec.repeats,
            chime=chime,
            chime_seconds=chime_seconds,
        )
        await report(72, "合成广播音频并校验")
        part = work / f"broadcast.{settings.audio_format}"
        measured = await mix.make_broadcast(layout, part, settings)
        digest, size = _publish(part, final)
        await report(98, "已生成")
        return Made(
            final,
            digest,
            size,
            measured.seconds,
            measured.lufs,
            measured.true_peak,
            speech_seconds=leveled.seconds,
            chime_seconds=chime_seconds,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
