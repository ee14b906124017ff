"""Measuring audio files in tests with ffmpeg itself (independently of the product's code)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path


def loudness(path: Path) -> tuple[float, float]:
    """(integrated loudness in LUFS, true peak in dBTP) of a file, by ffmpeg's ebur128."""
    done = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true",
         "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    summary = done.stderr[done.stderr.rfind("Summary:") :]
    lufs = float(re.search(r"I:\s+(-?[0-9.]+) LUFS", summary).group(1))  # type: ignore[union-attr]
    peak = float(re.search(r"Peak:\s+(-?[0-9.]+) dBFS", summary).group(1))  # type: ignore[union-attr]
    return lufs, peak


def probe(path: Path) -> dict:
    """ffprobe's view of the file's format and its one audio stream."""
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries",
         "format=format_name,duration,bit_rate:stream=codec_name,sample_rate,channels",
         "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    data = json.loads(done.stdout)
    return {**data["format"], **data["streams"][0]}


def tone(path: Path, *, source: str, seconds: float = 5.0) -> Path:
    """A test file from one of ffmpeg's generators (sine=..., anullsrc=...), MP3 64k mono."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", source, "-t", str(seconds),
         "-af", "volume=-14dB", "-ar", "44100", "-ac", "1", "-b:a", "64k", str(path)],
        check=True,
    )  # fmt: skip
    return path


def processes(pattern: str, *, parent: int | None = None) -> list[int]:
    """Pids of running processes whose command line matches (children of `parent` only)."""
    args = (
        ["pgrep", "-f", pattern] if parent is None else ["pgrep", "-P", str(parent), "-f", pattern]
    )
    done = subprocess.run(args, capture_output=True, text=True)
    return [int(p) for p in done.stdout.split()]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def start_worker(log: Path, *, concurrency: int = 1) -> subprocess.Popen:
    """`govmatrix worker` as production runs it, on the suite's database."""
    import os

    from tests.conftest import GOVMATRIX, ROOT, TEST_ENV

    with log.open("w") as out:
        return subprocess.Popen(
            [GOVMATRIX, "worker", "--concurrency", str(concurrency), "--poll-interval", "0.2"],
            cwd=ROOT, env={**os.environ, **TEST_ENV}, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
