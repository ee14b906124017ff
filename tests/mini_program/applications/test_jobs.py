"""What runs on its own: closing applications not corrected in time, the daily reminders,
and recomputing stored deadlines after an administrator loads a calendar year."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest

from gateway import workdays
from gateway.audit import AuditRecord
from gateway.clock import SHANGHAI, now
from gateway.jobs import Job, ensure_periodic, run_due
from mini_program.applications import jobs as _jobs  # noqa: F401  (registers the job kinds)
from mini_program.applications import service
from mini_program.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationFile,
    ApplicationReminder,
)
from mini_program.applications.service.common import Actor, refresh
from tests.conftest import assert_error
from tests.mini_program.applications.helpers import enter, sign_in

ADMIN = "/api/v1/admin/applications"
SCOPE_ALL = Actor(id=None, name="test")


async def test_an_application_not_corrected_in_time_is_closed_with_a_notice(api, db):
    admin = await sign_in(api, "admin")
    app_id = await enter(api, admin, submitted_on="2026-03-02", received_on="2026-03-02")
    await api.post(
        f"{ADMIN}/{app_id}/request-correction",
        json={"on": "2026-03-05", "missing": "文件名称", "period": 15},
        headers=admin,
    )
    assert app_id not in await service.close_uncorrected(on=date(2026, 3, 26))  # the last day
    closed = await service.close_uncorrected(on=date(2026, 3, 27))
    assert app_id in closed
    app = await Application.get(id=app_id)
    assert app.state == "closed"
    assert app.finished_on == date(2026, 3, 27)
    assert app.result == "other"
    assert app.reasons == ["no_correction"]
    notice = await ApplicationFile.get(application_id=app_id, kind="closure_notice")
    assert notice.published
    assert notice.content.startswith(b"%PDF")
    assert await AuditRecord.exists(action="applications.close_uncorrected", target_id=str(app_id))
    body = (await api.get(f"{ADMIN}/{app_id}", headers=admin)).json()
    assert body["state_label"] == "已终止（逾期不补正）"
    assert "逾期不补正" in body["calculation"][-1]["text"]
    late = await api.post(f"{ADMIN}/{app_id}/corrected", json={"on": "2026-03-30"}, headers=admin)
    assert assert_error(late, 409)["message"] == "申请已终止处理，不能登记补正"


async def test_the_periodic_job_closes_what_ran_out(api, db):
    admin = await sign_in(api, "admin")
    app_id = await enter(api, admin, submitted_on="2026-04-01", received_on="2026-04-01")
    await api.post(
        f"{ADMIN}/{app_id}/request-correction",
        json={"on": "2026-04-02", "missing": "文件名称"},
        headers=admin,
    )
    # An hour slot of its own: this hour's run may already have happened (another test, the
    # test server's worker), and it would find this application not yet there.
    later = now() + timedelta(hours=3)
    await ensure_periodic(later, kinds=["applications.close_uncorrected"])
    assert await run_due(kinds=["applications.close_uncorrected"], now=later) >= 1
    assert (await Application.get(id=app_id)).state == "closed"


async def test_reminders_go_out_at_5_2_and_0_working_days_left_once_each(api, db):
    admin = await sign_in(api, "admin")
    app_id = await enter(api, admin)  # deadline Thursday 2026-03-19

    async def thresholds() -> list[int]:
        rows = await ApplicationReminder.filter(application_id=app_id).order_by("id")
        return [r.threshold for r in rows]

    await service.daily_digest(on=date(2026, 3, 11))  # 6 left: nothing yet
    assert await thresholds() == []
    await service.daily_digest(on=date(2026, 3, 12))  # 5 left
    await service.daily_digest(on=date(2026, 3, 12))  # the same day again: no duplicate
    await service.daily_digest(on=date(2026, 3, 13))  # 4 left: already reminded at 5
    assert await thresholds() == [5]
    await service.daily_digest(on=date(2026, 3, 17))  # 2 left
    await service.daily_digest(on=date(2026, 3, 19))  # the deadline
    assert await thresholds() == [5, 2, 0]
    reminders = await service.reminders_for(actor=Actor(id=None, name="t", department_scope="jyj"))
    assert any(r["application_id"] == app_id and r["threshold"] == 0 for r in reminders)
    elsewhere = await service.reminders_for(actor=Actor(id=None, name="t", department_scope="mzj"))
    assert all(r["application_id"] != app_id for r in elsewhere)


async def test_a_missed_reminder_day_is_caught_up_at_the_next_threshold(api, db):
    admin = await sign_in(api, "admin")
    app_id = await enter(api, admin)
    await service.daily_digest(on=date(2026, 3, 16))  # 3 left, no digest ran on the 12th
    rows = await ApplicationReminder.filter(application_id=app_id)
    assert [r.threshold for r in rows] == [5]


def _insert_received(on: date) -> Application:
    return Application(
        receipt_no=f"9{on:%m%d}{datetime.now(UTC).microsecond:06d}"[:10],
        channel="letter",
        applicant_type="citizen",
        name="日历测试",
        phone_encrypted="x",
        phone_masked="138****0000",
        address_encrypted="x",
        description="跨年的申请",
        format="paper",
        delivery="post",
        department_code="jyj",
        submitted_at=datetime.combine(on, time(9), SHANGHAI),
        submitted_on=on,
        state="submitted",
    )


async def _received(on: date) -> Application:
    # Written directly: the API refuses dates after today, and these tests must not wait for
    # a December day whose deadline reaches into a year without a calendar.
    app = _insert_received(on)
    await app.save()
    await ApplicationEvent.create(application=app, kind="submitted", on=on)
    await ApplicationEvent.create(
        application=app, kind="received", on=on, detail={"channel": "letter"}
    )
    await refresh(app)
    return app


async def _received_in_december() -> Application:
    return await _received(date(2026, 12, 10))


async def test_a_deadline_in_an_unloaded_year_is_shown_as_an_error_and_blocks_extension(api, db):
    app = await _received(date(2023, 12, 20))  # 2023's holidays were never loaded
    try:
        assert app.deadline is None
        assert "2023" in app.deadline_error
        admin = await sign_in(api, "admin")
        body = (await api.get(f"{ADMIN}/{app.id}", headers=admin)).json()
        assert body["deadline"] is None
        assert "尚未载入 2023 年的节假日和调休安排" in body["deadline_error"]
        assert body["calculation"][-1]["kind"] == "calendar_missing"
        refused = await api.post(
            f"{ADMIN}/{app.id}/extend",
            json={"on": "2023-12-21", "reason": "需要协调"},
            headers=admin,
        )
        assert "2023" in assert_error(refused, 409, "calendar_missing")["message"]
    finally:
        await app.delete()  # an open 2023 application would be carried into every later report


@pytest.fixture
def local_calendar(tmp_path, monkeypatch):
    """This process's calendar reads an empty local directory (the server's is untouched)."""
    monkeypatch.setenv("APP_HOLIDAYS_DIR", str(tmp_path))
    workdays.default_calendar().reload()
    yield tmp_path
    monkeypatch.delenv("APP_HOLIDAYS_DIR")
    workdays.default_calendar().reload()


async def test_loading_next_years_calendar_recomputes_stored_deadlines_as_a_job(
    api, db, local_calendar
):
    app = await _received_in_december()
    assert app.deadline is None
    await service.recompute_deadlines()  # everything follows the calendar as it is now
    assert await service.schedule_recompute() is None  # nothing changed since

    year_2027 = {"year": 2027, "holidays": {"元旦": ["2027-01-01"]}, "workdays": {}}
    source = local_calendar.parent / "upload-2027.json"
    source.write_text(json.dumps(year_2027), "utf-8")
    workdays.load_file(source)  # what `govmatrix calendar load` does
    job = await service.schedule_recompute()
    assert job is not None
    assert job.kind == "applications.recompute"
    assert await run_due(kinds=["applications.recompute"]) == 1
    done = await Job.get(id=job.id)
    assert done.state == "succeeded"
    assert done.progress == 100
    assert done.result["recomputed"] >= 1
    await app.refresh_from_db()
    assert app.deadline == date(2027, 1, 8)
    assert app.deadline_error == ""
    status = await service.calendar_status()
    assert 2027 in status["years"]
    assert status["stale"] == 0


async def test_the_calendar_watcher_queues_one_recompute_per_change(db, local_calendar):
    await service.recompute_deadlines()
    (local_calendar / "2031.json").write_text(json.dumps({"year": 2031}), "utf-8")
    workdays.default_calendar().reload()
    # A slot of its own: this slot's run may already have happened (another test, the test
    # server's worker) before the calendar changed.
    later = now() + timedelta(hours=3)
    await ensure_periodic(later, kinds=["applications.watch_calendar"])
    assert await run_due(kinds=["applications.watch_calendar"], now=later) >= 1
    queued = await Job.filter(kind="applications.recompute", state="queued").count()
    assert queued == 1
    again = await service.schedule_recompute()
    assert again is not None
    assert (await Job.filter(kind="applications.recompute", state="queued").count()) == 1
    await run_due(kinds=["applications.recompute"])


async def test_an_approver_queues_a_recompute_and_department_staff_cannot(api, db):
    head = await sign_in(api, "disclosure_head")
    dept = await sign_in(api, "dept_edu")
    assert_error(await api.post(f"{ADMIN}/recompute", headers=dept), 403)
    queued = await api.post(f"{ADMIN}/recompute", headers=head)
    assert queued.status_code == 202, queued.text
    job_id = queued.json()["job_id"]
    assert (await Job.get(id=job_id)).kind == "applications.recompute"
    assert await AuditRecord.exists(action="applications.recompute", target_id=str(job_id))
    status = (await api.get(f"{ADMIN}/calendar", headers=dept)).json()
    assert {2024, 2025, 2026} <= set(status["years"])
    await run_due(kinds=["applications.recompute"])
