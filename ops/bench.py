"""`make bench`: throughput and latency of the product against a bare Sanic endpoint.

    python -m ops.bench [--seconds 10] [--workers 1] [--only callback,tokens] [--profile OUT]

Sets up its own SQLite database under var/bench/ (or uses BENCH_DATABASE_URL), migrates,
starts the WeChat sandbox, loads the demo county, starts `govmatrix serve` and the bare app
(ops/bare_app.py) with the same worker count, and measures with wrk. Endpoints that do not
exist yet are reported as "not available". Figures only: nothing here is a test, and no
test asserts on time.

The parts live in their domains' modules (`ops/bench_<domain>.py`, see ops/bench_kit.py);
PART_MODULES lists them, one line each.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from ops.bench_kit import PARTS, ROOT, Bench, Row, Stack, free_port, part
from ops.bench_wrk import WRK, WrkResult, write_script

# Modules registering bench parts (`@part`), in the order they run after the bare floor.
PART_MODULES = (
    "ops.bench_catalogue",
    "ops.bench_callback",
    "ops.bench_tokens",
    "ops.bench_notify",
    "ops.bench_applications",
    "ops.bench_broadcast",
    "ops.bench_hall",
    "ops.bench_push",
    "ops.bench_consultations",
)

# BENCH_DIR lets two benches run side by side (each wipes its directory at the start).
BENCH_DIR = Path(os.environ.get("BENCH_DIR") or ROOT / "var" / "bench").resolve()
BIN = Path(sys.executable).parent
GOVMATRIX = str(BIN / "govmatrix")


@part("bare")
def bare(bench: Bench) -> None:
    """A bare Sanic route returning a constant: the floor every ratio is taken against."""
    bench.bare = bench.run(
        Row("bare Sanic /bare (50 conn)"),
        lambda: bench.measure(bench.bare_url, "bare", ["/bare"], connections=50),
    )


def load_parts() -> dict[str, object]:
    for module in PART_MODULES:
        importlib.import_module(module)
    return dict(PARTS)


def fmt_result(row: Row, bare: WrkResult | None) -> list[str]:
    r = row.result
    if r is None:
        return [row.name, "—", "—", "—", "—", row.target, row.note or "not available"]
    ratio = f"{r.ok_rps / bare.ok_rps:.0%}" if bare and bare.ok_rps else "—"
    errors = r.non2xx + r.socket_errors
    rps = f"{r.ok_rps:,.0f}" + (f" ({errors} err)" if errors else "")
    return [row.name, rps, f"{r.p95_ms:.1f}", f"{r.p99_ms:.1f}", ratio, row.target, row.verdict]


def print_table(bench: Bench) -> None:
    header = ["endpoint", "req/s (2xx)", "p95 ms", "p99 ms", "vs bare", "target", "result"]
    body = [fmt_result(row, bench.bare) for row in bench.rows]
    widths = [max(_width(line[i]) for line in [header, *body]) for i in range(len(header))]
    print()
    for line in [header, ["-" * w for w in widths], *body]:
        print(
            "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(line, widths, strict=True))
        )
    print()
    for label, value in bench.extras:
        print(f"{label}: {value}")


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


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


def bench_env(sandbox_url: str, app_url: str) -> dict[str, str]:
    return {
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


@contextlib.contextmanager
def bench_stack(workers: int, seconds: float, profile: str | None = None) -> Iterator[Bench]:
    if BENCH_DIR.exists():
        shutil.rmtree(BENCH_DIR)
    BENCH_DIR.mkdir(parents=True)
    sandbox_port, app_port, bare_port = free_port(), free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    app_url = f"http://127.0.0.1:{app_port}"
    bare_url = f"http://127.0.0.1:{bare_port}"
    stack = Stack(bench_env(sandbox_url, app_url), BENCH_DIR, GOVMATRIX)
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
        bare_app = [sys.executable, "-m", "ops.bare_app", "--port", str(bare_port)]
        stack.start("bare", [*bare_app, "--workers", str(workers)], f"{bare_url}/bare")
        yield Bench(
            stack=stack,
            app_url=app_url,
            sandbox_url=sandbox_url,
            bare_url=bare_url,
            seconds=seconds,
            script=write_script(BENCH_DIR),
        )
    finally:
        stack.stop()


def run(seconds: float, workers: int, only: frozenset[str], profile: str | None = None) -> None:
    if not Path(WRK).exists():
        sys.exit(f"{WRK} is missing: apt-get install wrk")
    with bench_stack(workers, seconds, profile) as bench:
        for name, fn in PARTS.items():
            if name in only:
                fn(bench)
    print_table(bench)
    print(
        f"\nworkers: {workers}, {seconds:.0f} s per endpoint, wrk 2 threads, "
        f"{os.cpu_count()} CPU(s); logs in {BENCH_DIR}"
    )


def main() -> None:
    parts = load_parts()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--only",
        default=",".join(parts),
        help=f"comma-separated parts to run, of: {', '.join(parts)} (default: all)",
    )
    parser.add_argument(
        "--profile",
        metavar="OUT",
        help="run the app under py-spy and write its profile to OUT (.svg flame graph, "
        ".json speedscope)",
    )
    args = parser.parse_args()
    only = frozenset(p.strip() for p in args.only.split(",") if p.strip())
    if unknown := only - set(parts):
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    profile = str(Path(args.profile).resolve()) if args.profile else None
    run(args.seconds, args.workers, only, profile)


if __name__ == "__main__":
    main()
