"""The notification fan-out figure (issue 8): N residents holding grants, all notified.

    python -m ops.bench --only notify                    # inside `make bench`
    python -m ops.bench_notify [--residents 100000] [--workers 1]   # alone, on its own stack

In one run, against the same sandbox:
1. the sandbox's own accept rate: wrk (C, 64 connections) posts `subscribe/send` directly,
   one message per pre-granted openid, with the product's own access token;
2. the product: residents following a domain and holding one grant each (ours and WeChat's),
   `notify(domain_ids=[...])` called, `govmatrix worker` processes sending; timed from the
   call until the campaign is done. Reported: messages/s, seconds, and the ratio to (1).
Then the sandbox's record is checked: every resident got exactly one message.

The helper commands (`prepare`, `send`) run in child processes with the stack's environment.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from ops.bench_kit import Bench, part

ROOT = Path(__file__).resolve().parent.parent
PURPOSE = "article_published"
RESIDENTS = 100_000
WORKERS = 2
GOAL_SECONDS = 120
# Granted openids for the sandbox-alone run: more than it can accept in PROBE_SECONDS, so
# wrk never runs out of fresh ones (a repeat would be refused with 43101 and not counted).
SANDBOX_PROBE = 60_000
PROBE_SECONDS = 10
GRANT_BATCH = 50_000


# --- in the bench process ------------------------------------------------------------------


@part("notify")
def notify(bench: Bench) -> None:
    """The notification fan-out (BENCH_NOTIFY_RESIDENTS, BENCH_NOTIFY_WORKERS override the run)."""
    residents = int(os.environ.get("BENCH_NOTIFY_RESIDENTS", RESIDENTS))
    workers = int(os.environ.get("BENCH_NOTIFY_WORKERS", WORKERS))
    print(f"==> notification fan-out: {residents:,} residents, {workers} worker(s)")
    try:
        rows = figures(
            bench.stack.env, bench.sandbox_url, bench.dir, residents=residents, workers=workers
        )
    # A broken part must not hide the bench's other figures.
    except Exception as exc:  # noqa: BLE001
        rows = [("notify fan-out", f"failed: {str(exc)[:160]}")]
    for label, value in rows:
        bench.note(label, value)


def figures(
    env: dict[str, str], sandbox_url: str, bench_dir: Path, *, residents: int, workers: int = 1
) -> list[tuple[str, str]]:
    """Run the fan-out figure against a running stack; rows for the bench's table."""
    # The bench owns its Redis database: tokens of an earlier run's sandbox would be refused.
    import redis

    from ops.bench_wrk import run_wrk, write_requests, write_script

    client = redis.Redis.from_url(env["APP_REDIS_URL"])
    client.flushdb()
    client.close()
    prepared = _child(env, "prepare", "--residents", str(residents))
    # 1. The sandbox alone, driven by wrk.
    token = prepared["token"]
    lines = [
        f"/cgi-bin/message/subscribe/send?access_token={token}\t"
        + json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        for body in prepared["probe_bodies"]
    ]
    probe = run_wrk(
        sandbox_url,
        write_requests(bench_dir / "notify-probe.requests", lines),
        write_script(bench_dir),
        seconds=PROBE_SECONDS,
        connections=32,
    )
    accepted = _sent(sandbox_url, prepared["appid"], prepared["template_id"], "oBnProbe")
    sandbox_rate = accepted["messages"] / probe.seconds if probe.seconds else 0.0
    # 2. The product: notify() and the workers.
    logs = [open(bench_dir / f"notify-worker-{n}.log", "w") for n in range(workers)]
    procs = [
        subprocess.Popen(
            [str(Path(sys.executable).parent / "govmatrix"), "worker", "--concurrency", "4"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for log in logs
    ]
    try:
        sent = _child(env, "send", "--domain", str(prepared["domain_id"]))
        worker_cpu = sum(cpu_seconds(p.pid) for p in procs)
    finally:
        for proc in procs:
            os.kill(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()
    got = _sent(sandbox_url, prepared["appid"], prepared["template_id"], "oBnFan")
    rate = sent["sent"] / sent["seconds"] if sent["seconds"] else 0.0
    ratio = rate / sandbox_rate if sandbox_rate else 0.0
    ok = sent["seconds"] < GOAL_SECONDS and sent["sent"] == residents
    return [
        (
            f"notify fan-out: {residents:,} residents with grants (goal < {GOAL_SECONDS} s)",
            f"{sent['seconds']:.1f} s, {rate:,.0f} msg/s, {workers} worker(s) "
            f"[{'PASS' if ok else 'MISS'}]",
        ),
        (
            "sandbox subscribe/send accept rate (wrk, 32 conn)",
            f"{sandbox_rate:,.0f} msg/s ({accepted['messages']:,} accepted in "
            f"{probe.seconds:.1f} s)",
        ),
        (
            "fan-out / sandbox accept rate (goal >= 0.5)",
            f"{ratio:.2f} [{'PASS' if ratio >= 0.5 else 'MISS'}]",
        ),
        (
            "CPU per message: worker(s)",
            f"{worker_cpu / max(1, sent['sent']) * 1e6:,.0f} µs",
        ),
        (
            "fan-out outcome (sandbox record)",
            f"{got['messages']:,} messages to {got['recipients']:,} residents, at most "
            f"{got['most_to_one_recipient']} each; product: {sent['counts']}",
        ),
    ]


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _child(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "ops.bench_notify", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench_notify {args[0]} failed: {done.stderr[-800:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _sent(sandbox_url: str, appid: str, template_id: str, prefix: str) -> dict[str, int]:
    params = {"appid": appid, "template_id": template_id, "prefix": prefix}
    answer = httpx.get(f"{sandbox_url}/sandbox/subscribe-sent", params=params, timeout=120)
    answer.raise_for_status()
    return dict(answer.json())


# --- child commands (the stack's database and Redis) ---------------------------------------


async def _prepare(residents: int) -> dict[str, Any]:
    """Residents following one domain, each holding one grant here and one at WeChat."""
    from tortoise.transactions import in_transaction

    from gateway.auth.models import Resident
    from gateway.config import get_settings
    from matrix.wechat import service as wechat
    from mini_program.catalogue import service as catalogue
    from mini_program.notify.models import Follow, Grant
    from mini_program.notify.purposes import get_purpose

    settings = get_settings()
    template_id = get_purpose(PURPOSE).template_id
    domain_id = int((await catalogue.list_domains())[0]["id"])
    fan = [f"oBnFan{i:07d}" for i in range(residents)]
    for start in range(0, residents, 5000):
        async with in_transaction():
            await Resident.bulk_create([Resident(openid=o) for o in fan[start : start + 5000]])
    ids = await Resident.filter(openid__startswith="oBnFan").values_list("id", flat=True)
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        async with in_transaction():
            await Follow.bulk_create([Follow(resident_id=i, domain_id=domain_id) for i in part])
            await Grant.bulk_create(
                [Grant(resident_id=i, template_id=template_id, purpose=PURPOSE) for i in part]
            )
    probe = [f"oBnProbe{i:06d}" for i in range(SANDBOX_PROBE)]
    async with httpx.AsyncClient(base_url=settings.wechat_api_base, timeout=120) as sandbox:
        for openids in (fan, probe):
            for start in range(0, len(openids), GRANT_BATCH):
                answer = await sandbox.post(
                    "/sandbox/subscribe-grants",
                    json={
                        "appid": settings.mp_appid,
                        "template_id": template_id,
                        "openids": openids[start : start + GRANT_BATCH],
                    },
                )
                answer.raise_for_status()
    data = {
        "thing1": {"value": "关于秋季学期义务教育招生的通知"},
        "time3": {"value": "2026-07-01 10:30"},
    }
    bodies = [
        {"touser": o, "template_id": template_id, "page": "pages/index/index", "data": data}
        for o in probe
    ]
    return {
        "appid": settings.mp_appid,
        # The product's own token (from its token provider), for wrk's requests.
        "token": await wechat.get_access_token(appid=settings.mp_appid, secret=settings.mp_secret),
        "template_id": template_id,
        "domain_id": domain_id,
        "residents": len(ids),
        "probe_bodies": bodies,
    }


async def _send(domain_id: int) -> dict[str, Any]:
    """notify() the domain's followers and wait until the workers are done."""
    from mini_program.notify import service

    started = time.monotonic()
    queued = await service.notify(
        purpose=PURPOSE,
        object_key=f"bench:{int(time.time())}",
        domain_ids=[domain_id],
        data={"title": "关于2026年秋季学期义务教育阶段招生工作的通知", "time": _now()},
        page="pages/index/index",
    )
    while True:
        status = await service.campaign_status(campaign_id=queued["campaign_id"])
        if status is not None and status["state"] == "done":
            break
        if time.monotonic() - started > 1200:
            raise RuntimeError(f"fan-out not done after 20 minutes: {status}")
        await asyncio.sleep(0.2)
    seconds = time.monotonic() - started
    counts = {k: v for k, v in status["counts"].items() if v}
    return {"seconds": seconds, "sent": counts.get("sent", 0), "counts": counts}


def _now() -> Any:
    from gateway.clock import now

    return now()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command")
    prep = sub.add_parser("prepare")
    prep.add_argument("--residents", type=int, default=RESIDENTS)
    send = sub.add_parser("send")
    send.add_argument("--domain", type=int, required=True)
    parser.add_argument("--residents", type=int, default=RESIDENTS)
    parser.add_argument("--workers", type=int, default=WORKERS)
    args = parser.parse_args()
    if args.command in ("prepare", "send"):
        from gateway.cli import run_async

        if args.command == "prepare":
            result = run_async(lambda: _prepare(args.residents))
        else:
            result = run_async(lambda: _send(args.domain))
        print(json.dumps(result, ensure_ascii=False))
        return
    # Standalone: the bench's own stack with this part only (and the bare floor).
    from ops import bench

    os.environ["BENCH_NOTIFY_RESIDENTS"] = str(args.residents)
    os.environ["BENCH_NOTIFY_WORKERS"] = str(args.workers)
    bench.run(seconds=10, workers=1, only=frozenset({"bare", "notify"}))


if __name__ == "__main__":
    main()
