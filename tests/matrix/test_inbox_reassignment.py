"""A department moves a message out only through a request that a dispatcher decides."""

from __future__ import annotations

import asyncio

import httpx

from gateway.audit import AuditRecord
from matrix.models import InboxMessage
from tests.conftest import assert_error
from tests.gateway.staff_helpers import STRONG_PASSWORD, create_staff
from tests.matrix.matrix_helpers import sign_in
from tests.matrix.test_inbox import follower_writes

API = "/api/v1/admin/inbox"


async def _department_staff(api: httpx.AsyncClient, department: str) -> dict:
    admin = await sign_in(api, "admin")
    _id, username = await create_staff(
        api, admin, role="department_staff", prefix="dept", department_code=department
    )
    return await sign_in(api, username, STRONG_PASSWORD)


async def _ask(api, headers, message_id, to="mzj", reason="养老补贴由民政局负责") -> httpx.Response:
    return await api.post(
        f"{API}/{message_id}/reassignment-requests",
        json={"department_code": to, "reason": reason},
        headers=headers,
    )


async def test_department_staff_cannot_move_a_message_out_directly(api, sandbox, db):
    message = await follower_writes(sandbox, "mcjy", "教育局：高龄津贴怎么领？")
    edu = await sign_in(api, "dept_edu")
    refused = await api.post(
        f"{API}/{message.id}/assign", json={"department_code": "mzj"}, headers=edu
    )
    assert_error(refused, 403, "forbidden")
    await message.refresh_from_db()
    assert message.assigned_department is None
    assert message.status == "new"
    # Still theirs, and the way to move it is a request.
    shown = (await api.get(f"{API}/{message.id}", headers=edu)).json()["message"]
    assert shown["responsible_department"] == "jyj"
    assert shown["reassignment"] is None


async def test_a_request_approved_by_an_admin_moves_the_message(api, sandbox, db):
    message = await follower_writes(sandbox, "mcjy", "教育局：养老补贴什么时候发？")
    edu = await sign_in(api, "dept_edu")
    asked = await _ask(api, edu, message.id)
    assert asked.status_code == 201, asked.text
    request = asked.json()["request"]
    assert request["status"] == "pending"
    assert request["from_department"] == "jyj"
    assert request["to_department_name"]
    assert request["reason"] == "养老补贴由民政局负责"
    # Until decided the department keeps the message and sees its request.
    shown = (await api.get(f"{API}/{message.id}", headers=edu)).json()["message"]
    assert shown["responsible_department"] == "jyj"
    assert shown["reassignment"]["status"] == "pending"
    assert_error(await _ask(api, edu, message.id), 409, "reassignment_pending")

    admin = await sign_in(api, "admin")
    pending = (
        await api.get(f"{API}/reassignment-requests", params={"status": "pending"}, headers=admin)
    ).json()
    assert request["id"] in {r["id"] for r in pending["items"]}
    approved = await api.post(
        f"{API}/reassignment-requests/{request['id']}/approve",
        json={"note": "已转民政局"},
        headers=admin,
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["request"]["status"] == "approved"
    await message.refresh_from_db()
    assert message.assigned_department == "mzj"
    assert message.status == "assigned"

    # The asking department no longer sees the message, but sees the outcome of its request.
    assert_error(await api.get(f"{API}/{message.id}", headers=edu), 404)
    mine = (await api.get(f"{API}/reassignment-requests", headers=edu)).json()["items"]
    outcome = next(r for r in mine if r["id"] == request["id"])
    assert outcome["status"] == "approved"
    assert outcome["decision_note"] == "已转民政局"
    civil = await _department_staff(api, "mzj")
    assert (await api.get(f"{API}/{message.id}", headers=civil)).status_code == 200
    actions = set(
        await AuditRecord.filter(
            target_type="matrix_inbox_reassignment", target_id=str(request["id"])
        ).values_list("action", flat=True)
    )
    assert actions == {"matrix.inbox.reassign_request", "matrix.inbox.reassign_approve"}


async def test_a_refused_request_keeps_the_message_and_shows_why(api, sandbox, db):
    message = await follower_writes(sandbox, "mcjy", "教育局：学生资助政策？")
    edu = await sign_in(api, "dept_edu")
    request = (await _ask(api, edu, message.id, reason="应由民政局答复")).json()["request"]
    admin = await sign_in(api, "admin")
    no_reason = await api.post(
        f"{API}/reassignment-requests/{request['id']}/refuse", json={"reason": " "}, headers=admin
    )
    assert "reason" in assert_error(no_reason, 422)["fields"]
    refused = await api.post(
        f"{API}/reassignment-requests/{request['id']}/refuse",
        json={"reason": "学生资助属于教育局职责，请直接答复"},
        headers=admin,
    )
    assert refused.status_code == 200, refused.text
    await message.refresh_from_db()
    assert message.assigned_department is None
    assert message.status == "new"
    shown = (await api.get(f"{API}/{message.id}", headers=edu)).json()["message"]
    assert shown["reassignment"]["status"] == "refused"
    assert shown["reassignment"]["decision_note"] == "学生资助属于教育局职责，请直接答复"
    # Decided once; and the department may ask again with a better reason.
    again = await api.post(f"{API}/reassignment-requests/{request['id']}/approve", headers=admin)
    assert_error(again, 409, "reassignment_decided")
    assert (await _ask(api, edu, message.id, reason="补充：涉及低保家庭")).status_code == 201
    assert await AuditRecord.exists(
        action="matrix.inbox.reassign_refuse", target_id=str(request["id"])
    )


async def test_requests_sent_at_once_leave_one_pending_and_one_decision_wins(api, sandbox, db):
    message = await follower_writes(sandbox, "mcjy", "教育局：残疾人补贴？")
    edu = await sign_in(api, "dept_edu")
    answers = await asyncio.gather(*(_ask(api, edu, message.id) for _ in range(6)))
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409, 409, 409]
    request_id = next(a.json()["request"]["id"] for a in answers if a.status_code == 201)
    admin = await sign_in(api, "admin")
    approve, refuse = await asyncio.gather(
        api.post(f"{API}/reassignment-requests/{request_id}/approve", headers=admin),
        api.post(
            f"{API}/reassignment-requests/{request_id}/refuse",
            json={"reason": "不属于民政局"},
            headers=admin,
        ),
    )
    assert sorted([approve.status_code, refuse.status_code]) == [200, 409]
    await message.refresh_from_db()
    moved = approve.status_code == 200
    assert (message.assigned_department == "mzj") is moved


async def test_requests_are_checked_and_scoped(api, sandbox, db):
    own = await follower_writes(sandbox, "mcjy", "教育局：校服费用？")
    other = await follower_writes(sandbox, "mcmz", "民政局：婚姻登记？")
    edu = await sign_in(api, "dept_edu")
    assert_error(await _ask(api, edu, other.id), 404)  # not theirs: nothing revealed
    assert "reason" in assert_error(await _ask(api, edu, own.id, reason="x"), 422)["fields"]
    nowhere = await _ask(api, edu, own.id, to="nosuch")
    assert "department_code" in assert_error(nowhere, 422)["fields"]
    assert "department_code" in assert_error(await _ask(api, edu, own.id, to="jyj"), 422)["fields"]
    editor = await sign_in(api, "editor")  # editors dispatch, like administrators
    request = (await _ask(api, edu, own.id)).json()["request"]
    assigned = await api.post(
        f"{API}/{own.id}/assign", json={"department_code": "ybj"}, headers=editor
    )
    assert assigned.status_code == 200, assigned.text
    # A direct assignment overtakes the pending request, which says so.
    overtaken = assigned.json()["message"]["reassignment"]
    assert overtaken["id"] == request["id"]
    assert overtaken["status"] == "cancelled"
    assert_error(
        await api.post(f"{API}/reassignment-requests/{request['id']}/approve", headers=editor),
        409,
        "reassignment_decided",
    )
    assert_error(
        await api.post(f"{API}/reassignment-requests/{request['id']}/approve", headers=edu), 403
    )
    assert (await InboxMessage.get(id=own.id)).assigned_department == "ybj"
