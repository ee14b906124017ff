"""Staff work the queue: scoping by department, deadlines in working days, answers, reassignment."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import pytest

from gateway.audit import AuditRecord
from gateway.clock import SHANGHAI
from mini_program.consultations.models import Consultation, Kind
from mini_program.consultations.service.common import deadline
from tests.conftest import assert_error
from tests.gateway.staff_helpers import STRONG_PASSWORD, create_staff, sign_in
from tests.mini_program.consultations.helpers import question, resident, submit

# Deadlines, windows and open/close dates are county dates: `make test-midnight` runs these
# across Shanghai midnight.
pytestmark = pytest.mark.dates

EDU = "jyj"  # the demo department of dept_edu


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


async def test_due_dates_count_working_days_across_holidays_and_make_up_days(db):
    # Received Thursday 30 April 2026: 1–5 May are 劳动节, so 3 working days end Friday 8 May.
    before_may_day = await question(received_at=at("2026-04-30"), department_code=EDU)
    assert before_may_day.due_date == date(2026, 5, 8)
    # 10 working days from Friday 8 May: Saturday 9 May is a make-up working day.
    other = await question(received_at=at("2026-05-08"), kind=Kind.COMPLAINT, department_code=EDU)
    assert other.due_date == date(2026, 5, 21)
    # Received on a Saturday (a rest day): counting starts the next working day.
    weekend = await question(received_at=at("2026-06-13"), department_code=EDU)
    assert weekend.due_date == date(2026, 6, 17)

    shown = deadline(before_may_day, on=date(2026, 5, 6))
    assert shown == {
        "due_date": "2026-05-08",
        "workdays_left": 2,
        "overdue": False,
        "label": "剩余 2 个工作日",
    }
    assert deadline(before_may_day, on=date(2026, 5, 8))["label"] == "今天到期"
    late = deadline(before_may_day, on=date(2026, 5, 12))
    # Saturday 9 May is a make-up working day: 9, 11 and 12 May are three days late.
    assert late["overdue"]
    assert late["workdays_left"] == -3
    assert late["label"] == "已超期 3 个工作日"


async def test_department_staff_see_and_answer_only_their_departments_questions(api, db):
    ours = await question(received_at=at("2026-02-02"), department_code=EDU)
    theirs = await question(received_at=at("2026-02-02"), department_code="mzj")
    dept = await sign_in(api, "dept_edu")

    listed = (
        await api.get("/api/v1/admin/consultations", params={"per_page": 100}, headers=dept)
    ).json()
    assert listed["items"]
    assert all(i["department"]["code"] == EDU for i in listed["items"])
    assert (
        await api.get(f"/api/v1/admin/consultations/{ours.id}", headers=dept)
    ).status_code == 200
    for path in ("", "/similar", "/publish-preview"):
        assert_error(
            await api.get(f"/api/v1/admin/consultations/{theirs.id}{path}", headers=dept),
            404,
            "consultation_not_found",
        )
    assert_error(
        await api.post(
            f"/api/v1/admin/consultations/{theirs.id}/answer",
            json={"text": "这不是我们的问题，但我们试着回答。"},
            headers=dept,
        ),
        404,
    )
    # Filtering by another department still shows only their own.
    other = await api.get("/api/v1/admin/consultations", params={"department": "mzj"}, headers=dept)
    assert other.json()["total"] == 0
    # Routing and reply limits are the admin's.
    assert_error(
        await api.post(
            f"/api/v1/admin/consultations/{ours.id}/assign",
            json={"department_code": "mzj"},
            headers=dept,
        ),
        403,
        "forbidden",
    )


async def test_an_answer_stops_the_clock_and_reaches_the_resident(api, sandbox, db):
    me = await resident(api, sandbox)
    c = (await submit(api, me, domain_id=None)).json()["consultation"]
    admin = await sign_in(api, "admin")
    assert_error(
        await api.post(
            f"/api/v1/admin/consultations/{c['id']}/answer",
            json={"text": "答复内容"},
            headers=admin,
        ),
        409,
        "not_assigned",
    )
    assigned = await api.post(
        f"/api/v1/admin/consultations/{c['id']}/assign",
        json={"department_code": EDU, "reason": "入学问题由教育局答复"},
        headers=admin,
    )
    assert assigned.json()["consultation"]["status"] == "assigned"
    dept = await sign_in(api, "dept_edu")
    for bad in ("", "   ", "<script>alert(1)</script>", "答" * 4001):
        assert_error(
            await api.post(
                f"/api/v1/admin/consultations/{c['id']}/answer", json={"text": bad}, headers=dept
            ),
            422,
        )
    answers = await asyncio.gather(
        *(
            api.post(
                f"/api/v1/admin/consultations/{c['id']}/answer",
                json={"text": f"您好，报名需要户口簿和房产证明。（{n}）"},
                headers=dept,
            )
            for n in range(2)
        )
    )
    assert sorted(r.status_code for r in answers) == [200, 409]
    done = next(r for r in answers if r.status_code == 200).json()["consultation"]
    assert done["status"] == "answered"
    assert done["answered_by"] == "dept_edu"
    assert done["answer"]["workdays"] == 0
    assert done["answer"]["on_time"] is True
    mine = (await api.get(f"/api/v1/mp/consultations/{c['id']}", headers=me)).json()
    assert mine["consultation"]["status_label"] == "已答复"
    assert mine["consultation"]["answer"]["text"].startswith("您好，报名需要户口簿")
    assert mine["consultation"]["can_rate"] is True
    assert await AuditRecord.exists(action="consultations.answer", target_id=str(c["id"]))
    assert await AuditRecord.exists(action="consultations.assign", target_id=str(c["id"]))


async def test_overdue_questions_are_flagged_and_counted_per_department(api, db):
    late = await question(received_at=at("2026-01-05"), department_code="tjj")
    admin = await sign_in(api, "admin")
    page = (
        await api.get(
            "/api/v1/admin/consultations",
            params={"overdue": 1, "department": "tjj", "sort": "due"},
            headers=admin,
        )
    ).json()
    item = next(i for i in page["items"] if i["id"] == late.id)
    assert item["deadline"]["overdue"] is True
    assert item["deadline"]["label"].startswith("已超期")
    summary = (await api.get("/api/v1/admin/consultations/overdue", headers=admin)).json()
    counts = {d["department"]["code"]: d["count"] for d in summary["by_department"]}
    assert counts["tjj"] >= 1
    assert summary["total"] >= counts["tjj"]


async def test_a_department_asks_for_reassignment_with_its_reason_and_an_admin_decides(api, db):
    c = await question(received_at=at("2026-03-02"), department_code=EDU)
    dept = await sign_in(api, "dept_edu")
    path = f"/api/v1/admin/consultations/{c.id}/reassignment-requests"
    assert (
        "改派理由"
        in assert_error(await api.post(path, json={"reason": "  "}, headers=dept), 422)["fields"][
            "reason"
        ]
    )
    made = await api.post(
        path,
        json={"reason": "该问题涉及低保政策，应由民政局答复", "to_department": "mzj"},
        headers=dept,
    )
    assert made.status_code == 201, made.text
    request = made.json()["request"]
    assert request["state"] == "pending"
    assert request["to_department"]["code"] == "mzj"
    assert_error(await api.post(path, json={"reason": "再申请一次"}, headers=dept), 409)

    admin = await sign_in(api, "admin")
    pending = (
        await api.get(
            "/api/v1/admin/consultation-reassignments", params={"state": "pending"}, headers=admin
        )
    ).json()
    assert any(r["id"] == request["id"] for r in pending["items"])
    rejected_without_reason = await api.post(
        f"/api/v1/admin/consultation-reassignments/{request['id']}/decision",
        json={"approve": False},
        headers=admin,
    )
    assert_error(rejected_without_reason, 422)
    approved = await api.post(
        f"/api/v1/admin/consultation-reassignments/{request['id']}/decision",
        json={"approve": True, "note": "同意"},
        headers=admin,
    )
    assert approved.json()["request"]["state"] == "approved"
    assert (await Consultation.get(id=c.id)).department_code == "mzj"
    # An unrouted question has no department to move from: a dispatcher assigns it directly.
    unrouted = await question(received_at=at("2026-03-02"))
    refused = await api.post(
        f"/api/v1/admin/consultations/{unrouted.id}/reassignment-requests",
        json={"reason": "请分派给民政局"},
        headers=admin,
    )
    assert assert_error(refused, 409)["code"] == "not_assigned"
    # The question has left the department: now it is someone else's (404).
    assert_error(await api.get(f"/api/v1/admin/consultations/{c.id}", headers=dept), 404)
    detail = (await api.get(f"/api/v1/admin/consultations/{c.id}", headers=admin)).json()
    assert detail["consultation"]["reassignments"][0]["reason"].startswith("该问题涉及低保")


async def test_requests_and_decisions_sent_at_once_make_one_pending_request_decided_once(api, db):
    c = await question(received_at=at("2026-03-02"), department_code=EDU)
    dept = await sign_in(api, "dept_edu")
    path = f"/api/v1/admin/consultations/{c.id}/reassignment-requests"
    asked = await asyncio.gather(
        *(api.post(path, json={"reason": f"不属于本部门（{i}）"}, headers=dept) for i in range(6))
    )
    assert sorted(r.status_code for r in asked) == [201] + [409] * 5
    [made] = [r.json()["request"] for r in asked if r.status_code == 201]
    admin = await sign_in(api, "admin")
    decision = f"/api/v1/admin/consultation-reassignments/{made['id']}/decision"
    decided = await asyncio.gather(
        api.post(decision, json={"approve": True, "department_code": "mzj"}, headers=admin),
        api.post(decision, json={"approve": False, "note": "仍由教育局答复"}, headers=admin),
        api.post(decision, json={"approve": True, "department_code": "tjj"}, headers=admin),
    )
    assert sorted(r.status_code for r in decided) == [200, 409, 409]
    [winner] = [r.json()["request"] for r in decided if r.status_code == 200]
    row = await Consultation.get(id=c.id)
    again = await api.post(path, json={"reason": "再次申请改派"}, headers=dept)
    if winner["state"] == "approved":
        assert row.department_code in ("mzj", "tjj")
        assert_error(again, 404)  # the question has left the department
    else:
        assert row.department_code == EDU
        assert again.status_code == 201, again.text  # decided: the department may ask again


async def test_reply_limits_and_routing_rules_are_settings_the_admin_edits(api, sandbox, db):
    admin = await sign_in(api, "admin")
    settings = (await api.get("/api/v1/admin/consultation-settings", headers=admin)).json()
    assert settings["limits"] == {"enquiry": 3, "help": 10, "suggestion": 10, "complaint": 10}
    other = next(r for r in settings["routing"] if r["domain"]["id"] is None)
    assert other["domain"]["name"] == "其他"
    try:
        changed = await api.put(
            "/api/v1/admin/consultation-settings/limits",
            json={"kind": "suggestion", "workdays": 15},
            headers=admin,
        )
        assert changed.json()["limits"]["suggestion"] == 15
        routed = await api.put(
            "/api/v1/admin/consultation-settings/routing",
            json={"domain_id": 0, "department_code": "sjzyj"},
            headers=admin,
        )
        assert any(
            r["domain"]["id"] is None and r["department"]["code"] == "sjzyj"
            for r in routed.json()["routing"]
        )
        me = await resident(api, sandbox)
        c = (await submit(api, me, kind="suggestion")).json()["consultation"]
        assert c["status"] == "assigned"
        assert c["deadline"]["workdays_left"] == 15
        assert (await Consultation.get(id=c["id"])).department_code == "sjzyj"
        for bad in ({"kind": "enquiry", "workdays": 0}, {"kind": "nope", "workdays": 3}):
            assert_error(
                await api.put(
                    "/api/v1/admin/consultation-settings/limits", json=bad, headers=admin
                ),
                422,
            )
        assert_error(
            await api.put(
                "/api/v1/admin/consultation-settings/routing",
                json={"domain_id": 0, "department_code": "nosuch"},
                headers=admin,
            ),
            422,
        )
        _, editor = await create_staff(api, admin, role="editor")
        editor_headers = await sign_in(api, editor, STRONG_PASSWORD)
        assert_error(
            await api.put(
                "/api/v1/admin/consultation-settings/limits",
                json={"kind": "enquiry", "workdays": 5},
                headers=editor_headers,
            ),
            403,
        )
    finally:
        await api.put(
            "/api/v1/admin/consultation-settings/limits",
            json={"kind": "suggestion", "workdays": 10},
            headers=admin,
        )
        await api.put(
            "/api/v1/admin/consultation-settings/routing",
            json={"domain_id": 0, "department_code": None},
            headers=admin,
        )


async def test_a_new_kind_moves_the_due_date(api, db):
    c = await question(received_at=at("2026-03-02"), department_code=EDU)
    assert c.due_date == date(2026, 3, 5)
    admin = await sign_in(api, "admin")
    changed = await api.post(
        f"/api/v1/admin/consultations/{c.id}/classify", json={"kind": "help"}, headers=admin
    )
    assert changed.json()["consultation"]["deadline"]["due_date"] == "2026-03-16"
    assert changed.json()["consultation"]["kind_label"] == "求助"
    assert_error(
        await api.post(f"/api/v1/admin/consultations/{c.id}/classify", json={}, headers=admin),
        422,
    )


async def test_staff_find_answers_to_similar_questions(api, db):
    old = await question(
        received_at=at("2026-02-02"),
        text="请问残疾人两项补贴怎么申请，需要带什么材料？",
        department_code="mzj",
    )
    await Consultation.filter(id=old.id).update(
        status="answered", answer_text="残疾人两项补贴向户籍所在乡镇民政所申请，携带残疾证。"
    )
    from mini_program.consultations.service import queue

    await queue.index_answered([await Consultation.get(id=old.id)])
    new = await question(
        received_at=at("2026-03-02"), text="残疾人补贴在哪里申请？", department_code="mzj"
    )
    admin = await sign_in(api, "admin")
    found = (await api.get(f"/api/v1/admin/consultations/{new.id}/similar", headers=admin)).json()[
        "items"
    ]
    assert found
    assert found[0]["id"] == old.id
    assert found[0]["answer"].startswith("残疾人两项补贴向户籍所在乡镇")
    # Department staff of another department see another department's private work only
    # when it was published.
    dept = await sign_in(api, "dept_edu")
    ours = await question(
        received_at=at("2026-03-02"), text="残疾人补贴在哪里申请？", department_code=EDU
    )
    theirs = (await api.get(f"/api/v1/admin/consultations/{ours.id}/similar", headers=dept)).json()[
        "items"
    ]
    assert all(item["id"] != old.id for item in theirs)


async def test_staff_see_the_phone_masked_and_reveal_it_with_an_audit_record(api, sandbox, db):
    me = await resident(api, sandbox)
    c = (await submit(api, me, phone="13812345678")).json()["consultation"]
    admin = await sign_in(api, "admin")
    detail = await api.get(f"/api/v1/admin/consultations/{c['id']}", headers=admin)
    assert detail.json()["consultation"]["phone_masked"] == "138****5678"
    assert "13812345678" not in detail.text
    revealed = await api.post(f"/api/v1/admin/consultations/{c['id']}/phone", headers=admin)
    assert revealed.json() == {"phone": "13812345678"}
    assert await AuditRecord.exists(action="consultations.phone_reveal", target_id=str(c["id"]))
    reviewer = await sign_in(api, "reviewer")
    assert_error(
        await api.post(f"/api/v1/admin/consultations/{c['id']}/phone", headers=reviewer), 403
    )


async def test_queue_query_parameters_are_checked(api, db):
    admin = await sign_in(api, "admin")
    for params in ({"page": 0}, {"per_page": 101}, {"status": "nope"}, {"sort": "x"}):
        assert_error(
            await api.get("/api/v1/admin/consultations", params=params, headers=admin), 422
        )
    assert_error(await api.get("/api/v1/admin/consultations"), 401)
