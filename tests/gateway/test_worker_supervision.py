"""`govmatrix serve` replaces worker processes that die, and gives up (exit 1) when one keeps
dying, so that systemd restarts the service."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import GOVMATRIX, ROOT, RUN_DIR, TEST_ENV, free_port

SERVERS = ("Sanic-Server-0-0", "Sanic-Server-1-0")
JOBS = "Sanic-govmatrix-jobs-0"
WAIT = 120.0  # a bound for a broken build, not a timing: replacements take seconds


@dataclass
class Served:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def workers(self) -> dict[str, int]:
        """The main process's children by Sanic worker name (read from /proc)."""
        found: dict[str, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if ppid != self.proc.pid:
                    continue
                environ = (entry / "environ").read_bytes().split(b"\0")
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile, or a zombie
            for item in environ:
                if item.startswith(b"SANIC_WORKER_NAME="):
                    found[item.split(b"=", 1)[1].decode()] = int(entry.name)
        return found

    def health(self) -> dict[str, Any] | None:
        try:
            return httpx.get(self.url + "/healthz", timeout=2).json()  # type: ignore[no-any-return]
        except httpx.HTTPError:
            return None  # no worker serving right now

    def wait_health(self, ok: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            body = self.health()
            if body is not None and ok(body):
                return body
            time.sleep(0.1)
        raise AssertionError(f"healthz never satisfied the check; last {body}")


@contextlib.contextmanager
def serve(*args: str, **env: str) -> Iterator[Served]:
    """`govmatrix serve` under its process manager (not --single-process), on a free port."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = RUN_DIR / f"server-supervised-{os.getpid()}-{port}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [GOVMATRIX, "serve", "--port", str(port), *args],
            cwd=ROOT,
            env={
                **os.environ,
                **TEST_ENV,
                # No sandbox: each worker would re-register the suite's accounts' callback
                # URLs with it at start, pointing them at this short-lived server.
                "APP_WECHAT_API_BASE": f"http://127.0.0.1:{free_port()}",
                "APP_PUBLIC_BASE_URL": url,
                # A machine busy with other suites may take longer than a minute to start
                # three workers; waiting is all this test needs of it.
                "APP_WORKER_START_TIMEOUT": "300",
                **env,
            },
            stdout=out,
            stderr=subprocess.STDOUT,
            # Sanic kills a worker's whole process group when workers fail to start in time:
            # that must not be pytest's.
            start_new_session=True,
        )
        try:
            yield Served(url=url, proc=proc, log=log)
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(30)


def _all_serving(body: dict[str, Any]) -> bool:
    workers = body.get("workers", {})
    return body["status"] == "ok" and workers.get("serving") == workers.get("expected")


def test_killed_workers_are_replaced_and_the_service_answers_again(prepared_database):
    with serve("--workers", "2", "--worker") as served:
        first = served.wait_health(_all_serving)
        assert first["workers"] == {
            "serving": 2,
            "expected": 2,
            "restarts": 0,
            "job_worker": "running",
        }
        before = served.workers()
        assert set(before) == {*SERVERS, JOBS}

        os.kill(before[SERVERS[0]], signal.SIGKILL)
        killed_at = time.monotonic()
        # Meanwhile the other worker answers, and says the truth about the one missing.
        degraded = served.wait_health(lambda b: b["workers"]["serving"] == 1)
        assert degraded["status"] == "degraded"
        assert degraded["checks"]["workers"] == "degraded: 1 of 2 serving"
        back = served.wait_health(_all_serving)
        print(f"\none killed worker replaced in {time.monotonic() - killed_at:.1f} s")
        assert back["workers"]["restarts"] == 1
        after = served.workers()
        assert after[SERVERS[0]] != before[SERVERS[0]]
        assert after[SERVERS[1]] == before[SERVERS[1]]
        assert httpx.get(served.url + "/api/v1/mp/domains", timeout=10).status_code == 200

        # Every worker at once, the job worker too: all come back.
        for pid in after.values():
            os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        again = served.wait_health(lambda b: _all_serving(b) and b["workers"]["restarts"] == 4)
        print(f"all three killed workers replaced in {time.monotonic() - killed_at:.1f} s")
        assert again["workers"]["job_worker"] == "running"
        assert not set(served.workers().values()) & set(after.values())
    log = served.log.read_text()
    assert f"worker {SERVERS[0]} (pid {before[SERVERS[0]]}) died with exit code -9" in log
    assert f"worker {JOBS} (pid {after[JOBS]}) died with exit code -9" in log


def test_a_worker_that_keeps_dying_makes_serve_exit_1_for_systemd(prepared_database):
    with serve("--workers", "1", "--no-worker", APP_WORKER_RESTART_LIMIT="1") as served:
        served.wait_health(_all_serving)
        first = served.workers()["Sanic-Server-0-0"]
        os.kill(first, signal.SIGKILL)
        served.wait_health(lambda b: _all_serving(b) and b["workers"]["restarts"] == 1)
        os.kill(served.workers()["Sanic-Server-0-0"], signal.SIGKILL)
        assert served.proc.wait(WAIT) == 1
    log = served.log.read_text()
    assert "giving up" in log
    assert "a worker process kept dying" in log
