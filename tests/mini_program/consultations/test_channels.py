"""Other channels in the one queue: official-account messages and the service hall's desk;
the resident's rating and satisfaction per department."""

from __future__ import annotations

import secrets

import pytest

from gateway.jobs import run_due
from matrix.models import Account, InboxMessage
from mini_program.consultations.models import Consultation
from tests.conftest import assert_error
from tests.gateway.staff_helpers import sign_in
from tests.mini_program.consultations.helpers import resident, submit

# Deadlines, windows and open/close dates are county dates: `make test-midnight` runs these
# across Shanghai midnight.
pytestmark = pytest.mark.dates

DELIVER = ["consultations.deliver"]


async def _follower_writes(sandbox, code: str, content: str) -> tuple[Account, InboxMessage]:
    account = await Account.get(code=code)
    fan = "o" + secrets.token_hex(12)
    sent = await sandbox.post(
        "/sandbox/follower-message",
        json={"appid": account.appid, "openid": fan, "content": content},
    )
    assert sent.json()["delivered"] is True, sent.text
    return account, await InboxMessage.get(openid=fan)


async def _outbox(sandbox, account: Account, openid: str) -> list[str]:
    box = (await sandbox.get("/sandbox/outbox", params={"appid": account.appid})).json()
    return [str(m["content"]) for m in box["messages"] if m["to"] == openid]


async def test_a_follower_message_becomes_a_consultation_and_the_follower_is_told_and_answered(
    api, sandbox, db
):
    account, message = await _follower_writes(
        sandbox, "mcjy", "请问孩子上初中的学区是怎么划分的？我家在城东。"
    )
    editor = await sign_in(api, "editor")
    education = next(
        d["id"]
        for d in (await api.get("/api/v1/mp/domains")).json()["items"]
        if d["name"] == "义务教育"
    )
    made = await api.post(
        "/api/v1/admin/consultations/from-inbox",
        json={"message_id": message.id, "domain_id": education},
        headers=editor,
    )
    assert made.status_code == 201, made.text
    c = made.json()["consultation"]
    assert c["channel"] == "wechat"
    assert c["channel_label"] == "公众号留言"
    assert c["inbox_message_id"] == message.id
    assert c["account_code"] == "mcjy"
    assert c["text"].startswith("请问孩子上初中")
    assert c["department"]["code"] == "jyj"
    assert c["ack_delivery"] == "queued"
    assert_error(
        await api.post(
            "/api/v1/admin/consultations/from-inbox",
            json={"message_id": message.id},
            headers=editor,
        ),
        409,
        "already_converted",
    )

    await run_due(kinds=DELIVER)
    row = await Consultation.get(id=c["id"])
    assert row.ack_delivery == "sent"
    told = await _outbox(sandbox, account, message.openid)
    assert any(row.reference in t and f"/consultations/r/{row.public_token}" in t for t in told)
    # The inbox shows the message answered with that acknowledgement: the two are linked.
    await message.refresh_from_db()
    assert message.status == "replied"
    assert row.reference in (message.reply_text or "")

    # The answer page the follower was pointed to.
    page = await api.get(f"/consultations/r/{row.public_token}")
    assert page.status_code == 200
    assert "办理中" in page.text
    assert row.reference in page.text
    assert page.headers["x-robots-tag"] == "noindex"
    assert_error(await api.get("/consultations/r/" + "0" * 32), 404)

    dept = await sign_in(api, "dept_edu")
    answered = await api.post(
        f"/api/v1/admin/consultations/{c['id']}/answer",
        json={"text": "您好，城东片区初中划入蒙城县第二中学学区，详见教育局招生公告。"},
        headers=dept,
    )
    assert answered.json()["consultation"]["answer_delivery"] == "queued"
    await run_due(kinds=DELIVER)
    assert (await Consultation.get(id=c["id"])).answer_delivery == "sent"
    told = await _outbox(sandbox, account, message.openid)
    assert any("第二中学学区" in t and row.reference in t for t in told)
    page = await api.get(f"/consultations/r/{row.public_token}")
    assert "第二中学学区" in page.text


async def test_an_answer_after_48_hours_cannot_reach_the_follower_who_was_told_where_to_look(
    api, sandbox, db
):
    account, message = await _follower_writes(sandbox, "mcmz", "低保年审什么时候开始？需要带什么？")
    editor = await sign_in(api, "editor")
    c = (
        await api.post(
            "/api/v1/admin/consultations/from-inbox",
            json={"message_id": message.id},
            headers=editor,
        )
    ).json()["consultation"]
    await run_due(kinds=DELIVER)
    admin = await sign_in(api, "admin")
    await api.post(
        f"/api/v1/admin/consultations/{c['id']}/assign",
        json={"department_code": "mzj"},
        headers=admin,
    )
    await sandbox.post(
        "/sandbox/clock", json={"appid": account.appid, "advance_seconds": 49 * 3600}
    )
    try:
        await api.post(
            f"/api/v1/admin/consultations/{c['id']}/answer",
            json={"text": "低保年审每年三季度开展，请携带身份证和收入证明。"},
            headers=admin,
        )
        await run_due(kinds=DELIVER)
    finally:
        await sandbox.post("/sandbox/clock", json={"appid": account.appid, "reset": True})
    row = await Consultation.get(id=c["id"])
    assert row.ack_delivery == "sent"
    assert row.answer_delivery == "window_closed"
    detail = await api.get(f"/console/consultations/{c['id']}", headers=admin)
    assert "已超过 48 小时" in detail.text


async def test_only_text_messages_in_scope_are_converted(api, sandbox, db):
    _, message = await _follower_writes(sandbox, "mcfb", "你好")
    await InboxMessage.filter(id=message.id).update(msg_type="image", content="")
    editor = await sign_in(api, "editor")
    assert_error(
        await api.post(
            "/api/v1/admin/consultations/from-inbox",
            json={"message_id": message.id},
            headers=editor,
        ),
        422,
        "not_a_text_message",
    )
    assert_error(
        await api.post(
            "/api/v1/admin/consultations/from-inbox", json={"message_id": 10**12}, headers=editor
        ),
        404,
    )
    dept = await sign_in(api, "dept_edu")
    assert_error(
        await api.post(
            "/api/v1/admin/consultations/from-inbox",
            json={"message_id": message.id},
            headers=dept,
        ),
        403,
    )


async def test_the_help_desk_enters_a_visitors_question_and_prints_a_slip(api, db):
    editor = await sign_in(api, "editor")
    bad = await api.post(
        "/api/v1/admin/consultations/desk",
        json={"text": "问", "phone": "abc"},
        headers=editor,
    )
    fields = assert_error(bad, 422)["fields"]
    assert "text" in fields
    assert "phone" in fields
    made = await api.post(
        "/api/v1/admin/consultations/desk",
        json={
            "text": "老人办理高龄津贴需要本人到场吗？",
            "contact_name": "赵大爷",
            "phone": "0558-7123456",
            "kind": "enquiry",
        },
        headers=editor,
    )
    assert made.status_code == 201, made.text
    c = made.json()["consultation"]
    assert c["channel"] == "hall"
    assert c["recorded_by"] == "editor"
    assert c["contact_name"] == "赵大爷"
    assert c["phone_masked"] == "0558****456"
    slip = await api.get(f"/console/consultations/{c['id']}/slip", headers=editor)
    assert slip.status_code == 200
    assert c["reference"] in slip.text
    assert "<svg" in slip.text
    assert "/consultations/r/" in slip.text


async def test_the_resident_rates_the_answer_once_and_satisfaction_is_shown_per_department(
    api, sandbox, db
):
    me = await resident(api, sandbox)
    c = (await submit(api, me)).json()["consultation"]
    rate = f"/api/v1/mp/consultations/{c['id']}/rating"
    assert_error(
        await api.post(rate, json={"rating": "satisfied"}, headers=me), 409, "not_answered"
    )
    admin = await sign_in(api, "admin")
    await api.post(
        f"/api/v1/admin/consultations/{c['id']}/assign",
        json={"department_code": "tjj"},
        headers=admin,
    )
    await api.post(
        f"/api/v1/admin/consultations/{c['id']}/answer",
        json={"text": "统计数据可在县政府网站“统计信息”栏目查询。"},
        headers=admin,
    )
    assert_error(await api.post(rate, json={"rating": "great"}, headers=me), 422)
    other = await resident(api, sandbox)
    assert_error(await api.post(rate, json={"rating": "satisfied"}, headers=other), 404)
    rated = await api.post(
        rate, json={"rating": "basically_satisfied", "comment": "希望更详细"}, headers=me
    )
    assert rated.status_code == 200, rated.text
    body = rated.json()["consultation"]
    assert body["rating"]["label"] == "基本满意"
    assert body["can_rate"] is False
    assert_error(
        await api.post(rate, json={"rating": "dissatisfied"}, headers=me), 409, "already_rated"
    )
    rows = (await api.get("/api/v1/admin/consultations/satisfaction", headers=admin)).json()
    tjj = next(r for r in rows["items"] if r["department"]["code"] == "tjj")
    assert tjj["rated"] >= 1
    assert tjj["basically_satisfied"] >= 1
    assert 0 <= tjj["satisfaction_rate"] <= 1
    assert_error(
        await api.get(
            "/api/v1/admin/consultations/satisfaction",
            params={"from": "2026-05-01", "to": "2026-04-01"},
            headers=admin,
        ),
        422,
    )
    # Dates are YYYY-MM-DD only (pydantic alone would read "0" as a Unix time).
    assert_error(
        await api.get(
            "/api/v1/admin/consultations/satisfaction", params={"to": "0"}, headers=admin
        ),
        422,
    )


async def test_a_departments_pending_request_to_move_a_message_is_decided_once_in_the_queue(
    api, sandbox, db
):
    """Department asks, dispatcher decides: a request made in the inbox follows the message
    into the queue, and the inbox's copy closes when the message is answered."""
    _, message = await _follower_writes(
        sandbox, "mcjy", "我家老人没有收入，想问问低保怎么申请，需要什么材料？"
    )
    dept = await sign_in(api, "dept_edu")
    asked = await api.post(
        f"/api/v1/admin/inbox/{message.id}/reassignment-requests",
        json={"department_code": "mzj", "reason": "低保由民政局办理"},
        headers=dept,
    )
    assert asked.status_code == 201, asked.text
    editor = await sign_in(api, "editor")
    made = await api.post(
        "/api/v1/admin/consultations/from-inbox", json={"message_id": message.id}, headers=editor
    )
    assert made.status_code == 201, made.text
    c = made.json()["consultation"]
    [carried] = c["reassignments"]
    assert carried["state"] == "pending"
    assert carried["reason"] == "低保由民政局办理"
    assert carried["to_department"]["code"] == "mzj"
    await run_due(kinds=DELIVER)
    inbox = (await api.get(f"/api/v1/admin/inbox/{message.id}", headers=editor)).json()
    assert inbox["message"]["reassignment"]["status"] == "cancelled"
    # The editor, a dispatcher of both, decides it in the queue.
    decided = await api.post(
        f"/api/v1/admin/consultation-reassignments/{carried['id']}/decision",
        json={"approve": True, "department_code": "mzj"},
        headers=editor,
    )
    assert decided.status_code == 200, decided.text
    detail = (await api.get(f"/api/v1/admin/consultations/{c['id']}", headers=editor)).json()
    assert detail["consultation"]["department"]["code"] == "mzj"
