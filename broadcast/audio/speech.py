"""Speech from text: split at sentence ends, synthesise in a child with a timeout, verify, join.

The child (broadcast.audio.tts_child) runs pyttsx3 + espeak-ng; it is never run on the event
loop or in a thread of the server. Every piece it writes is checked: the file exists, is a
WAV, is not silent, lasts about as long as its text takes at the asked rate, and as long as
espeak-ng's own command line says the same piece lasts (made alongside, a few milliseconds
each) — so a piece pyttsx3 cut short is caught, not only one that is missing. A run with a
bad piece is done again in a fresh child, up to CHILD_RUNS runs (espeak-ng's output depends
on what the same process said before, so only a whole clean run makes the same file every
time).
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import json
import os
import re
import signal
import wave
from bisect import bisect_left
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from broadcast.settings import BroadcastSettings
from broadcast.speakable import spoken_length

ProgressFn = Callable[[int, int], Awaitable[None]]

# espeak-ng's rate (its "words per minute") against Mandarin characters per minute, measured
# with the cmn-latn-pinyin voice on county notices (punctuation pauses included).
RATE_TABLE: tuple[tuple[float, int], ...] = (
    (93.2, 80),
    (111.9, 100),
    (136.1, 120),
    (162.8, 140),
    (174.9, 150),
    (189.0, 160),
    (202.1, 170),
    (217.0, 180),
    (246.7, 200),
    (275.1, 220),
    (321.4, 250),
    (409.9, 300),
)
MIN_RATE_CPM = 100
MAX_RATE_CPM = 300
# A piece must last between these multiples of what its characters take at the asked rate
# (pauses at punctuation lengthen speech; a dropped tail shortens it).
MIN_DURATION_FACTOR = 0.45
MAX_DURATION_FACTOR = 2.6
DURATION_SLACK = 1.2
SILENT_PEAK = 300  # of 32767: below about −40 dBFS the piece is silence
# pyttsx3's pieces match espeak-ng's command line to a few hundredths of a second (later
# utterances of a process run ~0.04 s longer than the first).
REFERENCE_TOLERANCE = 0.03
REFERENCE_SLACK = 0.2
REFERENCE_PARALLEL = 2
# Fresh children per attempt. On a loaded machine pyttsx3 lost a final buffer twice in a row
# (9.61 s of 11.93 s, in the full suite at load ~10), so a second try alone was not enough.
CHILD_RUNS = 3
WAV_HEADER = 44


class SpeechError(Exception):
    """The speech child failed, hung or wrote something that is not the asked speech."""


def espeak_rate(cpm: int) -> int:
    """The espeak-ng rate that speaks `cpm` Mandarin characters a minute."""
    cpms = [c for c, _ in RATE_TABLE]
    i = min(max(bisect_left(cpms, cpm), 1), len(RATE_TABLE) - 1)
    (c0, r0), (c1, r1) = RATE_TABLE[i - 1], RATE_TABLE[i]
    return round(r0 + (r1 - r0) * (cpm - c0) / (c1 - c0))


_SENTENCE_END = re.compile(r"(?<=[。！？；])")
_CLAUSE_END = re.compile(r"(?<=[，、：])")


def split_pieces(text: str, max_chars: int) -> list[str]:
    """The text in pieces of at most `max_chars`, cut at sentence ends, then at clause ends."""
    pieces: list[str] = []
    current = ""
    for sentence in (s for s in _SENTENCE_END.split(text) if s.strip()):
        parts = [sentence] if len(sentence) <= max_chars else _clauses(sentence, max_chars)
        for part in parts:
            if current and len(current) + len(part) > max_chars:
                pieces.append(current)
                current = ""
            current += part
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if spoken_length(p)]


def _clauses(sentence: str, max_chars: int) -> list[str]:
    out: list[str] = []
    for clause in (c for c in _CLAUSE_END.split(sentence) if c):
        while len(clause) > max_chars:  # no punctuation for a long stretch: cut it
            out.append(clause[:max_chars])
            clause = clause[max_chars:]
        out.append(clause)
    return out


def expected_seconds(text: str, cpm: int) -> float:
    return spoken_length(text) * 60.0 / cpm


@dataclass(frozen=True)
class Piece:
    text: str
    path: Path


class PieceError(SpeechError):
    """One piece is not the asked speech (a fresh child may do better)."""


def check_piece(piece: Piece, index: int, cpm: int, reference: float | None = None) -> float:
    """The piece's duration, or PieceError saying what is wrong with it."""
    label = f"第 {index + 1} 段语音"
    try:
        with wave.open(str(piece.path), "rb") as wav:
            frames = wav.readframes(wav.getnframes())
            rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
    except FileNotFoundError as exc:
        raise PieceError(f"{label}没有生成文件") from exc
    except (OSError, EOFError, wave.Error) as exc:
        raise PieceError(f"{label}不是有效的 WAV 文件：{exc}") from exc
    if width != 2 or channels != 1 or not rate:
        raise PieceError(f"{label}格式异常（{channels} 声道，{width * 8} 位，{rate} Hz）")
    seconds = len(frames) / (2 * rate)
    expected = expected_seconds(piece.text, cpm)
    low = expected * MIN_DURATION_FACTOR - DURATION_SLACK
    high = expected * MAX_DURATION_FACTOR + DURATION_SLACK
    if not low <= seconds <= high:
        raise PieceError(
            f"{label}时长异常：{seconds:.1f} 秒，按 {spoken_length(piece.text)} 字"
            f"应在 {max(low, 0):.1f}–{high:.1f} 秒之间"
        )
    samples = array.array("h", frames[: len(frames) // 2 * 2])
    if not samples or max(max(samples), -min(samples)) < SILENT_PEAK:
        raise PieceError(f"{label}是静音")
    if reference is not None and abs(seconds - reference) > (
        reference * REFERENCE_TOLERANCE + REFERENCE_SLACK
    ):
        raise PieceError(
            f"{label}时长异常：{seconds:.2f} 秒，espeak-ng 读同一段为 {reference:.2f} 秒"
            "（语音被截断或多出内容）"
        )
    return seconds


def join_pieces(pieces: list[Piece], out: Path) -> float:
    """Concatenate the pieces' samples into one WAV; returns its duration."""
    params = None
    total = 0
    with wave.open(str(out), "wb") as joined:
        for piece in pieces:
            with wave.open(str(piece.path), "rb") as wav:
                if params is None:
                    params = wav.getparams()
                    joined.setparams(params)
                elif wav.getframerate() != params.framerate:
                    raise SpeechError("各段语音的采样率不一致")
                frames = wav.readframes(wav.getnframes())
            joined.writeframes(frames)
            total += len(frames) // 2
    return total / float(params.framerate if params else 1)


async def reference_seconds(
    texts: list[str], cpm: int, settings: BroadcastSettings
) -> list[float | None]:
    """How long espeak-ng's command line says each piece lasts (None where it cannot say)."""
    gate = asyncio.Semaphore(REFERENCE_PARALLEL)

    async def one(text: str) -> float | None:
        async with gate:
            try:
                proc = await asyncio.create_subprocess_exec(
                    settings.espeak, "-v", settings.voice.removeprefix("sit/"),
                    "-s", str(espeak_rate(cpm)), "--stdout", "--stdin",
                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.DEVNULL,
                )  # fmt: skip
            except OSError:
                return None
            out, _ = await proc.communicate(text.encode())
            if proc.returncode != 0:
                return None
            return stdout_wav_seconds(out)

    return list(await asyncio.gather(*(one(t) for t in texts)))


def stdout_wav_seconds(data: bytes) -> float | None:
    """How long the 16-bit mono WAV that `espeak-ng --stdout` wrote lasts (None if it is not one).

    Written to a pipe, its header cannot give the data's size (espeak-ng leaves a placeholder),
    so the length is what follows the 44-byte header, at the rate the header states.
    """
    if len(data) <= WAV_HEADER or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    channels = int.from_bytes(data[22:24], "little")
    rate = int.from_bytes(data[24:28], "little")
    width = int.from_bytes(data[34:36], "little") // 8
    if not rate or not channels or not width:
        return None
    return (len(data) - WAV_HEADER) / (rate * channels * width)


def timeout_for(text_chars: int, settings: BroadcastSettings) -> float:
    return settings.tts_timeout_base + settings.tts_timeout_per_char * text_chars


async def synthesise(
    text: str,
    *,
    cpm: int,
    workdir: Path,
    settings: BroadcastSettings,
    progress: ProgressFn | None = None,
) -> tuple[Path, float]:
    """Speak `text` into workdir/speech.wav; returns its path and duration."""
    texts = split_pieces(text, settings.max_piece_chars)
    if not texts:
        raise SpeechError("没有可朗读的内容")
    pieces = [Piece(t, workdir / f"piece-{i:04d}.wav") for i, t in enumerate(texts)]
    request = {
        "voice": settings.voice,
        "rate": espeak_rate(cpm),
        "pieces": [{"text": p.text, "path": str(p.path)} for p in pieces],
    }
    timeout = timeout_for(len(text), settings)
    references = asyncio.ensure_future(reference_seconds(texts, cpm, settings))
    try:
        for run in range(CHILD_RUNS):
            await _run_child(request, len(pieces), timeout, settings, progress)
            try:
                refs = await references
                for index, piece in enumerate(pieces):
                    check_piece(piece, index, cpm, refs[index])
                break
            except PieceError:
                if run == CHILD_RUNS - 1:
                    raise
    finally:
        if not references.done():
            references.cancel()
    speech = workdir / "speech.wav"
    seconds = join_pieces(pieces, speech)
    for piece in pieces:
        piece.path.unlink(missing_ok=True)
    return speech, seconds


async def _run_child(
    request: dict[str, object],
    count: int,
    limit_seconds: float,
    settings: BroadcastSettings,
    progress: ProgressFn | None,
) -> None:
    try:
        proc = await asyncio.create_subprocess_exec(
            *settings.tts_argv(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            # Its own process group, so a timeout kills whatever it started too.
            start_new_session=True,
        )
    except OSError as exc:
        raise SpeechError(f"无法启动语音合成程序：{exc}") from exc
    stderr_task = asyncio.ensure_future(_read_all(proc.stderr))
    try:
        await asyncio.wait_for(_converse(proc, request, count, progress), limit_seconds)
    except TimeoutError as exc:
        _kill(proc)
        await proc.wait()
        raise SpeechError(f"语音合成超过 {limit_seconds:.0f} 秒未完成，已终止合成进程") from exc
    except BaseException:
        _kill(proc)
        with contextlib.suppress(Exception):
            await proc.wait()
        raise
    finally:
        errors = (await stderr_task).decode("utf-8", "replace")
    if proc.returncode != 0:
        tail = errors.strip().splitlines()[-3:]
        raise SpeechError(f"语音合成程序异常退出（{proc.returncode}）：{' '.join(tail)}"[:500])


async def _converse(
    proc: asyncio.subprocess.Process,
    request: dict[str, object],
    count: int,
    progress: ProgressFn | None,
) -> None:
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write(json.dumps(request, ensure_ascii=False).encode())
    await proc.stdin.drain()
    proc.stdin.close()
    while True:
        line = await proc.stdout.readline()
        if not line:
            break
        try:
            done = int(json.loads(line)["piece"]) + 1
        except (ValueError, KeyError, TypeError):
            continue
        if progress is not None:
            await progress(done, count)
    await proc.wait()


async def _read_all(stream: asyncio.StreamReader | None) -> bytes:
    if stream is None:
        return b""
    return await stream.read()


def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
