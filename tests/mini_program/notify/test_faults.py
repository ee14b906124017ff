"""The fan-out under faults: a worker killed mid-send, and Redis restarted mid-send."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from gateway.clock import now
from gateway.config import get_settings
from gateway.jobs import run_due
from mini_program.notify import service
from mini_program.notify.models import Grant, GrantState
from tests.conftest import GOVMATRIX, ROOT, RUN_DIR, TEST_ENV, free_port
from tests.mini_program.notify.helpers import (
    NOTIFY_KINDS,
    allow,
    domain_ids,
    follow,
    make_residents,
    received,
    tag,
)

pytestmark = pytest.mark.usefixtures("db")

SEND_PATH = "/cgi-bin/message/subscribe/send"


@pytest.fixture
async def slow_wechat(sandbox: httpx.AsyncClient) -> object:
    """Every subscribe/send takes 40 ms at WeChat's end, so a fan-out lasts a few seconds."""
    appid = get_settings().mp_appid
    fault = {"appid": appid, "path": SEND_PATH, "latency_ms": 40}
    assert (await sandbox.post("/sandbox/faults", json=fault)).status_code == 201
    yield
    await sandbox.delete("/sandbox/faults", params={"appid": appid})


def start_worker(log_name: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [GOVMATRIX, "worker", "--concurrency", "2"],
        cwd=ROOT,
        env={**os.environ, **TEST_ENV, **env},
        stdout=open(RUN_DIR / f"{log_name}-{os.getpid()}.log", "w"),
        stderr=subprocess.STDOUT,
    )


async def wait_for(check, within: float = 120.0) -> object:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.2)
    raise AssertionError("not reached in time")


async def notify_followers(sandbox: httpx.AsyncClient, count: int, title: str) -> tuple[list, int]:
    """`count` new followers of a domain holding grants, and a campaign to the domain's
    followers; (residents, campaign id)."""
    residents = await make_residents(count)
    (domain,) = await domain_ids(1)
    await follow(residents, [domain])
    # WeChat would take three messages each: only our own bookkeeping can prevent a second.
    await allow(sandbox, residents, wechat=3)
    queued = await service.notify(
        purpose="article_published",
        object_key=f"article:{tag()}",
        domain_ids=[domain],
        data={"title": title},
    )
    return residents, int(queued["campaign_id"])


async def test_a_worker_killed_mid_fan_out_notifies_no_one_twice(
    sandbox: httpx.AsyncClient, slow_wechat: object
) -> None:
    residents, campaign_id = await notify_followers(sandbox, 300, "关于做好防汛工作的通知")
    worker = start_worker("notify-killed-worker")
    try:
        await wait_for(lambda: _received_at_least(sandbox, residents, 40))
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    await sandbox.delete("/sandbox/faults", params={"appid": get_settings().mp_appid})
    # Another worker, after the dead one's lease ran out, finishes the campaign.
    await run_due(1000, kinds=NOTIFY_KINDS, now=now() + timedelta(minutes=5))
    await run_due(1000, kinds=NOTIFY_KINDS)

    status = await service.campaign_status(campaign_id=campaign_id)
    assert status is not None
    counts = status["counts"]
    assert status["state"] == "done", status
    assert counts["pending"] == counts["sending"] == 0
    # Every follower holding a grant (other tests' residents follow the domain too).
    assert counts["sent"] + counts["unknown"] == status["recipients"] >= 300, counts
    got = await received(sandbox, residents)
    assert got["most_to_one_recipient"] == 1
    # What WeChat delivered is every sent message, plus those of the unknown ones that had
    # left before the kill; never more.
    assert counts["sent"] <= got["messages"] <= counts["sent"] + counts["unknown"]
    assert not await Grant.filter(
        resident_id__in=[r.id for r in residents], state=GrantState.RESERVED
    ).exists()


async def _received_at_least(sandbox: httpx.AsyncClient, residents: list, count: int) -> bool:
    return bool((await received(sandbox, residents))["messages"] >= count)


def redis_server(port: int) -> subprocess.Popen:
    return subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        cwd=RUN_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def own_redis() -> Iterator[tuple[int, list[subprocess.Popen]]]:
    """A Redis of this test's own, which it restarts (the suite's Redis is shared)."""
    port = free_port()
    procs = [redis_server(port)]
    yield port, procs
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)


async def test_redis_restarted_mid_fan_out_loses_and_duplicates_nothing(
    sandbox: httpx.AsyncClient, slow_wechat: object, own_redis: tuple[int, list]
) -> None:
    port, procs = own_redis
    residents, campaign_id = await notify_followers(sandbox, 300, "关于开展秋季森林防火检查的通知")
    worker = start_worker("notify-redis-worker", APP_REDIS_URL=f"redis://127.0.0.1:{port}/0")
    try:
        await wait_for(lambda: _received_at_least(sandbox, residents, 40))
        # Redis goes away (its tokens, locks and connections with it) and comes back empty.
        procs[0].terminate()
        procs[0].wait(10)
        await asyncio.sleep(1.0)
        procs.append(redis_server(port))

        async def done() -> bool:
            status = await service.campaign_status(campaign_id=campaign_id)
            return status is not None and status["state"] == "done"

        await wait_for(done, within=180)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    status = await service.campaign_status(campaign_id=campaign_id)
    assert status is not None
    assert status["counts"]["sent"] == status["recipients"] >= 300, status["counts"]
    got = await received(sandbox, residents)
    assert got == {"messages": 300, "recipients": 300, "most_to_one_recipient": 1}
