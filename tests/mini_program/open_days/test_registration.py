"""Residents register for open days: places, waitlist in order, clear refusals."""

from __future__ import annotations

import asyncio
import io

import httpx
import pytest
from openpyxl import load_workbook

from mini_program.notify import service as notify
from mini_program.notify.models import Campaign
from mini_program.open_days.models import OpenDay, Registration, RegStatus
from tests.conftest import assert_error
from tests.gateway.staff_helpers import sign_in
from tests.mini_program.open_days.helpers import (
    ADMIN,
    MP,
    at,
    event_body,
    make_event,
    person,
    residents,
)


async def test_an_admin_creates_an_open_day_with_every_field(api: httpx.AsyncClient) -> None:
    headers = await sign_in(api, "admin")
    event = await make_event(api, headers)
    assert event["title"] == "走进县民政局开放日"
    assert event["department"] == "mzj"
    assert event["department_name"] == "蒙城县民政局"
    assert event["starts_at"].endswith("+08:00")
    assert event["starts_at"][11:16] == "09:00"
    assert event["capacity"] == 20
    assert event["remaining"] == 20
    assert event["registration_state"] == "open"
    listed = (await api.get(f"{MP}")).json()
    assert any(e["id"] == event["id"] for e in listed["items"])
    assert set(listed) == {"items", "total", "page", "per_page"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"registration_closes": at(8)}, "registration_closes"),
        ({"registration_opens": at(5), "registration_closes": at(4)}, "registration_closes"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 100000}, "capacity"),
        ({"title": "   "}, "title"),
        ({"department": "nosuch"}, "department"),
        ({"starts_at": "明天上午"}, "starts_at"),
    ],
)
async def test_bad_open_day_fields_are_named(
    api: httpx.AsyncClient, overrides: dict[str, object], field: str
) -> None:
    headers = await sign_in(api, "admin")
    response = await api.post(f"{ADMIN}", headers=headers, json=event_body(**overrides))
    assert field in assert_error(response, 422)["fields"]


async def test_department_staff_run_only_their_own_department_s_open_days(
    api: httpx.AsyncClient,
) -> None:
    edu = await sign_in(api, "dept_edu")
    refused = await api.post(f"{ADMIN}", headers=edu, json=event_body(department="mzj"))
    assert_error(refused, 403, "department_scope")
    own = await make_event(api, edu, department="jyj", title="教育局开放日")
    admin = await sign_in(api, "admin")
    other = await make_event(api, admin)
    assert (await api.get(f"{ADMIN}/{own['id']}", headers=edu)).status_code == 200
    assert_error(await api.get(f"{ADMIN}/{other['id']}", headers=edu), 404)
    ids = [e["id"] for e in (await api.get(f"{ADMIN}", headers=edu)).json()["items"]]
    assert own["id"] in ids
    assert other["id"] not in ids


async def test_a_resident_registers_and_sees_a_signed_ticket_with_its_qr(
    api: httpx.AsyncClient, db: None
) -> None:
    event = await make_event(api, await sign_in(api, "admin"))
    [me] = await residents(1)
    response = await api.post(
        f"{MP}/{event['id']}/registrations", headers=me, json=person(1, companions=2)
    )
    assert response.status_code == 201, response.text
    reg = response.json()["registration"]
    assert reg["status"] == "confirmed"
    assert reg["status_label"] == "已报名"
    assert reg["phone"] == "139****0001"
    assert reg["companions"] == 2
    assert reg["ticket"].startswith(f"OD-{event['id']}-")
    assert reg["ticket_qr"].startswith("data:image/png;base64,")
    mine = (await api.get(f"{MP}/{event['id']}/registrations/mine", headers=me)).json()
    assert mine["registration"]["status"] == "confirmed"
    assert mine["registration"]["ticket"] == reg["ticket"]
    listing = (await api.get(f"{MP}/mine", headers=me)).json()["items"]
    assert [r["open_day"]["title"] for r in listing] == [event["title"]]
    assert (await OpenDay.get(id=event["id"])).taken == 3
    stored = await Registration.get(id=reg["id"])
    assert "13905580001" not in stored.phone_encrypted  # the phone is stored encrypted


async def test_registering_twice_late_early_or_for_a_cancelled_event_gets_a_clear_answer(
    api: httpx.AsyncClient, db: None
) -> None:
    admin = await sign_in(api, "admin")
    event = await make_event(api, admin)
    [me] = await residents(1)
    url = f"{MP}/{event['id']}/registrations"
    assert (await api.post(url, headers=me, json=person(2))).status_code == 201
    twice = assert_error(await api.post(url, headers=me, json=person(2)), 409, "already_registered")
    assert "已报名" in twice["message"]
    early = await make_event(api, admin, registration_opens=at(2), registration_closes=at(5))
    not_yet = await api.post(f"{MP}/{early['id']}/registrations", headers=me, json=person(2))
    assert "尚未开始" in assert_error(not_yet, 409, "registration_not_open")["message"]
    late = await make_event(api, admin, registration_opens=at(-5), registration_closes=at(-1))
    closed = await api.post(f"{MP}/{late['id']}/registrations", headers=me, json=person(2))
    assert assert_error(closed, 409, "registration_closed")["message"] == "报名已截止"
    off = await make_event(api, admin)
    cancelled = await api.post(f"{ADMIN}/{off['id']}/cancel", headers=admin)
    assert cancelled.json()["open_day"]["registration_state"] == "cancelled"
    refused = await api.post(f"{MP}/{off['id']}/registrations", headers=me, json=person(2))
    assert assert_error(refused, 409, "open_day_cancelled")["message"] == "这场活动已取消"
    bad = await api.post(url, headers=me, json={"name": "", "phone": "12345", "companions": 9})
    assert set(assert_error(bad, 422)["fields"]) == {"name", "phone", "companions"}
    assert_error(await api.post(url, json=person(3)), 401, "resident_login_required")
    assert_error(await api.post(f"{MP}/99999999/registrations", headers=me, json=person(3)), 404)


async def test_a_burst_of_500_registrations_fills_exactly_100_places_and_queues_the_rest(
    api: httpx.AsyncClient, db: None
) -> None:
    event = await make_event(api, await sign_in(api, "admin"), capacity=100)
    people = await residents(500)
    url = f"{MP}/{event['id']}/registrations"
    # All 500 sent at once; 100 connections at a time (the server's listen backlog is 100).
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=str(api.base_url), timeout=120, limits=limits) as burst:
        answers = await asyncio.gather(
            *(burst.post(url, headers=h, json=person(n)) for n, h in enumerate(people))
        )
    assert {a.status_code for a in answers} == {201}
    statuses = [a.json()["registration"]["status"] for a in answers]
    assert statuses.count("confirmed") == 100
    assert statuses.count("waitlisted") == 400
    assert (await OpenDay.get(id=event["id"])).taken == 100
    waiting = await Registration.filter(
        open_day_id=event["id"], status=RegStatus.WAITLISTED
    ).order_by("id")
    numbers = [r.waitlist_no for r in waiting]
    # Numbers 1..400, each once, in the order the registrations were stored.
    assert numbers == list(range(1, 401))
    detail = (await api.get(f"{MP}/{event['id']}")).json()["open_day"]
    assert detail["remaining"] == 0
    assert detail["registration_state"] == "waitlist"
    assert detail["waitlisted"] == 400


async def test_a_cancellation_promotes_the_first_on_the_waitlist_who_fits(
    api: httpx.AsyncClient, db: None
) -> None:
    event = await make_event(api, await sign_in(api, "admin"), capacity=3)
    first, second, third, fourth = await residents(4)
    url = f"{MP}/{event['id']}/registrations"
    assert (await api.post(url, headers=first, json=person(1, companions=1))).status_code == 201
    await api.post(url, headers=second, json=person(2))
    waiting = (await api.post(url, headers=third, json=person(3, companions=1))).json()
    assert waiting["registration"]["status"] == "waitlisted"
    assert waiting["registration"]["status_label"] == "候补第 1 位"
    assert waiting["registration"]["ticket"] is None  # no ticket without a place
    later = (await api.post(url, headers=fourth, json=person(4))).json()["registration"]
    assert later["waitlist_no"] == 2
    # The second cancels: one place frees, but the first in line needs two, so nobody moves.
    gone = await api.delete(f"{url}/mine", headers=second)
    assert gone.json()["registration"]["status"] == "cancelled"
    assert (await api.get(f"{url}/mine", headers=fourth)).json()["registration"]["status"] == (
        "waitlisted"
    )
    # The first cancels too: three places free, the line moves up in order (and is told).
    await api.delete(f"{url}/mine", headers=first)
    promoted = (await api.get(f"{url}/mine", headers=third)).json()["registration"]
    assert promoted["status"] == "confirmed"
    assert promoted["ticket"]
    after = (await api.get(f"{url}/mine", headers=fourth)).json()["registration"]
    assert after["status"] == "confirmed"
    for reg in (promoted, after):  # each is told by a subscribe message (queued with notify)
        counts = await notify.object_counts(
            purpose="open_day_result", object_key=f"open_day_registration:{reg['id']}:promoted"
        )
        assert counts is not None
        assert await Campaign.exists(
            purpose="open_day_result", object_key=f"open_day_registration:{reg['id']}:promoted"
        )
    assert (await OpenDay.get(id=event["id"])).taken == 3
    # Cancelled, a resident may register again (at the end of the line).
    again = await api.post(url, headers=second, json=person(2))
    assert again.json()["registration"]["status"] == "waitlisted"
    assert_error(await api.delete(f"{url}/mine", headers=first), 404)


async def test_more_capacity_promotes_the_waitlist_in_order(
    api: httpx.AsyncClient, db: None
) -> None:
    admin = await sign_in(api, "admin")
    event = await make_event(api, admin, capacity=1)
    people = await residents(3)
    url = f"{MP}/{event['id']}/registrations"
    for n, h in enumerate(people):
        await api.post(url, headers=h, json=person(n))
    raised = await api.patch(f"{ADMIN}/{event['id']}", headers=admin, json={"capacity": 2})
    assert raised.json()["open_day"]["taken"] == 2
    states = [
        (await api.get(f"{url}/mine", headers=h)).json()["registration"]["status"] for h in people
    ]
    assert states == ["confirmed", "confirmed", "waitlisted"]
    lower = await api.patch(f"{ADMIN}/{event['id']}", headers=admin, json={"capacity": 1})
    assert "不能少于" in assert_error(lower, 422)["fields"]["capacity"]


async def test_registrants_export_to_excel_with_masked_phones(
    api: httpx.AsyncClient, db: None
) -> None:
    admin = await sign_in(api, "admin")
    event = await make_event(api, admin, capacity=1)
    people = await residents(2)
    for n, h in enumerate(people):
        await api.post(f"{MP}/{event['id']}/registrations", headers=h, json=person(70 + n))
    listed = (await api.get(f"{ADMIN}/{event['id']}/registrations", headers=admin)).json()
    assert [r["phone"] for r in listed["items"]] == ["139****0070", "139****0071"]
    xlsx = await api.get(f"{ADMIN}/{event['id']}/registrations.xlsx", headers=admin)
    assert xlsx.status_code == 200
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[1][:5] == ("序号", "姓名", "手机号（脱敏）", "随行人数", "状态")
    assert rows[2][1:5] == ("居民70", "139****0070", 0, "已报名")
    assert rows[3][4] == "候补第 1 位"
    assert b"13905580070" not in xlsx.content
