"""The door: each signed ticket lets its bearer in once; every refusal says why."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from gateway.audit import AuditRecord
from gateway.clock import SHANGHAI, now
from mini_program.open_days import tickets
from mini_program.open_days.models import OpenDay, Registration, RegStatus
from tests.conftest import assert_error
from tests.gateway.staff_helpers import sign_in
from tests.mini_program.open_days.helpers import ADMIN, MP, make_event, person, residents


async def _registered(
    api: httpx.AsyncClient, admin: dict[str, str], **event: object
) -> tuple[dict[str, object], dict[str, str], dict[str, object]]:
    created = await make_event(api, admin, **event)
    [me] = await residents(1)
    answer = await api.post(
        f"{MP}/{created['id']}/registrations", headers=me, json=person(5, companions=1)
    )
    assert answer.status_code == 201, answer.text
    return created, me, answer.json()["registration"]


async def test_a_ticket_checks_in_once_and_a_second_scan_says_when(
    api: httpx.AsyncClient, db: None
) -> None:
    admin = await sign_in(api, "admin")
    event, _, reg = await _registered(api, admin)
    url = f"{ADMIN}/{event['id']}/check-in"
    first = await api.post(url, headers=admin, json={"ticket": reg["ticket"]})
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["result"] == "checked_in"
    assert body["message"] == "签到成功：居民5，随行 1 人"
    assert body["name"] == "居民5"
    assert body["companions"] == 1
    assert len(body["checked_in_at"]) == 5  # HH:MM
    again = assert_error(
        await api.post(url, headers=admin, json={"ticket": reg["ticket"]}), 409,
        "already_checked_in",
    )  # fmt: skip
    assert again["message"] == f"已于 {body['checked_in_at']} 签到（居民5，随行 1 人）"
    assert await AuditRecord.exists(action="open_days.check_in", target_id=str(reg["id"]))


async def test_parallel_scans_of_one_ticket_let_it_in_exactly_once(
    api: httpx.AsyncClient, db: None
) -> None:
    admin = await sign_in(api, "admin")
    event, _, reg = await _registered(api, admin)
    url = f"{ADMIN}/{event['id']}/check-in"
    answers = await asyncio.gather(
        *(api.post(url, headers=admin, json={"ticket": reg["ticket"]}) for _ in range(20))
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [409] * 19
    stored = await Registration.get(id=reg["id"])
    assert stored.checked_in_at is not None


async def test_typed_tickets_forgive_case_spaces_and_look_alike_letters(
    api: httpx.AsyncClient, db: None
) -> None:
    admin = await sign_in(api, "admin")
    event, _, reg = await _registered(api, admin)
    typed = str(reg["ticket"]).replace("-", " ").lower().replace("0", "o").replace("1", "l")
    response = await api.post(
        f"{ADMIN}/{event['id']}/check-in", headers=admin, json={"ticket": typed}
    )
    assert response.status_code == 200, response.text


async def test_forged_foreign_cancelled_waitlisted_and_unknown_tickets_are_refused_with_the_reason(
    api: httpx.AsyncClient, db: None
) -> None:
    admin = await sign_in(api, "admin")
    event, me, reg = await _registered(api, admin, capacity=2)
    url = f"{ADMIN}/{event['id']}/check-in"
    ticket = str(reg["ticket"])

    # Forged: the signature does not match (one character changed, or made up entirely).
    last = ticket[-1]
    forged = ticket[:-1] + ("2" if last != "2" else "3")
    assert assert_error(await api.post(url, headers=admin, json={"ticket": forged}), 422,
                        "ticket_invalid")["message"] == "入场券无效"  # fmt: skip
    made_up = f"OD-{event['id']}-ABCDEFGH-12345678"
    assert_error(
        await api.post(url, headers=admin, json={"ticket": made_up}), 422, "ticket_invalid"
    )
    assert_error(await api.post(url, headers=admin, json={"ticket": "你好"}), 422, "ticket_invalid")
    # Signed with our key but for a token nobody holds: still not valid.
    unknown = tickets.ticket_for(int(event["id"]), tickets.new_token())
    assert_error(
        await api.post(url, headers=admin, json={"ticket": unknown}), 422, "ticket_invalid"
    )

    # Another event's ticket, shown at this door.
    _other, _, other_reg = await _registered(api, admin, title="另一场开放日")
    wrong = await api.post(url, headers=admin, json={"ticket": other_reg["ticket"]})
    assert "另一场开放日" in assert_error(wrong, 409, "ticket_other_event")["message"]

    # A waitlisted registration has a ticket only once promoted.
    [late] = await residents(1)
    waiting = await api.post(f"{MP}/{event['id']}/registrations", headers=late, json=person(6))
    assert waiting.json()["registration"]["status"] == "waitlisted"
    row = await Registration.get(id=waiting.json()["registration"]["id"])
    waitlisted_ticket = tickets.ticket_for(row.open_day_id, row.token)
    assert_error(await api.post(url, headers=admin, json={"ticket": waitlisted_ticket}), 409,
                 "ticket_waitlisted")  # fmt: skip

    # Cancelled by the resident: the ticket no longer lets anyone in.
    await api.delete(f"{MP}/{event['id']}/registrations/mine", headers=me)
    cancelled = await api.post(url, headers=admin, json={"ticket": ticket})
    assert assert_error(cancelled, 409, "ticket_cancelled")["message"].startswith("该报名已取消（")
    assert_error(await api.post(url, headers=admin, json={"ticket": "  "}), 422)


async def test_a_ticket_after_its_event_is_expired_and_a_cancelled_event_lets_nobody_in(
    api: httpx.AsyncClient, db: None
) -> None:
    admin = await sign_in(api, "admin")
    event, _, reg = await _registered(api, admin)
    # The event took place two days ago (moved in the database: the API refuses past windows).
    past = now() - timedelta(days=2)
    await OpenDay.filter(id=event["id"]).update(
        starts_at=past, registration_opens=past - timedelta(days=5),
        registration_closes=past - timedelta(days=1),
    )  # fmt: skip
    url = f"{ADMIN}/{event['id']}/check-in"
    expired = await api.post(url, headers=admin, json={"ticket": reg["ticket"]})
    assert "已过期" in assert_error(expired, 410, "ticket_expired")["message"]

    called_off, _, other = await _registered(api, admin, title="取消的开放日")
    await api.post(f"{ADMIN}/{called_off['id']}/cancel", headers=admin)
    refused = await api.post(
        f"{ADMIN}/{called_off['id']}/check-in", headers=admin, json={"ticket": other["ticket"]}
    )
    assert assert_error(refused, 409, "open_day_cancelled")["message"] == "本场活动已取消"


async def test_tickets_are_bound_to_the_event_and_to_the_server_secret() -> None:
    token = tickets.new_token()
    ticket = tickets.ticket_for(7, token)
    parsed = tickets.parse(ticket)
    assert parsed is not None
    assert parsed.signature_ok
    assert parsed.event_id == 7
    # The same token under another event number: the signature no longer fits.
    moved = ticket.replace("OD-7-", "OD-8-")
    assert not tickets.parse(moved).signature_ok  # type: ignore[union-attr]
    assert tickets.new_token() != token
    assert tickets.parse("OD-7-" + "x" * 60) is None


async def test_only_staff_allowed_at_the_door_check_in(api: httpx.AsyncClient, db: None) -> None:
    admin = await sign_in(api, "admin")
    event, _, reg = await _registered(api, admin)
    village = await sign_in(api, "village_01")
    assert_error(await api.post(f"{ADMIN}/{event['id']}/check-in", headers=village,
                                json={"ticket": reg["ticket"]}), 403)  # fmt: skip
    edu = await sign_in(api, "dept_edu")  # another department's event: not theirs to run
    assert_error(await api.post(f"{ADMIN}/{event['id']}/check-in", headers=edu,
                                json={"ticket": reg["ticket"]}), 404)  # fmt: skip


async def test_attendance_per_event_and_per_year(api: httpx.AsyncClient, db: None) -> None:
    admin = await sign_in(api, "admin")
    event, _, reg = await _registered(api, admin, capacity=5)
    people = await residents(2)
    for n, h in enumerate(people):
        await api.post(f"{MP}/{event['id']}/registrations", headers=h, json=person(20 + n))
    await api.post(f"{ADMIN}/{event['id']}/check-in", headers=admin, json={"ticket": reg["ticket"]})
    detail = (await api.get(f"{ADMIN}/{event['id']}", headers=admin)).json()
    figures = detail["attendance"]
    assert figures["registrations"] == 3
    assert figures["registered_people"] == 4
    assert figures["checked_in"] == 1
    assert figures["present_people"] == 2
    assert figures["rate"] == 0.5
    year = int(str(event["starts_at"])[:4])
    summary = (await api.get(f"{ADMIN}/attendance", headers=admin, params={"year": year})).json()
    row = next(r for r in summary["events"] if r["id"] == event["id"])
    assert row["present_people"] == 2
    assert summary["totals"]["events"] >= 1
    assert summary["totals"]["present_people"] >= 2
    # The demo's past open day counts in its own year.
    demo = await OpenDay.get(title="医保服务开放日：城乡居民医保政策面对面")
    demo_year = demo.starts_at.astimezone(SHANGHAI).year
    demo_summary = (
        await api.get(f"{ADMIN}/attendance", headers=admin, params={"year": demo_year})
    ).json()
    demo_row = next(r for r in demo_summary["events"] if r["id"] == demo.id)
    assert demo_row["checked_in"] > 0
    assert await Registration.filter(open_day_id=demo.id, status=RegStatus.CONFIRMED).count() > 0
    assert_error(await api.get(f"{ADMIN}/attendance", headers=admin, params={"year": 1900}), 422)
