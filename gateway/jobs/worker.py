"""The worker loop: `govmatrix worker`, and the worker process `govmatrix serve` manages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import uuid
from typing import Any

from gateway.config import get_settings
from gateway.connections import connect, disconnect
from gateway.jobs import core

log = logging.getLogger("govmatrix.jobs.worker")

PERIODIC_CHECK_SECONDS = 60.0


class Worker:
    """Claims due jobs and runs up to `concurrency` at once until asked to stop.

    SIGTERM or SIGINT stop claiming and let the running jobs finish; a second signal cancels
    them and hands them back to the queue.
    """

    def __init__(
        self,
        *,
        concurrency: int = 4,
        poll_interval: float = 1.0,
        lease_seconds: float = core.DEFAULT_LEASE_SECONDS,
        kinds: list[str] | None = None,
        name: str | None = None,
    ) -> None:
        self.concurrency = max(1, concurrency)
        self.poll_interval = poll_interval
        self.lease_seconds = lease_seconds
        self.kinds = kinds
        self.id = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._stop = asyncio.Event()
        self._running: set[asyncio.Task[Any]] = set()
        self._signals = 0

    def stop(self) -> None:
        self._signals += 1
        self._stop.set()
        if self._signals > 1:
            for task in self._running:
                task.cancel()

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.stop)

    async def run(self) -> None:
        core.ensure_discovered()
        kinds = self.kinds or core.registered_kinds()
        log.info("worker %s started: %d slots, kinds %s", self.id, self.concurrency, kinds)
        loop = asyncio.get_running_loop()
        next_periodic = 0.0
        while not self._stop.is_set():
            if loop.time() >= next_periodic:
                await self._guard(core.ensure_periodic(kinds=kinds))
                next_periodic = loop.time() + PERIODIC_CHECK_SECONDS
            free = self.concurrency - len(self._running)
            claimed: list[core.Job] = []
            if free > 0:
                claimed = (
                    await self._guard(
                        core.claim(
                            self.id, limit=free, lease_seconds=self.lease_seconds, kinds=kinds
                        )
                    )
                    or []
                )
            for row in claimed:
                task = asyncio.create_task(self._run_one(row))
                self._running.add(task)
                task.add_done_callback(self._running.discard)
            if claimed and len(self._running) < self.concurrency:
                continue  # more may be due right now
            await self._wait()
        if self._running:
            log.info("worker %s finishing %d running job(s)", self.id, len(self._running))
            await asyncio.gather(*self._running, return_exceptions=True)
        log.info("worker %s stopped", self.id)

    async def _wait(self) -> None:
        # Wake on stop, when a slot frees up, or after the poll interval.
        waiters: set[asyncio.Future[Any]] = {asyncio.ensure_future(self._stop.wait())}
        waiters |= set(self._running)
        _done, pending = await asyncio.wait(
            waiters, timeout=self.poll_interval, return_when=asyncio.FIRST_COMPLETED
        )
        for fut in pending:
            if fut not in self._running:
                fut.cancel()

    async def _run_one(self, row: core.Job) -> None:
        await self._guard(core._schedule_next_periodic(row))
        await core.execute(row, worker_id=self.id, lease_seconds=self.lease_seconds)

    async def _guard(self, coro: Any) -> Any:
        # A database hiccup must not kill the worker: log it and try again next poll.
        try:
            return await coro
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("worker %s: database call failed", self.id)
            await asyncio.sleep(self.poll_interval)
            return None


async def serve_worker(worker: Worker, *, with_connections: bool = True) -> None:
    """Connect to the database and Redis, run the worker until stopped, disconnect."""
    settings = get_settings()
    if with_connections:
        await connect(database_url=settings.database_url, redis_url=settings.redis_url)
    try:
        worker.install_signal_handlers()
        await worker.run()
    finally:
        if with_connections:
            await disconnect()


def run_worker(concurrency: int = 4, poll_interval: float = 1.0) -> None:
    """Process entry point: used by `govmatrix worker` and by the process `serve` manages."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(serve_worker(Worker(concurrency=concurrency, poll_interval=poll_interval)))


def managed_worker(concurrency: int = 2) -> None:
    """Run inside a Sanic-managed process (spawned, so this must be a module-level function)."""
    run_worker(concurrency=concurrency)


def attach(app: Any) -> None:
    """Let `govmatrix serve` run a job worker next to the HTTP workers (development default).

    Enabled when app.config.JOBS_WORKER is true; `serve` sets it from `--worker/--no-worker`,
    defaulting to on in development only (production runs `govmatrix worker` units, and the
    test suite runs jobs inline with `run_due`).
    """

    @app.main_process_ready
    async def _start_job_worker(app: Any) -> None:
        enabled = app.config.get("JOBS_WORKER")
        if enabled is None:
            enabled = app.ctx.settings.env == "development"
        # Fired only under the process manager, never with --single-process.
        if enabled:
            app.manager.manage("govmatrix-jobs", managed_worker, {"concurrency": 2}, transient=True)
