"""Micro-batching: concurrent requests hand items to one task that serves them together.

The callback endpoint uses it twice (matrix/service/intake.py): for the Redis claims (nonce and
dedupe keys of many requests in one script call, on one connection) and for the group commit
of follower messages (intake_writer.py). A request submits an item and awaits its future; the
task takes everything pending, calls `flush(items)` once and resolves each future with its
result. While one flush runs the next batch accumulates, so batches grow with the load and a
lone item is served at once (no fixed wait).

If a flush of several items raises and `retry_singly` is set, each item is flushed alone, so one
bad item fails only its own request. When the task is not running (tests calling services in
their own process, the CLI, a request finishing during shutdown) `submit` flushes the item
directly. `stop()` serves everything pending before the task ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

log = logging.getLogger("govmatrix.matrix.callback")

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    """One task per process serving items in batches (see the module docstring)."""

    def __init__(
        self,
        name: str,
        flush: Callable[[Sequence[T]], Awaitable[Sequence[R]]],
        *,
        max_batch: int = 500,
        retry_singly: bool = False,
    ) -> None:
        self.name = name
        self._flush_fn = flush
        self.max_batch = max_batch
        self.retry_singly = retry_singly
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.batches = 0
        self.items = 0
        self.largest = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done() and not self._closing

    def start(self) -> None:
        self._closing = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Serve everything pending, then end the task."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def submit(self, item: T) -> R:
        """The item's result once its batch is done; the flush's exception if it failed."""
        if not self.running:
            return (await self._flush_fn([item]))[0]
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        self._wake.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
                await self._serve(batch)
            if self._closing:
                return

    async def _serve(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self._flush_fn([item for item, _ in batch])
        # Whatever the flush raises belongs to the callers waiting on it: each gets it.
        except Exception as exc:  # noqa: BLE001
            if not self.retry_singly or len(batch) == 1:
                for _, future in batch:
                    _settle(future, exc=exc)
                return
            log.warning(
                "%s: batch of %d failed (%s); serving its items one by one",
                self.name,
                len(batch),
                type(exc).__name__,
            )
            for item, future in batch:
                try:
                    result = (await self._flush_fn([item]))[0]
                except Exception as one:  # noqa: BLE001 (handed to that item's caller)
                    _settle(future, exc=one)
                else:
                    _settle(future, result)
            return
        self.batches += 1
        self.items += len(batch)
        self.largest = max(self.largest, len(batch))
        for (_, future), result in zip(batch, results, strict=True):
            _settle(future, result)


def _settle(
    future: asyncio.Future[R], result: R | None = None, exc: Exception | None = None
) -> None:
    if future.done():  # the request went away (cancelled); its item was served anyway
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)  # type: ignore[arg-type]
