"""Admins see background jobs (API and the console's 后台任务 page) and retry dead ones."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from gateway.audit import AuditRecord
from gateway.jobs import enqueue, run_due
from gateway.jobs.models import Job, JobState
from tests.conftest import assert_error
from tests.gateway import jobs_handlers as handlers
from tests.gateway.staff_helpers import console_sign_in, csrf_from, sign_in

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture(autouse=True)
async def clean_test_jobs(db: None) -> None:
    await handlers.create_run_table()
    await Job.filter(kind__in=handlers.TEST_KINDS).delete()


async def dead_job() -> Job:
    row = await enqueue("tests.fail", {"openid": "oDemo"}, max_attempts=1)
    assert await run_due(kinds=["tests.fail"]) == 1
    return await Job.get(id=row.id)


async def test_jobs_api_needs_a_staff_session(api: httpx.AsyncClient) -> None:
    assert_error(await api.get("/api/v1/admin/jobs"), 401, "unauthorized")
    assert_error(await api.post("/api/v1/admin/jobs/1/retry"), 401, "unauthorized")


async def test_staff_without_the_jobs_permission_are_refused(api: httpx.AsyncClient) -> None:
    headers = await sign_in(api, "editor")
    assert_error(await api.get("/api/v1/admin/jobs", headers=headers), 403, "forbidden")


async def test_admin_lists_dead_jobs_with_their_last_error(api: httpx.AsyncClient) -> None:
    dead = await dead_job()
    assert dead.state == JobState.DEAD
    headers = await sign_in(api, "admin")

    response = await api.get(
        "/api/v1/admin/jobs", params={"state": "dead", "kind": "tests.fail"}, headers=headers
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["id"] for item in body["items"]] == [dead.id]
    item = body["items"][0]
    assert item["state"] == "dead"
    assert item["state_label"] == "已放弃"
    assert "演示失败" in item["last_error"]
    assert item["attempts"] == 1
    assert item["max_attempts"] == 1
    assert body["counts"]["dead"] >= 1
    assert set(body["counts"]) == {s.value for s in JobState}


async def test_admin_retries_a_dead_job_and_the_retry_is_audited(
    api: httpx.AsyncClient,
) -> None:
    dead = await dead_job()
    headers = await sign_in(api, "admin")

    response = await api.post(f"/api/v1/admin/jobs/{dead.id}/retry", headers=headers)

    assert response.status_code == 200, response.text
    assert response.json()["state"] == "queued"
    assert response.json()["attempts"] == 0
    assert (await Job.get(id=dead.id)).state == JobState.QUEUED
    audit = await AuditRecord.filter(action="jobs.retry", target_id=str(dead.id)).first()
    assert audit is not None
    assert audit.actor_name == "admin"
    # Queued again: it runs (and here fails again) like any due job.
    assert await run_due(kinds=["tests.fail"]) == 1

    queued = await enqueue("tests.record", {})
    again = await api.post(f"/api/v1/admin/jobs/{queued.id}/retry", headers=headers)
    assert_error(again, 409, "job_not_retryable")


async def test_bad_filters_and_unknown_jobs_get_the_error_shape(api: httpx.AsyncClient) -> None:
    headers = await sign_in(api, "admin")
    error = assert_error(
        await api.get("/api/v1/admin/jobs", params={"state": "exploded"}, headers=headers),
        422,
        "invalid",
    )
    assert "state" in error["fields"]
    assert_error(await api.get("/api/v1/admin/jobs", params={"page": "-3"}, headers=headers), 422)
    assert_error(
        await api.post("/api/v1/admin/jobs/987654321/retry", headers=headers), 404, "job_not_found"
    )
    assert_error(await api.get("/api/v1/admin/jobs/abc", headers=headers), 404)


async def test_progress_of_a_running_job_shows_in_the_api(api: httpx.AsyncClient) -> None:
    handlers.progress_reached.clear()
    handlers.progress_may_finish.clear()
    long = await enqueue("tests.progress", {})
    runner = asyncio.create_task(run_due(kinds=["tests.progress"]))
    await asyncio.wait_for(handlers.progress_reached.wait(), 30)
    headers = await sign_in(api, "admin")

    response = await api.get(f"/api/v1/admin/jobs/{long.id}", headers=headers)

    handlers.progress_may_finish.set()
    await runner
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "running"
    assert response.json()["progress"] == 40
    assert response.json()["progress_message"] == "已处理 400 / 1000 条"


async def test_console_page_shows_states_progress_and_retries(server_url: str) -> None:
    dead = await dead_job()
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as browser:
        await console_sign_in(browser, "admin")

        page = await browser.get("/console/jobs", params={"kind": "tests.fail"})
        assert page.status_code == 200
        assert "后台任务" in page.text
        assert "已放弃" in page.text
        assert "<progress" in page.text
        assert "重新执行" in page.text
        csrf = csrf_from(page.text)

        done = await browser.post(
            f"/console/jobs/{dead.id}/retry",
            data={"csrf_token": csrf},
            headers={"Referer": f"{server_url}/console/jobs?kind=tests.fail"},
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/console/jobs?kind=tests.fail"
        assert (await Job.get(id=dead.id)).state == JobState.QUEUED

        fragment = await browser.get("/console/jobs", headers={"HX-Request": "true"})
        assert "<html" not in fragment.text
        assert "<table" in fragment.text


async def test_console_jobs_page_is_not_for_village_staff(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as browser:
        await console_sign_in(browser, "village_01")
        page = await browser.get("/console/jobs")
        assert page.status_code == 403
        # Nor does their menu offer it.
        assert 'href="/console/jobs"' not in page.text
