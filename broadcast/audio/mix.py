"""ffmpeg: the chime, loudness measurement, the broadcast file itself, and its verification.

Loudness is set by measuring, not hoping: the speech is measured (EBU R128), given the gain
that brings it to the target and passed through a look-ahead limiter (what one-pass loudnorm
could not do: on espeak-ng's output it stopped about 2 LU short), and the limited speech is
measured again. The broadcast pass then only applies a small linear correction — exact for
loudness — while it assembles chime, speech, pauses and repeats and encodes the file. The
file is decoded and measured once more; if its true peak or loudness misses the bounds, the
gain is corrected and the file made again, and a file that still misses is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import re
import signal
from dataclasses import dataclass
from pathlib import Path

from broadcast.settings import BroadcastSettings

LUFS_TOLERANCE = 1.0
# Aim inside the tolerance so that encoding cannot push a file out of it.
AIM_TOLERANCE = 0.4
PEAK_MARGIN_DB = 1.0
SILENCE_LUFS = -45.0
MAX_CORRECTIONS = 3
DURATION_TOLERANCE = 0.02
DURATION_SLACK = 0.3
# LAME at speech bitrates cuts the highs the K-weighting counts: the decoded MP3 measures
# about half a LU below the PCM it was made from (64 kbit/s mono, espeak-ng speech).
MP3_LOUDNESS_LOSS = 0.45
CHIME_VERSION = 1
# Ding-dong: E5 then C5, each with two decaying overtones, like a door chime.
CHIME_NOTES = ((659.25, 0.9), (523.25, 1.4))


class AudioError(Exception):
    """ffmpeg failed, or the file it made is not what a loudspeaker may play."""


@dataclass(frozen=True)
class Measured:
    lufs: float
    true_peak: float
    seconds: float
    codec: str = ""
    sample_rate: int = 0
    channels: str = ""
    bitrate_kbps: int = 0


async def run_ffmpeg(args: list[str], settings: BroadcastSettings) -> str:
    """Run ffmpeg with `args`; its log (level-prefixed lines) or AudioError."""
    try:
        proc = await asyncio.create_subprocess_exec(
            settings.ffmpeg,
            "-hide_banner",
            "-nostdin",
            "-nostats",
            "-loglevel",
            "level+info",
            *args,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise AudioError(f"无法启动 ffmpeg：{exc}") from exc
    try:
        _, err = await asyncio.wait_for(proc.communicate(), settings.ffmpeg_timeout)
    except BaseException:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            await proc.wait()
        raise
    log = err.decode("utf-8", "replace")
    if proc.returncode != 0:
        problems = [line for line in log.splitlines() if line.startswith(("[error]", "[fatal]"))]
        raise AudioError("ffmpeg 处理失败：" + " ".join(problems[-3:] or log.splitlines()[-2:]))
    return log


_I = re.compile(r"I:\s+(-?[0-9.]+|-inf|nan) LUFS")
_PEAK = re.compile(r"Peak:\s+(-?[0-9.]+|-inf|nan) dBFS")
_TIME = re.compile(r"time=([0-9]+):([0-9]{2}):([0-9]{2}(?:\.[0-9]+)?)")
_STREAM = re.compile(
    r"Stream #0:0[^:]*: Audio: (\w+)[^,]*, ([0-9]+) Hz, ([\w.()]+)(?:, \w+)?(?:, ([0-9]+) kb/s)?"
)


def _number(text: str) -> float:
    value = float(text)
    return -math.inf if math.isnan(value) else value


def parse_measurement(log: str) -> Measured:
    """Loudness, true peak, decoded duration and input format from an ebur128 run's log."""
    # The last summary: a filter graph configured twice prints an empty one first.
    at = log.rfind("Summary:")
    if at < 0:
        raise AudioError("无法测量响度：ffmpeg 没有给出 EBU R128 结果")
    summary = log[at:]
    lufs = _I.search(summary)
    peak = _PEAK.search(summary)
    times = _TIME.findall(log)
    if lufs is None or not times:
        raise AudioError("无法测量响度：结果不完整")
    h, m, s = times[-1]
    stream = _STREAM.search(log)
    return Measured(
        lufs=_number(lufs.group(1)),
        true_peak=_number(peak.group(1)) if peak else -math.inf,
        seconds=int(h) * 3600 + int(m) * 60 + float(s),
        codec=stream.group(1) if stream else "",
        sample_rate=int(stream.group(2)) if stream else 0,
        channels=stream.group(3) if stream else "",
        bitrate_kbps=int(stream.group(4)) if stream and stream.group(4) else 0,
    )


def decode_problems(log: str) -> list[str]:
    """Errors the decoder reported while reading a file (a clean file has none)."""
    return [
        line.split("]", 2)[-1].strip()
        for line in log.splitlines()
        if line.startswith(("[error]", "[fatal]"))
    ]


async def measure(path: Path, settings: BroadcastSettings, *, true_peak: bool = True) -> Measured:
    """Decode a whole file and measure it (EBU R128 loudness, true peak, duration)."""
    peak = "true" if true_peak else "sample"
    log = await run_ffmpeg(
        ["-i", str(path), "-af", f"ebur128=peak={peak}:framelog=verbose", "-f", "null", "-"],
        settings,
    )
    problems = decode_problems(log)
    if problems:
        raise AudioError("文件解码出错：" + "；".join(problems[:3]))
    return parse_measurement(log)


def _ready(path: Path, directory: Path) -> bool:
    directory.mkdir(parents=True, exist_ok=True)
    return path.exists()


def file_size(path: Path) -> int:
    """Size in bytes, 0 when missing."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _db_to_linear(db: float) -> float:
    return float(10 ** (db / 20))


LEVEL_PASSES = 3
# Share of the overshoot above the limiter's ceiling that the limiter takes from loudness
# (measured on espeak-ng's speech: 5 dB of cut peaks cost about 1.7 LU).
LIMITER_LOSS = 0.35
# The later linear correction may add this much gain without eating the peak margin.
LEVEL_SLACK = 0.6


async def level(
    source: Path, out: Path, settings: BroadcastSettings, *, ceiling_db: float
) -> Measured:
    """Bring `source` near the target loudness at the output rate, peaks limited to the ceiling.

    Writes 16-bit mono WAV at the output sample rate to `out` and returns its measurement
    (with its sample peak). The limiter takes some loudness with the peaks it cuts, so the
    gain starts above the naive one and is raised again if the limited speech is still short.
    """
    before = await measure(source, settings, true_peak=False)
    if before.lufs <= SILENCE_LUFS:
        raise AudioError(f"语音几乎无声（{before.lufs:.1f} LUFS），无法处理")
    # Aim a little above the target: gaps and pauses around the speech lower the assembled
    # broadcast's loudness, and the final pass may lower a gain safely but raise it only
    # within the peak margin.
    aim = settings.target_lufs + LEVEL_SLACK / 2
    gain = aim - before.lufs
    gain += LIMITER_LOSS * max(0.0, before.true_peak + gain - ceiling_db)
    limit = max(0.0625, min(1.0, _db_to_linear(ceiling_db)))
    for _ in range(LEVEL_PASSES):
        chain = (
            f"volume={gain:.2f}dB,aresample={settings.sample_rate},"
            f"alimiter=limit={limit:.5f}:attack=5:release=60:level=false:latency=true,"
            f"aformat=sample_fmts=s16:channel_layouts=mono,ebur128=peak=sample:framelog=verbose"
        )
        log = await run_ffmpeg(
            ["-y", "-i", str(source), "-af", chain, "-f", "wav", str(out)], settings
        )
        leveled = parse_measurement(log)
        shortfall = aim - leveled.lufs
        if abs(shortfall) <= LEVEL_SLACK / 2:
            break
        gain += shortfall * (1 + LIMITER_LOSS)
    return leveled


async def ensure_chime(directory: Path, settings: BroadcastSettings) -> Path:
    """The chime, generated from tones on first use and kept (a few seconds of WAV)."""
    key = f"v{CHIME_VERSION}-{settings.sample_rate}-{settings.target_lufs:g}"
    path = directory / f"chime-{key}.wav"
    if _ready(path, directory):
        return path
    raw = directory / f".chime-{key}-{os.getpid()}.raw.wav"
    part = directory / f".chime-{key}-{os.getpid()}.wav"
    sources = []
    for index, (freq, seconds) in enumerate(CHIME_NOTES):
        expr = (
            f"(sin(2*PI*{freq}*t)+0.35*sin(4*PI*{freq}*t)*exp(-3*t)"
            f"+0.15*sin(6*PI*{freq}*t)*exp(-6*t))*exp(-2.2*t)*min(1\\,t/0.004)*0.5"
        )
        sources.append(f"aevalsrc='{expr}':s={settings.sample_rate}:d={seconds}[n{index}]")
    graph = ";".join(sources) + ";[n0][n1]concat=n=2:v=0:a=1[out]"
    try:
        await run_ffmpeg(
            ["-y", "-filter_complex", graph, "-map", "[out]", "-ac", "1", "-f", "wav", str(raw)],
            settings,
        )
        await level(raw, part, settings, ceiling_db=settings.max_true_peak - PEAK_MARGIN_DB)
        os.replace(part, path)  # atomic: two workers making it at once both end with one file
    finally:
        raw.unlink(missing_ok=True)
        part.unlink(missing_ok=True)
    return path


@dataclass(frozen=True)
class Layout:
    """What the broadcast file holds, in order: [chime, gap,] speech, (pause, speech)×(n−1)."""

    speech: Path
    speech_seconds: float
    repeats: int
    chime: Path | None = None
    chime_seconds: float = 0.0

    def seconds(self, settings: BroadcastSettings) -> float:
        head = self.chime_seconds + settings.chime_gap_seconds if self.chime else 0.0
        pauses = settings.pause_seconds * (self.repeats - 1)
        return head + self.speech_seconds * self.repeats + pauses


def _encoder_args(settings: BroadcastSettings) -> list[str]:
    common = ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"]
    if settings.audio_format == "wav":
        return ["-c:a", "pcm_s16le", *common, "-f", "wav"]
    return [
        "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate_kbps}k",
        "-compression_level", str(settings.mp3_quality),
        "-id3v2_version", "0", "-write_id3v1", "0", *common, "-f", "mp3",
    ]  # fmt: skip


def _graph(layout: Layout, settings: BroadcastSettings, *, gain_db: float) -> list[str]:
    """ffmpeg inputs and filter graph: [chime, gap,] speech×gain, (pause, speech×gain)×(n−1)."""
    rate = settings.sample_rate
    inputs: list[str] = []
    graph: list[str] = []
    parts: list[str] = []
    if layout.chime is not None:
        inputs += ["-i", str(layout.chime)]
        graph.append(f"aevalsrc=0:s={rate}:d={settings.chime_gap_seconds}[gap]")
        parts += ["[0:a]", "[gap]"]
    speech_input = len(inputs) // 2
    inputs += ["-i", str(layout.speech)]
    copies = "".join(f"[s{i}]" for i in range(layout.repeats))
    graph.append(f"[{speech_input}:a]volume={gain_db:.2f}dB,asplit={layout.repeats}{copies}")
    for i in range(layout.repeats):
        if i:
            graph.append(f"aevalsrc=0:s={rate}:d={settings.pause_seconds}[p{i}]")
            parts.append(f"[p{i}]")
        parts.append(f"[s{i}]")
    graph.append(
        "".join(parts) + f"concat=n={len(parts)}:v=0:a=1,"
        f"aformat=sample_fmts=s16:sample_rates={rate}:channel_layouts=mono[out]"
    )
    return [*inputs, "-filter_complex", ";".join(graph), "-map", "[out]"]


async def predict(layout: Layout, settings: BroadcastSettings) -> Measured:
    """Loudness and sample peak of the assembled broadcast, measured without encoding it.

    Pauses between repeats and the chime's gap lower the integrated loudness a little
    (blocks that straddle speech and silence are counted); measuring the assembly lets the
    one encoding pass apply the exact gain.
    """
    args = _graph(layout, settings, gain_db=0.0)
    args[-1] = "[out]"
    graph_at = args.index("-filter_complex") + 1
    args[graph_at] = args[graph_at].replace("[out]", ",ebur128=peak=sample:framelog=verbose[out]")
    log = await run_ffmpeg([*args, "-f", "null", "-"], settings)
    return parse_measurement(log)


async def render(layout: Layout, out: Path, settings: BroadcastSettings, *, gain_db: float) -> None:
    """The one broadcast pass: chime, speech, pauses, repeats, gain, encoding."""
    await run_ffmpeg(
        ["-y", *_graph(layout, settings, gain_db=gain_db), *_encoder_args(settings), str(out)],
        settings,
    )


def level_problems(measured: Measured, settings: BroadcastSettings) -> list[str]:
    """Loudness and peak outside their bounds (a gain change can fix these)."""
    found: list[str] = []
    if abs(measured.lufs - settings.target_lufs) > LUFS_TOLERANCE:
        found.append(
            f"响度 {measured.lufs:.1f} LUFS 超出 {settings.target_lufs:g}±{LUFS_TOLERANCE:g}"
        )
    if measured.true_peak > settings.max_true_peak:
        found.append(f"真峰值 {measured.true_peak:.1f} dBTP 高于 {settings.max_true_peak:g}")
    return found


def format_problems(
    measured: Measured, expected_seconds: float, settings: BroadcastSettings
) -> list[str]:
    """Silence, a wrong duration or a wrong format (no gain can fix these)."""
    found: list[str] = []
    if measured.lufs <= SILENCE_LUFS:
        found.append(f"文件几乎无声（{measured.lufs:.1f} LUFS）")
    slack = expected_seconds * DURATION_TOLERANCE + DURATION_SLACK
    if abs(measured.seconds - expected_seconds) > slack:
        found.append(f"时长 {measured.seconds:.1f} 秒，应为 {expected_seconds:.1f} 秒")
    wanted_codec = "pcm_s16le" if settings.audio_format == "wav" else "mp3"
    if measured.codec != wanted_codec:
        found.append(f"编码为 {measured.codec or '未知'}，应为 {wanted_codec}")
    if measured.sample_rate != settings.sample_rate:
        found.append(f"采样率 {measured.sample_rate} Hz，应为 {settings.sample_rate} Hz")
    if measured.channels != "mono":
        found.append(f"声道为 {measured.channels or '未知'}，应为单声道")
    return found


def problems_with(
    measured: Measured, expected_seconds: float, settings: BroadcastSettings
) -> list[str]:
    """What keeps a made file from being played (empty when it may be)."""
    found = format_problems(measured, expected_seconds, settings)
    return found if measured.lufs <= SILENCE_LUFS else found + level_problems(measured, settings)


async def verify(path: Path, expected_seconds: float, settings: BroadcastSettings) -> Measured:
    """Decode and measure a made file; AudioError listing what is wrong with it."""
    if not file_size(path):
        raise AudioError("没有生成音频文件")
    measured = await measure(path, settings)
    found = problems_with(measured, expected_seconds, settings)
    if found:
        raise AudioError("音频未通过校验：" + "；".join(found))
    return measured


async def make_broadcast(layout: Layout, out: Path, settings: BroadcastSettings) -> Measured:
    """Measure the assembly, render once with the gain it asks for, verify (correct if needed)."""
    assembled = await predict(layout, settings)
    headroom = settings.max_true_peak - PEAK_MARGIN_DB / 2 - assembled.true_peak
    encoded_lufs = assembled.lufs - (MP3_LOUDNESS_LOSS if settings.audio_format == "mp3" else 0)
    gain = min(settings.target_lufs - encoded_lufs, headroom)
    expected = layout.seconds(settings)
    for _attempt in range(MAX_CORRECTIONS):
        await render(layout, out, settings, gain_db=gain)
        measured = await measure(out, settings)
        fatal = format_problems(measured, expected, settings)
        if fatal:
            raise AudioError("音频未通过校验：" + "；".join(fatal))
        # What the loudness asks for, but never more than the peak allows.
        correction = min(
            settings.target_lufs - measured.lufs,
            settings.max_true_peak - PEAK_MARGIN_DB / 2 - measured.true_peak,
        )
        near = abs(settings.target_lufs - measured.lufs) <= AIM_TOLERANCE
        if not level_problems(measured, settings) and (near or abs(correction) < 0.1):
            return measured
        gain += correction
    found = level_problems(measured, settings)
    if found:
        raise AudioError("音频未通过校验：" + "；".join(found))
    return measured
