"""Residents are told by subscribe message: promoted from the waitlist, and the day before."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import httpx

from gateway.auth import resident as sessions
from gateway.auth.models import Resident
from gateway.clock import SHANGHAI, local_date, now
from gateway.jobs import registered_kinds
from mini_program.open_days import service
from mini_program.open_days.models import Registration
from tests.gateway.staff_helpers import sign_in
from tests.mini_program.notify.helpers import allow, make_residents, received, run_notify_jobs
from tests.mini_program.open_days.helpers import ADMIN, MP, make_event, person


async def _headers(resident: Resident) -> dict[str, str]:
    token, _ = await sessions.issue_session(resident.id, openid=resident.openid)
    return {"Authorization": f"Bearer {token}"}


async def test_a_resident_promoted_from_the_waitlist_gets_a_subscribe_message(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, db: None
) -> None:
    event = await make_event(api, await sign_in(api, "admin"), capacity=1, title="消防站开放日")
    first, second = await make_residents(2)
    await allow(sandbox, [second], "open_day_result")
    url = f"{MP}/{event['id']}/registrations"
    await api.post(url, headers=await _headers(first), json=person(1))
    waiting = await api.post(url, headers=await _headers(second), json=person(2))
    assert waiting.json()["registration"]["status"] == "waitlisted"
    await api.delete(f"{url}/mine", headers=await _headers(first))
    await run_notify_jobs()
    got = await received(sandbox, [second], "open_day_result", openid=second.openid)
    assert got["count"] == 1, got
    message = got["messages"][0]["content"]
    assert message["data"]["thing1"]["value"] == "消防站开放日"
    assert message["data"]["phrase2"]["value"] == "候补转正"
    assert message["page"] == "pages/my-registrations/index"
    # The first resident (who cancelled) granted nothing and hears nothing.
    assert (await received(sandbox, [first], "open_day_result", openid=first.openid))["count"] == 0


async def test_registrants_with_a_grant_are_reminded_once_the_day_before(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, db: None
) -> None:
    today = local_date(now())
    starts = datetime.combine(today + timedelta(days=1), time(10, 0), SHANGHAI)
    event = await make_event(
        api,
        await sign_in(api, "admin"),
        title="水厂开放日提醒测试",
        starts_at=starts.isoformat(),
        registration_opens=(now() - timedelta(hours=1)).isoformat(),
        registration_closes=(starts - timedelta(hours=1)).isoformat(),
    )
    granted, silent = await make_residents(2)
    await allow(sandbox, [granted], "open_day_reminder")
    for n, resident in enumerate((granted, silent)):
        answer = await api.post(
            f"{MP}/{event['id']}/registrations", headers=await _headers(resident), json=person(n)
        )
        assert answer.status_code == 201, answer.text
    # The job runs all day; before 9:00 it waits, so nobody is woken at midnight.
    early = datetime.combine(today, time(6, 30), SHANGHAI)
    assert await service.send_reminders(at=early) == 0
    morning = datetime.combine(today, time(9, 15), SHANGHAI)
    assert await service.send_reminders(at=morning) >= 2
    assert await service.send_reminders(at=morning + timedelta(minutes=15)) == 0
    await run_notify_jobs()
    got = await received(sandbox, [granted], "open_day_reminder", openid=granted.openid)
    assert got["count"] == 1, got
    data = got["messages"][0]["content"]["data"]
    assert data["thing1"]["value"] == "水厂开放日提醒测试"
    assert data["time2"]["value"].endswith("10:00")
    assert (await received(sandbox, [silent], "open_day_reminder", openid=silent.openid))[
        "count"
    ] == 0
    assert await Registration.filter(open_day_id=event["id"], reminded_at__isnull=True).count() == 0
    assert (await api.get(f"{ADMIN}/{event['id']}", headers=await sign_in(api, "admin"))).is_success


def test_the_reminder_and_the_scan_persisting_run_as_periodic_jobs() -> None:
    from gateway.jobs import discover

    discover()
    assert {"open_days.remind", "hall.persist_scans"} <= set(registered_kinds())
