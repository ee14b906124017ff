"""What a `make bench` part is built from: the registry of parts, the running stack, rows.

A domain measures itself in its own module `ops/bench_<domain>.py`:

    from ops.bench_kit import Bench, Row, part

    @part("push")
    def push(bench: Bench) -> None:
        row = Row("/api/v1/admin/push (50 conn)", target=">= 40% of bare")
        bench.run(row, lambda: bench.measure_app("push", ["/api/v1/..."]), judge=bench.vs_bare(0.4))

and adds that module's name to PART_MODULES in ops/bench.py (one line). `--only push` then runs
it; parts run in registration order after the bare floor.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ops.bench_wrk import WrkResult, run_wrk, write_requests

ROOT = Path(__file__).resolve().parent.parent


class NotAvailable(Exception):
    """The endpoint does not exist yet at this commit: reported, not a failure."""


@dataclass
class Row:
    """One line of the bench table: a measured scenario and how it compares to its target."""

    name: str
    result: WrkResult | None = None
    note: str = ""
    target: str = ""
    verdict: str = ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=1)
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def status_of(url: str) -> int:
    try:
        return httpx.get(url, timeout=10).status_code
    except httpx.HTTPError:
        return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Stack:
    """The processes of one bench run; every one is stopped at the end, by its own pid."""

    def __init__(self, env: dict[str, str], directory: Path, govmatrix: str) -> None:
        self.env = env
        self.dir = directory
        self.govmatrix = govmatrix
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        # Run under py-spy: stop the server it runs (not py-spy), so Sanic stops its workers
        # and py-spy writes the profile when its target exits.
        self.profiled: set[str] = set()

    def start(self, name: str, args: list[str], health_url: str) -> None:
        log = open(self.dir / f"{name}.log", "w")  # closed when the process ends
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append((name, proc))
        wait_http(health_url, proc)

    def cli(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        """Run `govmatrix ARGS` against the bench's database and Redis; fail loudly."""
        done = subprocess.run(
            [self.govmatrix, *args],
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


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


Judge = Callable[[WrkResult], bool | None]


@dataclass
class Bench:
    """One bench run as the parts see it: the stack's addresses, the wrk set-up, the table."""

    stack: Stack
    app_url: str
    sandbox_url: str
    bare_url: str
    seconds: float
    script: Path
    rows: list[Row] = field(default_factory=list)
    extras: list[tuple[str, str]] = field(default_factory=list)
    # The bare Sanic endpoint's figure at 50 connections (the floor ratios are taken against).
    bare: WrkResult | None = None

    @property
    def dir(self) -> Path:
        return self.stack.dir

    def run(
        self, row: Row, fn: Callable[[], WrkResult | None], *, judge: Judge | None = None
    ) -> WrkResult | None:
        """Measure one row; a missing endpoint or a failure is noted in the table, not raised."""
        print(f"==> {row.name}")
        try:
            row.result = fn()
        except NotAvailable as exc:
            row.note = f"not available: {exc}"
        # A broken scenario (whatever broke it) must not hide the others' figures.
        except Exception as exc:  # noqa: BLE001
            row.note = f"failed: {exc}"[:120]
        if row.result is not None and judge is not None:
            ok = judge(row.result)
            if ok is not None:
                row.verdict = verdict(ok)
        self.rows.append(row)
        return row.result

    def measure(
        self, url: str, name: str, paths: list[str], *, connections: int = 50, warmup: float = 2
    ) -> WrkResult:
        """wrk against `url`, round-robin over `paths` (GET), after a short warm-up."""
        req_file = write_requests(self.dir / f"{name}.requests", paths)
        if warmup:
            run_wrk(url, req_file, self.script, seconds=warmup, connections=connections)
        return run_wrk(url, req_file, self.script, seconds=self.seconds, connections=connections)

    def measure_app(self, name: str, paths: list[str], *, connections: int = 50) -> WrkResult:
        """`measure` against the app, once its first path answers 200 (else NotAvailable)."""
        if not paths:
            raise NotAvailable("nothing to request")
        if (status := status_of(self.app_url + paths[0])) != 200:
            raise NotAvailable(f"{paths[0]} answers {status}")
        return self.measure(self.app_url, name, paths, connections=connections)

    def vs_bare(self, fraction: float) -> Judge:
        """PASS when the row reaches `fraction` of the bare endpoint's throughput."""
        return lambda r: None if not self.bare else r.ok_rps >= fraction * self.bare.ok_rps

    def note(self, label: str, value: str) -> None:
        """A figure printed under the table (counts, floors, anything that is not a wrk row)."""
        self.extras.append((label, value))


Part = Callable[[Bench], None]
# Part name → function, in registration order (the order they run and print in).
PARTS: dict[str, Part] = {}


def part(name: str) -> Callable[[Part], Part]:
    """Register a bench part under `name` (what `--only` selects)."""

    def register(fn: Part) -> Part:
        known = PARTS.get(name)
        if known is not None and known.__qualname__ != fn.__qualname__:
            raise ValueError(f"bench part {name!r} is registered twice")
        PARTS[name] = fn
        return fn

    return register
