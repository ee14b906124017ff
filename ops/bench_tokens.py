"""`make bench` part "tokens": how many access-token fetches ten processes cause together.

Each process (ops/bench_token_client.py) makes 100 WeChat calls through the product's client,
all at the same moment, starting with no token cached; the goal is one fetch in all.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import redis

from ops.bench_kit import ROOT, Bench, Stack, part


def token_figure(stack: Stack, sandbox_url: str, processes: int = 10, calls: int = 100) -> str:
    """Token fetches caused by `processes` processes making `calls` calls each, together."""

    def fetches() -> int:
        total = 0
        for path in ("/cgi-bin/stable_token", "/cgi-bin/token"):
            resp = httpx.get(f"{sandbox_url}/sandbox/calls", params={"path": path}, timeout=10)
            total += int(resp.json().get("count", 0))
        return total

    # Forget every cached token, so the run starts from none (as after a cold start).
    client = redis.Redis.from_url(stack.env["APP_REDIS_URL"])
    client.flushdb()
    client.close()
    before = fetches()
    start_at = time.time() + 4
    command = [sys.executable, "-m", "ops.bench_token_client", "--calls", str(calls)]
    procs = [
        subprocess.Popen(
            [*command, "--start-at", str(start_at)],
            cwd=ROOT,
            env=stack.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    ok = failed = 0
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(err.strip().splitlines()[-1] if err.strip() else "failed")
        data = json.loads(out.strip().splitlines()[-1])
        ok, failed = ok + data["ok"], failed + data["failed"]
    return f"{fetches() - before} token fetch(es) for {ok} calls ({failed} failed)"


@part("tokens")
def tokens(bench: Bench) -> None:
    print("==> token fetches: 10 processes x 100 calls")
    try:
        figure = token_figure(bench.stack, bench.sandbox_url)
    except Exception as exc:  # noqa: BLE001 (reported under the table like the others)
        bench.note("token fetches", f"not available ({str(exc)[:100]})")
        return
    bench.note("token fetches, 10 processes x 100 calls (goal 1)", figure)
