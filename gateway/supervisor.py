"""Worker processes that come back: `govmatrix serve` replaces a worker that dies.

Sanic's process manager (25.x) starts the HTTP workers and the development job worker but
never replaces one that dies: after `kill -9` (or the kernel's OOM killer) the main process
keeps the port while capacity silently halves, and with every worker gone each request hangs
while systemd, seeing the main process alive, never restarts anything.

A thread in the main process looks at the managed processes twice a second. A dead one is
logged and handed back to Sanic's own restart path (the message `app.m.restart()` sends to
the manager's monitor), so the replacement is made on the manager's thread exactly as an
auto-reload makes one. A process that keeps dying (APP_WORKER_RESTART_LIMIT times within
APP_WORKER_RESTART_WINDOW seconds: a worker that crashes at start, a database that refuses
it) is given up on: the
main process shuts down and `govmatrix serve` exits with status 1, so systemd's
`Restart=on-failure` starts everything afresh.

`worker_health()` is the workers' side: /healthz reads the manager's shared process table.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from sanic import DefaultSanic
from sanic.worker.constants import ProcessState

log = logging.getLogger("govmatrix.supervisor")

CHECK_INTERVAL = 0.5
# Exit status of `govmatrix serve` when it gave up replacing a worker.
GAVE_UP_STATUS = 1

_gave_up = threading.Event()


def gave_up() -> bool:
    """Whether this (main) process shut down because a worker kept dying."""
    return _gave_up.is_set()


class Supervisor:
    """Replaces dead transient processes (HTTP workers, the development job worker)."""

    def __init__(
        self,
        manager: Any,
        *,
        limit: int,
        window: float,
        interval: float = CHECK_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.manager = manager
        self.limit = limit
        self.window = window
        self.interval = interval
        self.clock = clock
        self._restarts: dict[str, deque[float]] = {}
        self._handled: set[tuple[str, int]] = set()
        self._stop = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name="govmatrix-supervisor", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        # time.sleep rather than Event.wait(timeout): a lock's timed wait is an absolute
        # deadline the kernel checks, and under libfaketime (ops/midnight.sh) it never came.
        while not self._stop.is_set():
            time.sleep(self.interval)
            try:
                self.check()
            # The supervisor must outlive anything odd in the manager's state (a process
            # table entry removed under it, a pipe closing at shutdown): log and look again.
            except Exception:
                log.exception("supervisor check failed")

    def check(self) -> None:
        """Look at every managed process once; replace the dead ones."""
        if self.manager._shutting_down or _gave_up.is_set():
            return
        for process in list(self.manager.transient_processes):
            if self._is_dead(process):
                self._replace(process)

    def _is_dead(self, process: Any) -> bool:
        if process.state in (ProcessState.RESTARTING, ProcessState.TERMINATED):
            return False  # Sanic is restarting or stopping it itself
        pid = process.pid
        if pid is None or (process.name, pid) in self._handled or process.is_alive():
            return False
        # Read again: a restart (auto-reload) may have begun while we looked.
        return process.state not in (ProcessState.RESTARTING, ProcessState.TERMINATED)

    def _replace(self, process: Any) -> None:
        name, pid = process.name, process.pid
        self._handled.add((name, pid))
        now = self.clock()
        recent = self._restarts.setdefault(name, deque())
        while recent and now - recent[0] > self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            log.critical(
                "worker %s died %d times within %d s (last pid %s, exit code %s): giving up; "
                "stopping the server so that its service manager restarts it",
                name,
                len(recent) + 1,
                self.window,
                pid,
                process.exitcode,
            )
            _gave_up.set()
            # The same path as `systemctl stop`: workers stop cleanly, then `serve` exits 1.
            os.kill(os.getpid(), signal.SIGTERM)
            return
        recent.append(now)
        log.error(
            "worker %s (pid %s) died with exit code %s; starting a replacement "
            "(restart %d of at most %d within %d s)",
            name,
            pid,
            process.exitcode,
            len(recent),
            self.limit,
            self.window,
        )
        # Sanic's own restart message, handled on the manager's thread.
        self.manager.monitor_publisher.send(f"{name}:")


def set_start_timeout(seconds: float) -> None:
    """How long the manager waits for every worker to acknowledge its start.

    Sanic keeps it as a class attribute counted in 0.1 s polls (30 s) with no setting; a
    worker still loading when it runs out takes the whole server down.
    """
    from sanic.worker.manager import WorkerManager
    from sanic.worker.process import WorkerProcess

    polls = max(1, int(seconds * 10))
    WorkerManager.THRESHOLD = polls
    WorkerProcess.THRESHOLD = polls


def attach(app: DefaultSanic) -> None:
    """Supervise the processes `govmatrix serve` manages (not with --single-process)."""

    @app.main_process_ready
    async def _supervise(app: DefaultSanic) -> None:
        settings = app.ctx.settings
        supervisor = Supervisor(
            app.manager,
            limit=settings.worker_restart_limit,
            window=settings.worker_restart_window,
        )
        app.ctx.supervisor = supervisor
        supervisor.start()

    @app.main_process_stop
    async def _stop_supervising(app: DefaultSanic) -> None:
        supervisor = getattr(app.ctx, "supervisor", None)
        if supervisor is not None:
            supervisor.stop()


def worker_health(app: DefaultSanic) -> dict[str, Any] | None:
    """HTTP workers serving out of those started, restarts so far, and whether the job worker
    `serve` runs is up; None in a single process (no manager, nothing to report)."""
    if not hasattr(app, "multiplexer"):
        return None
    table: dict[str, dict[str, Any]] = app.m.workers
    servers = [entry for entry in table.values() if entry.get("server")]
    serving = sum(1 for entry in servers if entry.get("state") == ProcessState.ACKED.name)
    restarts = sum(max(0, int(entry.get("starts", 1)) - 1) for entry in table.values())
    report: dict[str, Any] = {
        "serving": serving,
        "expected": len(servers),
        "restarts": restarts,
    }
    jobs = [entry for name, entry in table.items() if "govmatrix-jobs" in name]
    if jobs:
        report["job_worker"] = (
            "running" if jobs[0].get("state") == ProcessState.STARTED.name else "down"
        )
    return report
