"""`make bench`, village loudspeakers: figures, never pass/fail tests.

- one 1,000-character script to its final, verified MP3 (goal < 2 s), against espeak-ng's
  command line plus one ffmpeg pass (chime, repeats, one-pass loudnorm, MP3) on the same text
  in the same run;
- 100 scripts of 10 to 2,000 characters (numbers, dates, 文号, English letters, punctuation
  runs) made into 100 verified files by two `govmatrix worker` processes: scripts per minute;
- `GET /api/v1/village/broadcasts` (a village's list, signed in) against a bare Sanic endpoint
  serving the same bytes.

The bench part `broadcast` (`python -m ops.bench --only broadcast`) calls `figures(...)`; the
steps that need the bench's database and settings run as
`python -m ops.bench_broadcast one|batch|bare ...` in the bench's environment.
BENCH_BROADCAST_SCRIPTS sets the batch's size (default 100).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

# At module level: Sanic resolves the bare handler's annotations in this module's globals.
from sanic import Request, Sanic
from sanic.response import HTTPResponse, raw

from ops.bench_kit import Bench, free_port, part, wait_http
from ops.bench_wrk import WrkResult, run_wrk, write_requests, write_script

ROOT = Path(__file__).resolve().parent.parent
GOVMATRIX = str(Path(sys.executable).parent / "govmatrix")
TIMED_RUNS = 3

# Fragments a county notice is made of; the generator strings them to any length.
FRAGMENTS = (
    "根据蒙政办〔2026〕{n}号文件精神，",
    "自{y}年{m}月{d}日起，",
    "低保标准提高到每人每月{money}元，",
    "同比增长{pct}%，",
    "请于{h}:{mm}前到村委会办理，",
    "咨询电话0558-76{phone}，",
    "或拨打12345政务服务便民热线。",
    "办理时限为{a}-{b}个工作日！！",
    "下载皖事通APP或登录www.ahzwfw.gov.cn，",
    "面积不超过{n}㎡，距离约{km}km；",
    "身份证号34162219{id}，",
    "……请各位村民相互转告。。",
    "冬季防火，人人有责，",
    "发现火情立即报告，",
)


def notice(length: int, rng: random.Random) -> str:
    """A county notice of about `length` characters with every kind of thing to normalise."""
    parts: list[str] = []
    while sum(map(len, parts)) < length:
        fragment = rng.choice(FRAGMENTS)
        parts.append(
            fragment.format(
                n=rng.randint(1, 120),
                y=rng.choice([2025, 2026, 2027]),
                m=rng.randint(1, 12),
                d=rng.randint(1, 28),
                money=rng.choice([810, 1200, 560]),
                pct=rng.choice([3.5, 12, 8.25]),
                h=rng.randint(7, 17),
                mm=rng.choice(["00", "30"]),
                phone=rng.randint(10000, 99999),
                a=rng.randint(2, 5),
                b=rng.randint(6, 15),
                km=rng.choice([2.5, 12, 30]),
                id=f"{rng.randint(10000000, 99999999)}",
            )
        )
    return "".join(parts)[:length].rstrip("，；") + "。"


# --- the one-script figure (run in the bench's environment) --------------------------------


async def _one(workdir: Path) -> dict[str, Any]:
    from broadcast.audio import mix, pipeline, speech
    from broadcast.settings import get_broadcast_settings
    from broadcast.speakable import speakable

    settings = get_broadcast_settings()
    text = notice(1000, random.Random(1000))
    spoken = speakable(text)
    spec = pipeline.Spec(text=spoken, cpm=200, repeats=2, chime=True)
    root = workdir / "one"
    shutil.rmtree(root, ignore_errors=True)
    await pipeline.make(spec, root=root, settings=settings)  # warm: chime made, caches full

    steps: dict[str, list[float]] = {}

    async def timed_make() -> tuple[float, pipeline.Made]:
        marks: list[tuple[str, float]] = []

        async def progress(pct: int, message: str) -> None:
            marks.append((message, time.perf_counter()))

        started = time.perf_counter()
        made = await pipeline.make(spec, root=root, settings=settings, progress=progress)
        total = time.perf_counter() - started
        names = {"开始语音合成": "speech", "响度处理": "level", "合成广播音频并校验": "assemble"}
        starts = [(names[m], t) for m, t in marks if m in names]
        ends = [t for _, t in starts[1:]] + [marks[-1][1]]
        for (name, begin), end in zip(starts, ends, strict=True):
            steps.setdefault(name, []).append(end - begin)
        return total, made

    ours = [await timed_make() for _ in range(TIMED_RUNS)]
    made = ours[-1][1]

    chime = await mix.ensure_chime(root / "chime", settings)
    baseline_times: list[float] = []
    base_dir = workdir / "baseline"
    base_dir.mkdir(parents=True, exist_ok=True)
    text_file = base_dir / "text.txt"
    text_file.write_text(spoken, encoding="utf-8")
    out = base_dir / "baseline.mp3"
    for _ in range(TIMED_RUNS):
        baseline_times.append(_baseline(base_dir, text_file, chime, speech.espeak_rate(200)))
    baseline = await mix.measure(out, settings)
    floor = statistics.median(
        _baseline(base_dir, text_file, chime, speech.espeak_rate(200), loudness=False)
        for _ in range(TIMED_RUNS)
    )
    return {
        "chars": len(text),
        "spoken_chars": len(spoken),
        "seconds": statistics.median(t for t, _ in ours),
        "steps": {k: statistics.median(v) for k, v in steps.items()},
        "audio_seconds": made.seconds,
        "lufs": made.lufs,
        "true_peak": made.true_peak,
        "baseline_seconds": statistics.median(baseline_times),
        "baseline_lufs": baseline.lufs,
        "baseline_true_peak": baseline.true_peak,
        "floor_seconds": floor,
    }


def _baseline(
    base_dir: Path, text_file: Path, chime: Path, rate: int, *, loudness: bool = True
) -> float:
    """espeak-ng's command line, then one ffmpeg pass (chime, repeats, loudnorm, MP3).

    Without `loudness`: the floor, the same pass with no loudness processing at all.
    """
    started = time.perf_counter()
    subprocess.run(
        ["espeak-ng", "-v", "cmn-latn-pinyin", "-s", str(rate), "-w", str(base_dir / "speech.wav"),
         "-f", str(text_file)],
        check=True, capture_output=True,
    )  # fmt: skip
    graph = (
        "[1:a]asplit=2[a][b];aevalsrc=0:s=22050:d=2[p];"
        "[0:a]aresample=22050[c];[c][a][p][b]concat=n=4:v=0:a=1,"
        + ("loudnorm=I=-16:TP=-1.5:LRA=11," if loudness else "")
        + "aresample=44100[out]"
    )
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(chime), "-i", str(base_dir / "speech.wav"),
         "-filter_complex", graph, "-map", "[out]", "-ac", "1", "-c:a", "libmp3lame",
         "-b:a", "64k", str(base_dir / "baseline.mp3")],
        check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def _start_workers(count: int, workdir: Path) -> list[subprocess.Popen[bytes]]:
    procs = []
    for n in range(count):
        with (workdir / f"broadcast-worker-{n}.log").open("w") as log:
            procs.append(
                subprocess.Popen(
                    [GOVMATRIX, "worker", "--concurrency", "1", "--poll-interval", "0.2"],
                    cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
    return procs


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(60)


# --- the batch figure (run in the bench's environment) -------------------------------------


async def _batch(count: int, workers: int, workdir: Path) -> dict[str, Any]:
    from broadcast.models import Audio, AudioState
    from broadcast.service.audio import request_audio
    from broadcast.speakable import speakable

    rng = random.Random(20261201)
    lengths = [10, 2000] + [rng.randint(10, 2000) for _ in range(max(0, count - 2))]
    ids: list[int] = []
    chars = 0
    for length in lengths[:count]:
        text = notice(length, rng)
        chars += len(text)
        audio = await request_audio(spoken_text=speakable(text), cpm=200, repeats=2, chime=True)
        ids.append(audio.id)
    procs = _start_workers(workers, workdir)
    started = time.perf_counter()
    try:
        while True:
            states = await Audio.filter(id__in=ids).values_list("state", flat=True)
            done = [s for s in states if s in (AudioState.READY, AudioState.FAILED)]
            if len(done) == len(ids):
                break
            await asyncio.sleep(1)
    finally:
        _stop(procs)
    elapsed = time.perf_counter() - started
    rows = await Audio.filter(id__in=ids)
    ready = [r for r in rows if r.state == AudioState.READY]
    return {
        "scripts": len(ids),
        "chars": chars,
        "ready": len(ready),
        "failed": len(rows) - len(ready),
        "seconds": elapsed,
        "audio_hours": sum(r.duration_s or 0 for r in ready) / 3600,
        "lufs_range": [min(r.lufs or 0 for r in ready), max(r.lufs or 0 for r in ready)]
        if ready
        else [],
        "worst_peak": max((r.true_peak or -99 for r in ready), default=None),
        "errors": sorted({r.error[:80] for r in rows if r.error})[:3],
    }


# --- a bare Sanic endpoint serving given bytes ----------------------------------------------


def _bare(port: int, body_file: Path) -> None:
    body = body_file.read_bytes()
    app = Sanic("bare_village")

    @app.get("/bare-village")
    async def same_bytes(request: Request) -> HTTPResponse:
        return raw(body, content_type="application/json")

    app.run(host="127.0.0.1", port=port, single_process=True, access_log=False, motd=False)


# --- what ops/bench.py calls ----------------------------------------------------------------


def _subprocess(env: dict[str, str], *args: str, timeout: float) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "ops.bench_broadcast", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError((done.stderr.strip().splitlines() or ["failed"])[-1])
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


def _village_reads(
    env: dict[str, str], app_url: str, workdir: Path, seconds: float
) -> tuple[WrkResult, WrkResult, int]:
    signed = httpx.post(
        f"{app_url}/api/v1/admin/session",
        json={"username": "village_01", "password": "Mengcheng@2026"},
        timeout=30,
    )
    signed.raise_for_status()
    auth = {"Authorization": f"Bearer {signed.json()['token']}"}
    listed = httpx.get(f"{app_url}/api/v1/village/broadcasts", headers=auth, timeout=30)
    listed.raise_for_status()
    body_file = workdir / "village-list.json"
    body_file.write_bytes(listed.content)
    script = write_script(workdir)
    port = free_port()
    bare = subprocess.Popen(
        [sys.executable, "-m", "ops.bench_broadcast", "bare", "--port", str(port),
         "--body", str(body_file)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        bare_url = f"http://127.0.0.1:{port}"
        wait_http(bare_url + "/bare-village", bare)  # raises if it exits or never answers
        results: list[WrkResult] = []
        for url, path in ((app_url, "/api/v1/village/broadcasts"), (bare_url, "/bare-village")):
            requests = write_requests(workdir / f"village{port}{len(results)}.requests", [path])
            run_wrk(url, requests, script, seconds=2, connections=50, headers=auth)
            results.append(
                run_wrk(url, requests, script, seconds=seconds, connections=50, headers=auth)
            )
    finally:
        bare.terminate()
        bare.wait(20)
    return results[0], results[1], len(listed.content)


@part("broadcast")
def broadcast(bench: Bench) -> None:
    """The loudspeakers' figures, under the table (BENCH_BROADCAST_SCRIPTS sizes the batch)."""
    for label, value in figures(bench.stack.env, bench.app_url, bench.dir, bench.seconds):
        bench.note(label, value)


def figures(
    env: dict[str, str], app_url: str, workdir: Path, seconds: float
) -> list[tuple[str, str]]:
    """The loudspeakers' lines for `make bench` (label, value); each part reports on its own."""
    out: list[tuple[str, str]] = []
    print("==> broadcast: one 1,000-character script to its verified MP3")
    try:
        one = _subprocess(env, "one", "--dir", str(workdir), timeout=900)
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in one["steps"].items())
        out.append((
            "broadcast: 1,000-char script → verified MP3 (goal < 2 s)",
            f"{one['seconds']:.2f} s for {one['audio_seconds']:.0f} s of audio ({steps}); "
            f"{one['lufs']:.1f} LUFS, {one['true_peak']:.1f} dBTP",
        ))  # fmt: skip
        out.append((
            "broadcast: espeak-ng CLI + one ffmpeg pass, same text",
            f"{one['baseline_seconds']:.2f} s "
            f"(ours {one['seconds'] / one['baseline_seconds']:.1f}×); "
            f"its file {one['baseline_lufs']:.1f} LUFS, {one['baseline_true_peak']:.1f} dBTP; "
            f"without loudness processing {one['floor_seconds']:.2f} s "
            f"(ours {one['seconds'] / one['floor_seconds']:.1f}×)",
        ))  # fmt: skip
    except (RuntimeError, subprocess.TimeoutExpired, ValueError, KeyError) as exc:
        out.append(("broadcast: one script", f"failed: {str(exc)[:120]}"))
    count = int(os.environ.get("BENCH_BROADCAST_SCRIPTS", "100"))
    print(f"==> broadcast: {count} scripts of 10-2,000 characters, two workers")
    try:
        batch = _subprocess(
            env, "batch", "--count", str(count), "--dir", str(workdir), timeout=4 * 3600
        )
        rate = batch["ready"] / batch["seconds"] * 60 if batch["seconds"] else 0
        lufs = batch["lufs_range"]
        out.append((
            f"broadcast: {batch['scripts']} scripts, {batch['chars']:,} chars, 2 workers",
            f"{batch['ready']} verified files, {batch['failed']} failed, "
            f"in {batch['seconds']:.0f} s"
            f" = {rate:.1f} scripts/min ({batch['audio_hours']:.1f} h of audio; "
            f"{lufs[0]:.1f}..{lufs[1]:.1f} LUFS, worst true peak {batch['worst_peak']:.1f} dBTP)"
            + (f"; errors: {batch['errors']}" if batch["errors"] else ""),
        ))  # fmt: skip
    except (RuntimeError, subprocess.TimeoutExpired, ValueError, KeyError, IndexError) as exc:
        out.append(("broadcast: batch", f"failed: {str(exc)[:120]}"))
    print("==> broadcast: /api/v1/village/broadcasts vs bare Sanic with the same bytes")
    try:
        ours, bare, size = _village_reads(env, app_url, workdir, seconds)
        out.append((
            f"broadcast: GET /api/v1/village/broadcasts ({size:,} bytes, 50 conn)",
            f"{ours.ok_rps:,.0f} req/s, p95 {ours.p95_ms:.1f} ms, p99 {ours.p99_ms:.1f} ms "
            f"({ours.ok_rps / bare.ok_rps:.0%} of bare: {bare.ok_rps:,.0f} req/s, "
            f"p99 {bare.p99_ms:.1f} ms)",
        ))  # fmt: skip
    except (RuntimeError, httpx.HTTPError, ZeroDivisionError) as exc:
        out.append(("broadcast: village list", f"failed: {str(exc)[:120]}"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="part", required=True)
    one = sub.add_parser("one")
    one.add_argument("--dir", type=Path, required=True)
    batch = sub.add_parser("batch")
    batch.add_argument("--count", type=int, default=100)
    batch.add_argument("--workers", type=int, default=2)
    batch.add_argument("--dir", type=Path, required=True)
    bare = sub.add_parser("bare")
    bare.add_argument("--port", type=int, required=True)
    bare.add_argument("--body", type=Path, required=True)
    args = parser.parse_args()
    if args.part == "bare":
        _bare(args.port, args.body)
        return
    if args.part == "one":
        print(json.dumps(asyncio.run(_one(args.dir))))
        return
    from gateway.cli import run_async

    print(json.dumps(run_async(lambda: _batch(args.count, args.workers, args.dir))))


if __name__ == "__main__":
    main()
