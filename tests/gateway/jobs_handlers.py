"""Job handlers the job tests use, and a worker process entry point for the multi-process tests.

Every execution is written to the table `test_job_run`, so tests can count how often a job
really ran, whichever process ran it.

    python -m tests.gateway.jobs_handlers --until-idle       # run test jobs until none is left
    python -m tests.gateway.jobs_handlers --until-ticks 3    # run periodic ticks until 3 ran
"""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

from tortoise import connections

from gateway.db import current_dialect
from gateway.jobs import job, periodic, set_progress
from gateway.jobs.models import Job, JobState

TEST_KINDS = ["tests.record", "tests.fail", "tests.progress", "tests.tick"]
TICK_SECONDS = 1.0

progress_reached = asyncio.Event()
progress_may_finish = asyncio.Event()


async def create_run_table() -> None:
    await connections.get("default").execute_script(
        "CREATE TABLE IF NOT EXISTS test_job_run "
        "(job_id BIGINT NOT NULL, kind VARCHAR(64) NOT NULL, slot INTEGER, pid INTEGER NOT NULL)"
    )


async def runs(kind: str) -> list[dict[str, Any]]:
    marker = "$1" if current_dialect() == "postgres" else "?"
    return await connections.get("default").execute_query_dict(
        f"SELECT job_id, slot, pid FROM test_job_run WHERE kind = {marker} ORDER BY job_id",
        [kind],
    )


async def _record(kind: str, job_id: int, slot: int | None) -> None:
    marker = ("$1, $2, $3, $4") if current_dialect() == "postgres" else "?, ?, ?, ?"
    await connections.get("default").execute_query(
        f"INSERT INTO test_job_run (job_id, kind, slot, pid) VALUES ({marker})",
        [job_id, kind, slot, os.getpid()],
    )


@job("tests.record")
async def record(payload: dict[str, Any]) -> dict[str, Any]:
    from gateway.jobs import current_job_id

    job_id = current_job_id()
    assert job_id is not None
    # A little work, so concurrent workers overlap in time.
    await asyncio.sleep(payload.get("sleep", 0))
    await _record("tests.record", job_id, None)
    return {"recorded": job_id}


@job("tests.fail", retry_base=10)
async def fail(payload: dict[str, Any]) -> None:
    raise RuntimeError("演示失败：对方接口返回错误")


@job("tests.progress")
async def long_work(payload: dict[str, Any]) -> str:
    await set_progress(None, 40, "已处理 400 / 1000 条")
    progress_reached.set()
    await progress_may_finish.wait()
    return "done"


@periodic("tests.tick", TICK_SECONDS)
async def tick(payload: dict[str, Any]) -> None:
    from gateway.jobs import current_job_id

    await _record("tests.tick", current_job_id() or 0, payload["slot"])


async def _main(args: argparse.Namespace) -> None:
    from gateway.jobs.worker import Worker, serve_worker

    worker = Worker(concurrency=args.concurrency, poll_interval=0.05, kinds=TEST_KINDS)

    async def watch() -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + args.deadline
        while loop.time() < deadline:
            await asyncio.sleep(0.1)
            if args.until_signal:
                continue  # only SIGTERM/SIGINT stop this worker
            try:
                if args.until_ticks:
                    if len(await runs("tests.tick")) >= args.until_ticks:
                        break
                elif not await Job.filter(
                    kind="tests.record", state__in=[JobState.QUEUED, JobState.RUNNING]
                ).exists():
                    break
            # The database may not be connected for the first moments.
            except Exception:  # noqa: BLE001
                continue
        worker.stop()

    watcher = asyncio.get_running_loop().create_task(watch())
    await serve_worker(worker)
    watcher.cancel()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--until-ticks", type=int, default=0)
    parser.add_argument("--deadline", type=float, default=60.0)
    parser.add_argument("--until-signal", action="store_true")
    asyncio.run(_main(parser.parse_args()))
