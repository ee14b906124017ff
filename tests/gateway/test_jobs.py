"""Durable jobs on the real database: transactions, claiming across processes, leases, retries."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest
from tortoise.transactions import in_transaction

from gateway.jobs import claim, enqueue, run_due
from gateway.jobs.core import now_utc
from gateway.jobs.models import Job, JobState
from gateway.jobs.service import count_by_state, retry_job
from tests.conftest import ROOT
from tests.gateway import jobs_handlers as handlers

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture(autouse=True)
async def clean_test_jobs(db: None) -> None:
    await handlers.create_run_table()
    await Job.filter(kind__in=handlers.TEST_KINDS).delete()
    from tortoise import connections

    await connections.get("default").execute_script("DELETE FROM test_job_run")


def start_workers(*args: str, count: int = 2) -> list[subprocess.Popen]:
    return [
        subprocess.Popen(
            [sys.executable, "-m", "tests.gateway.jobs_handlers", *args],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(count)
    ]


def wait_all(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, out


async def test_job_enqueued_in_a_rolled_back_transaction_never_exists() -> None:
    async def save_then_fail() -> None:
        async with in_transaction():
            await enqueue("tests.record", {"n": 1}, key="rolled-back")
            raise RuntimeError("the caller's save failed")

    with pytest.raises(RuntimeError):
        await save_then_fail()
    assert not await Job.filter(key="rolled-back").exists()

    async with in_transaction():
        saved = await enqueue("tests.record", {"n": 2}, key="committed")
    assert (await Job.get(key="committed")).id == saved.id


async def test_enqueue_with_the_same_key_returns_the_first_job() -> None:
    first = await enqueue("tests.record", {"n": 1}, key="push.send:plan:42")
    async with in_transaction():
        second = await enqueue("tests.record", {"n": 2}, key="push.send:plan:42")
    assert second.id == first.id
    assert await Job.filter(key="push.send:plan:42").count() == 1
    assert (await Job.get(id=first.id)).payload == {"n": 1}


async def test_due_job_runs_inline_and_records_its_result() -> None:
    queued = await enqueue("tests.record", {"sleep": 0})
    later = await enqueue("tests.record", {}, run_at=now_utc() + timedelta(hours=1))

    assert await run_due(kinds=handlers.TEST_KINDS) == 1

    done = await Job.get(id=queued.id)
    assert done.state == JobState.SUCCEEDED
    assert done.result == {"recorded": queued.id}
    assert done.progress == 100
    assert done.attempts == 1
    assert done.locked_by is None
    assert (await Job.get(id=later.id)).state == JobState.QUEUED
    assert [r["job_id"] for r in await handlers.runs("tests.record")] == [queued.id]


async def test_two_worker_processes_never_run_a_job_twice() -> None:
    ids = [(await enqueue("tests.record", {"sleep": 0.01})).id for _ in range(120)]

    wait_all(start_workers("--concurrency", "4"))

    executed = Counter(r["job_id"] for r in await handlers.runs("tests.record"))
    assert sorted(executed) == sorted(ids)
    assert set(executed.values()) == {1}
    states = await Job.filter(id__in=ids).values_list("state", flat=True)
    assert set(states) == {JobState.SUCCEEDED}


async def test_job_of_a_dead_worker_is_taken_over_when_its_lease_expires() -> None:
    queued = await enqueue("tests.record", {})
    [taken] = await claim("worker-that-died", limit=1, lease_seconds=60, kinds=handlers.TEST_KINDS)
    assert taken.id == queued.id
    assert taken.state == JobState.RUNNING

    # While the lease holds, nobody else may run it.
    assert await run_due(kinds=handlers.TEST_KINDS) == 0
    assert await handlers.runs("tests.record") == []

    after_lease = now_utc() + timedelta(seconds=61)
    assert await run_due(kinds=handlers.TEST_KINDS, now=after_lease) == 1
    done = await Job.get(id=queued.id)
    assert done.state == JobState.SUCCEEDED
    assert done.attempts == 2
    assert len(await handlers.runs("tests.record")) == 1


async def test_failing_job_retries_with_growing_backoff_then_goes_dead() -> None:
    failing = await enqueue("tests.fail", {"to": "oOpenid"}, max_attempts=3)
    delays = []

    assert await run_due(kinds=handlers.TEST_KINDS) == 1
    for attempt in (1, 2):
        row = await Job.get(id=failing.id)
        assert row.state == JobState.FAILED
        assert row.attempts == attempt
        assert "演示失败" in (row.last_error or "")
        delays.append(row.run_at - row.updated_at)
        # Not due yet: the backoff holds it back.
        assert await run_due(kinds=handlers.TEST_KINDS, now=row.updated_at) == 0
        assert await run_due(kinds=handlers.TEST_KINDS, now=row.run_at) == 1

    assert timedelta(0) < delays[0] < delays[1]
    dead = await Job.get(id=failing.id)
    assert dead.state == JobState.DEAD
    assert dead.attempts == 3
    assert "演示失败" in (dead.last_error or "")
    assert dead.finished_at is not None
    far_future = now_utc() + timedelta(days=30)
    assert await run_due(kinds=handlers.TEST_KINDS, now=far_future) == 0
    assert (await count_by_state())["dead"] >= 1

    revived = await retry_job(job_id=failing.id)
    assert revived.state == JobState.QUEUED
    assert revived.attempts == 0


async def test_worker_finishes_its_running_job_when_told_to_stop() -> None:
    import asyncio
    import signal

    slow = await enqueue("tests.record", {"sleep": 1.5})
    [proc] = start_workers("--until-signal", "--concurrency", "1", count=1)
    try:
        for _ in range(300):
            if (await Job.get(id=slow.id)).state == JobState.RUNNING:
                break
            await asyncio.sleep(0.05)
        assert (await Job.get(id=slow.id)).state == JobState.RUNNING
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    done = await Job.get(id=slow.id)
    assert done.state == JobState.SUCCEEDED
    assert done.attempts == 1
    assert [r["job_id"] for r in await handlers.runs("tests.record")] == [slow.id]


async def test_periodic_job_runs_once_per_interval_across_two_workers() -> None:
    wait_all(start_workers("--until-ticks", "3", "--concurrency", "2"))

    ticks = await handlers.runs("tests.tick")
    slots = Counter(r["slot"] for r in ticks)
    assert len(slots) >= 3
    assert set(slots.values()) == {1}, f"a slot ran twice: {slots}"
    keys = await Job.filter(kind="tests.tick").values_list("key", flat=True)
    assert len(keys) == len(set(keys))
    await Job.filter(kind="tests.tick").delete()


async def test_progress_of_a_running_job_is_visible() -> None:
    import asyncio

    handlers.progress_reached.clear()
    handlers.progress_may_finish.clear()
    long = await enqueue("tests.progress", {})
    runner = asyncio.create_task(run_due(kinds=["tests.progress"]))
    await asyncio.wait_for(handlers.progress_reached.wait(), 30)

    running = await Job.get(id=long.id)
    assert running.state == JobState.RUNNING
    assert running.progress == 40
    assert running.progress_message == "已处理 400 / 1000 条"

    handlers.progress_may_finish.set()
    assert await runner == 1
    done = await Job.get(id=long.id)
    assert done.state == JobState.SUCCEEDED
    assert done.progress == 100
    assert done.result == "done"
