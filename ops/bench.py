"""`make bench`: throughput and latency of the product against a bare Sanic endpoint.

    python -m ops.bench [--seconds 10] [--workers 1] [--only callback,tokens] [--profile OUT]

Sets up its own SQLite database under var/bench/ (or uses BENCH_DATABASE_URL), migrates,
starts the WeChat sandbox, loads the demo county, starts `govmatrix serve` and the bare app
(ops/bare_app.py) with the same worker count, and measures with wrk. Endpoints that do not
exist yet are reported as "not available". Figures only: nothing here is a test, and no
test asserts on time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import quote

import httpx

from ops import bench_callback, bench_consultations
from ops.bench_wrk import WRK, WrkResult, run_wrk, write_requests, write_script

ROOT = Path(__file__).resolve().parent.parent
# BENCH_DIR lets two benches run side by side (each wipes its directory at the start).
BENCH_DIR = Path(os.environ.get("BENCH_DIR") or ROOT / "var" / "bench").resolve()
BIN = Path(sys.executable).parent
GOVMATRIX = str(BIN / "govmatrix")
PARTS = ("bare", "reads", "search", "callback", "tokens", "consultations")
SEARCH_QUERIES = ["低保", "义务教育 入学", "医保", "危房改造", "养老保险", "营业执照", "招生"]
CALLBACK_BODIES = 50_000
CALLBACK_PAUSE_MS = 100


class NotAvailable(Exception):
    """The endpoint does not exist yet at this commit: reported, not a failure."""


@dataclass
class Row:
    name: str
    result: WrkResult | None = None
    note: str = ""
    target: str = ""
    verdict: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=1)
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


class Stack:
    """The processes of one bench run; every one is stopped at the end, by its own pid."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: list[tuple[str, subprocess.Popen]] = []
        # Run under py-spy: stop the server it runs (not py-spy), so Sanic stops its workers
        # and py-spy writes the profile when its target exits.
        self.profiled: set[str] = set()

    def start(self, name: str, args: list[str], health_url: str) -> None:
        log = open(BENCH_DIR / f"{name}.log", "w")  # closed when the process ends
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append((name, proc))
        wait_http(health_url, proc)

    def cli(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [GOVMATRIX, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"govmatrix {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def stop(self) -> None:
        for name, proc in reversed(self.procs):
            if proc.poll() is None:
                targets = _children(proc.pid) if name in self.profiled else []
                for pid in targets or [proc.pid]:
                    os.kill(pid, signal.SIGTERM)
        for _, proc in reversed(self.procs):
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def status_of(url: str) -> int:
    try:
        return httpx.get(url, timeout=10).status_code
    except httpx.HTTPError:
        return 0


def item_ids(app_url: str, limit: int = 12) -> list[int]:
    """A few catalogue item ids, from the API itself (the first items of several domains)."""
    ids: list[int] = []
    domains = httpx.get(f"{app_url}/api/v1/mp/domains", timeout=10).json().get("items", [])
    for domain in domains:
        page = httpx.get(f"{app_url}/api/v1/mp/domains/{domain['id']}/items", timeout=10)
        if page.status_code == 200:
            ids += [item["id"] for item in page.json().get("items", [])[:2]]
        if len(ids) >= limit:
            break
    return ids


def measure(
    stack_url: str,
    name: str,
    paths: list[str],
    *,
    seconds: float,
    connections: int,
    script: Path,
    warmup: float = 2,
) -> WrkResult:
    req_file = write_requests(BENCH_DIR / f"{name}.requests", paths)
    if warmup:
        run_wrk(stack_url, req_file, script, seconds=warmup, connections=connections)
    return run_wrk(stack_url, req_file, script, seconds=seconds, connections=connections)


def token_figure(stack: Stack, sandbox_url: str, processes: int = 10, calls: int = 100) -> str:
    """Token fetches caused by `processes` processes making `calls` calls each, together."""

    def fetches() -> int:
        total = 0
        for path in ("/cgi-bin/stable_token", "/cgi-bin/token"):
            resp = httpx.get(f"{sandbox_url}/sandbox/calls", params={"path": path}, timeout=10)
            total += int(resp.json().get("count", 0))
        return total

    # Forget every cached token, so the run starts from none (as after a cold start).
    import redis

    client = redis.Redis.from_url(stack.env["APP_REDIS_URL"])
    client.flushdb()
    client.close()
    before = fetches()
    start_at = time.time() + 4
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ops.bench_tokens",
                "--calls",
                str(calls),
                "--start-at",
                str(start_at),
            ],
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


def fmt_result(row: Row, bare: WrkResult | None) -> list[str]:
    r = row.result
    if r is None:
        return [row.name, "—", "—", "—", "—", row.target, row.note or "not available"]
    ratio = f"{r.ok_rps / bare.ok_rps:.0%}" if bare and bare.ok_rps else "—"
    errors = r.non2xx + r.socket_errors
    rps = f"{r.ok_rps:,.0f}" + (f" ({errors} err)" if errors else "")
    return [row.name, rps, f"{r.p95_ms:.1f}", f"{r.p99_ms:.1f}", ratio, row.target, row.verdict]


def print_table(rows: list[Row], bare: WrkResult | None, extras: list[tuple[str, str]]) -> None:
    header = ["endpoint", "req/s (2xx)", "p95 ms", "p99 ms", "vs bare", "target", "result"]
    body = [fmt_result(row, bare) for row in rows]
    widths = [max(_width(line[i]) for line in [header, *body]) for i in range(len(header))]
    print()
    for line in [header, ["-" * w for w in widths], *body]:
        print(
            "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(line, widths, strict=True))
        )
    print()
    for label, value in extras:
        print(f"{label}: {value}")


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def app_command(port: int, workers: int, profile: str | None) -> list[str]:
    serve = [GOVMATRIX, "serve", "--port", str(port), "--workers", str(workers), "--no-worker"]
    if not profile:
        return serve
    # py-spy follows Sanic's worker process; its output is written when the app stops.
    py_spy = BIN / "py-spy"
    if not py_spy.exists():
        sys.exit(f"{py_spy} is missing: .venv/bin/pip install py-spy")
    fmt = "speedscope" if profile.endswith(".json") else "flamegraph"
    return [
        str(py_spy),
        "record",
        "--gil",
        "--subprocesses",
        "-f",
        fmt,
        "-o",
        profile,
        "--",
        *serve,
    ]


@contextlib.contextmanager
def bench_stack(workers: int, profile: str | None = None) -> Iterator[tuple[Stack, str, str, str]]:
    if BENCH_DIR.exists():
        shutil.rmtree(BENCH_DIR)
    BENCH_DIR.mkdir(parents=True)
    sandbox_port, app_port, bare_port = free_port(), free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    app_url = f"http://127.0.0.1:{app_port}"
    env = {
        **os.environ,
        "APP_ENV": "development",
        # BENCH_DATABASE_URL: an empty PostgreSQL database instead (ops/postgres.sh makes one).
        "APP_DATABASE_URL": os.environ.get("BENCH_DATABASE_URL")
        or f"sqlite://{BENCH_DIR}/bench.sqlite3",
        "APP_REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        "APP_WECHAT_API_BASE": sandbox_url,
        "APP_MEDIA_DIR": str(BENCH_DIR / "media"),
        "APP_PUBLIC_BASE_URL": app_url,
        "APP_SANDBOX_STATE_DIR": str(BENCH_DIR / "sandbox"),
        # The search rows measure the full-text search itself, not the answer cache.
        "APP_SEARCH_CACHE_SECONDS": "0",
    }
    stack = Stack(env)
    if profile:
        stack.profiled.add("app")
    try:
        print(f"==> migrating a fresh database under {BENCH_DIR}")
        stack.cli("migrate")
        print("==> starting the WeChat sandbox")
        stack.start(
            "sandbox",
            [GOVMATRIX, "sandbox", "--port", str(sandbox_port)],
            f"{sandbox_url}/sandbox/calls",
        )
        print("==> loading the demo county")
        stack.cli("seed-demo")
        print(f"==> starting the app and the bare endpoint ({workers} worker(s) each)")
        stack.start("app", app_command(app_port, workers, profile), f"{app_url}/healthz")
        stack.start(
            "bare",
            [
                sys.executable,
                "-m",
                "ops.bare_app",
                "--port",
                str(bare_port),
                "--workers",
                str(workers),
            ],
            f"http://127.0.0.1:{bare_port}/bare",
        )
        yield stack, sandbox_url, app_url, f"http://127.0.0.1:{bare_port}"
    finally:
        stack.stop()


def run(
    seconds: float,
    workers: int,
    only: frozenset[str] = frozenset(PARTS),
    profile: str | None = None,
) -> None:
    if not Path(WRK).exists():
        sys.exit(f"{WRK} is missing: apt-get install wrk")
    with bench_stack(workers, profile) as (stack, sandbox_url, app_url, bare_url):
        script = write_script(BENCH_DIR)
        rows: list[Row] = []
        extras: list[tuple[str, str]] = []

        def scenario(row: Row, fn: Callable[[], WrkResult | None]) -> None:
            print(f"==> {row.name}")
            try:
                row.result = fn()
            except NotAvailable as exc:
                row.note = f"not available: {exc}"
            except Exception as exc:  # a broken scenario must not hide the others' figures
                row.note = f"failed: {exc}"[:120]
            rows.append(row)

        bare_row = Row("bare Sanic /bare (50 conn)")
        if "bare" in only:
            scenario(
                bare_row,
                lambda: measure(
                    bare_url, "bare", ["/bare"], seconds=seconds, connections=50, script=script
                ),
            )
        bare = bare_row.result

        def read_endpoint(name: str, paths: list[str]) -> WrkResult | None:
            if not paths:
                raise NotAvailable("no catalogue items in the demo county")
            if (status := status_of(app_url + paths[0])) != 200:
                raise NotAvailable(f"{paths[0]} answers {status}")
            return measure(app_url, name, paths, seconds=seconds, connections=50, script=script)

        def item_paths() -> list[str]:
            if (status := status_of(app_url + "/api/v1/mp/domains")) != 200:
                raise NotAvailable(f"/api/v1/mp/domains answers {status}")
            return [f"/api/v1/mp/items/{i}" for i in item_ids(app_url)]

        domains = Row("/api/v1/mp/domains (50 conn)", target=">= 40% of bare")
        items = Row("/api/v1/mp/items/{id} (50 conn)", target=">= 40% of bare")
        if "reads" in only:
            scenario(domains, lambda: read_endpoint("domains", ["/api/v1/mp/domains"]))
            scenario(items, lambda: read_endpoint("items", item_paths()))
        for row in (domains, items):
            if row.result and bare:
                row.verdict = verdict(row.result.ok_rps >= 0.4 * bare.ok_rps)

        def search(name: str, queries: list[str]) -> WrkResult | None:
            paths = [f"/api/v1/mp/search?q={quote(q)}" for q in queries]
            if (status := status_of(app_url + paths[0])) != 200:
                raise NotAvailable(f"search answers {status}")
            return measure(app_url, name, paths, seconds=seconds, connections=20, script=script)

        searches = (("search-dibao", ["低保"]), ("search-mixed", SEARCH_QUERIES))
        for name, queries in searches if "search" in only else ():
            label = "低保" if len(queries) == 1 else f"{len(queries)} queries"
            row = Row(f"/api/v1/mp/search {label}, uncached (20 conn)", target="p95 < 30 ms")
            scenario(row, partial(search, name, queries))
            if row.result:
                row.verdict = verdict(row.result.p95_ms < 30)

        callback = Row("/wechat/callback encrypted text (200 conn)", target="p99 < 50 ms")

        def callback_run() -> WrkResult | None:
            account = bench_callback.load_account(GOVMATRIX, stack.env)
            probe = bench_callback.build_requests(account, 1)[0]
            path, body = probe.split("\t", 1)
            first = httpx.post(app_url + path, content=body.encode(), timeout=10)
            if first.status_code == 404:
                raise NotAvailable("no callback endpoint (404)")
            if first.status_code != 200:
                raise RuntimeError(f"callback answered {first.status_code}: {first.text[:80]}")
            lines = bench_callback.build_requests(account, CALLBACK_BODIES)
            req_file = write_requests(BENCH_DIR / "callback.requests", lines)
            return run_wrk(app_url, req_file, script, seconds=seconds, connections=200, once=True)

        # The same senders at a human pace: each pauses after every answer. The closed loop
        # above ties p99 to throughput (200 in flight / messages per second); this shows the
        # latency a message sees when the worker is not saturated.
        paced = Row(
            f"/wechat/callback paced: 200 senders, 1 msg/{CALLBACK_PAUSE_MS} ms each",
            target="p99 < 50 ms",
        )

        def paced_run() -> WrkResult | None:
            account = bench_callback.load_account(GOVMATRIX, stack.env)
            lines = bench_callback.build_requests(account, CALLBACK_BODIES)
            req_file = write_requests(BENCH_DIR / "callback-paced.requests", lines)
            paced_script = bench_callback.paced_script(BENCH_DIR, CALLBACK_PAUSE_MS)
            return run_wrk(
                app_url, req_file, paced_script, seconds=seconds, connections=200, once=True
            )

        if "callback" in only:
            scenario(callback, callback_run)
            scenario(paced, paced_run)
            print("==> bare Sanic at 200 connections (the floor under the callback figure)")
            with contextlib.suppress(Exception):
                floor = measure(
                    bare_url, "bare200", ["/bare"], seconds=seconds, connections=200, script=script
                )
                extras.append(
                    (
                        "bare Sanic /bare at 200 conn (floor)",
                        f"{floor.ok_rps:,.0f} req/s, p50 {floor.p50_ms:.1f} ms, "
                        f"p99 {floor.p99_ms:.1f} ms",
                    )
                )
        if callback.result:
            callback.verdict = verdict(callback.result.p99_ms < 50)
            extras.append(("callback messages/s (accepted)", f"{callback.result.ok_rps:,.0f}"))
            extras.append(("callback p50 at 200 conn", f"{callback.result.p50_ms:.1f} ms"))
        if paced.result:
            paced.verdict = verdict(paced.result.p99_ms < 50)
            extras.append(("callback paced messages/s", f"{paced.result.ok_rps:,.0f}"))

        if "tokens" in only:
            print("==> token fetches: 10 processes x 100 calls")
            try:
                extras.append(
                    (
                        "token fetches, 10 processes x 100 calls (goal 1)",
                        token_figure(stack, sandbox_url),
                    )
                )
            except Exception as exc:
                extras.append(("token fetches", f"not available ({str(exc)[:100]})"))

        if "consultations" in only:
            extras += bench_consultations.run(
                env=stack.env,
                app_url=app_url,
                bare_url=bare_url,
                sandbox_url=sandbox_url,
                bench_dir=BENCH_DIR,
                seconds=seconds,
            )

    print_table(rows, bare, extras)
    print(
        f"\nworkers: {workers}, {seconds:.0f} s per endpoint, wrk 2 threads, "
        f"{os.cpu_count()} CPU(s); logs in {BENCH_DIR}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"comma-separated parts to run, of: {', '.join(PARTS)} (default: all)",
    )
    parser.add_argument(
        "--profile",
        metavar="OUT",
        help="run the app under py-spy and write its profile to OUT (.svg flame graph, "
        ".json speedscope)",
    )
    args = parser.parse_args()
    only = frozenset(p.strip() for p in args.only.split(",") if p.strip())
    if unknown := only - set(PARTS):
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    profile = str(Path(args.profile).resolve()) if args.profile else None
    run(args.seconds, args.workers, only, profile)


if __name__ == "__main__":
    main()
