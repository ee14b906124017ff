"""The one inbox: listing, filters, assignment, replies within and outside 48 hours, scoping."""

import secrets
import time
from datetime import timedelta

import pytest

from gateway.audit import AuditRecord
from matrix.models import Account, Follower, InboxMessage
from matrix.service.common import now_utc
from tests.conftest import assert_error
from tests.matrix.matrix_helpers import peer_for, sign_in, text_xml


def openid() -> str:
    return "o" + secrets.token_hex(12)


async def follower_writes(sandbox, code: str, content: str) -> InboxMessage:
    account = await Account.get(code=code)
    fan = openid()
    response = await sandbox.post(
        "/sandbox/follower-message",
        json={"appid": account.appid, "openid": fan, "content": content},
    )
    assert response.json()["delivered"] is True, response.text
    return await InboxMessage.get(openid=fan)


@pytest.mark.dates
async def test_reply_within_48_hours_reaches_the_follower(api, sandbox, db):
    message = await follower_writes(sandbox, "mcjy", "请问小学入学需要哪些材料？")
    headers = await sign_in(api, "editor")
    response = await api.post(
        f"/api/v1/admin/inbox/{message.id}/reply",
        json={"text": "您好，需要户口簿和房产证明，详见教育局公告。"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()["message"]
    assert body["status"] == "replied"
    assert body["reply_workdays"] == 0
    assert body["replied_by"] == "editor"
    account = await Account.get(code="mcjy")
    outbox = (await sandbox.get("/sandbox/outbox", params={"appid": account.appid})).json()
    sent = [m for m in outbox["messages"] if m["to"] == message.openid]
    assert sent
    assert "户口簿" in str(sent[0]["content"])
    assert await AuditRecord.exists(action="matrix.inbox.reply", target_id=str(message.id))
    # A second reply to the same message is refused.
    assert_error(
        await api.post(
            f"/api/v1/admin/inbox/{message.id}/reply", json={"text": "再次"}, headers=headers
        ),
        409,
        "already_replied",
    )


async def test_reply_refused_by_wechat_after_48_hours_is_kept_as_a_draft(api, sandbox, db):
    message = await follower_writes(sandbox, "mcwl", "文化馆周末开放吗？")
    account = await Account.get(code="mcwl")
    advanced = await sandbox.post(
        "/sandbox/clock", json={"appid": account.appid, "advance_seconds": 49 * 3600}
    )
    assert advanced.status_code == 200, advanced.text
    try:
        headers = await sign_in(api, "editor")
        response = await api.post(
            f"/api/v1/admin/inbox/{message.id}/reply",
            json={"text": "周末正常开放。"},
            headers=headers,
        )
        error = assert_error(response, 409, "reply_window_closed")
        assert error["errcode"] == 45015
        assert "48 小时" in error["message"]
    finally:
        await sandbox.post("/sandbox/clock", json={"appid": account.appid, "reset": True})
    await message.refresh_from_db()
    assert message.status == "new"
    assert message.reply_text == "周末正常开放。"
    assert message.reply_errcode == 45015


async def test_reply_outside_our_own_record_of_the_window_is_not_sent(api, sandbox, db):
    peer = await peer_for("mcny")
    fan = openid()
    old = int(time.time()) - 49 * 3600
    assert (
        await peer.post(api, text_xml(fan, "化肥补贴什么时候发？", created=old))
    ).text == "success"
    message = await InboxMessage.get(openid=fan)
    headers = await sign_in(api, "admin")
    error = assert_error(
        await api.post(
            f"/api/v1/admin/inbox/{message.id}/reply", json={"text": "下月发放。"}, headers=headers
        ),
        409,
        "reply_window_closed",
    )
    assert "草稿" in error["message"]
    await message.refresh_from_db()
    assert message.reply_text == "下月发放。"
    assert message.status == "new"
    outbox = (await sandbox.get("/sandbox/outbox", params={"appid": peer.appid})).json()
    assert not [m for m in outbox["messages"] if m["to"] == fan]


async def test_a_new_message_reopens_the_window(api, sandbox, db):
    peer = await peer_for("mcny")
    fan = openid()
    old = int(time.time()) - 60 * 3600
    await peer.post(api, text_xml(fan, "旧留言", created=old))
    again = await sandbox.post(
        "/sandbox/follower-message", json={"appid": peer.appid, "openid": fan, "content": "新留言"}
    )
    assert again.json()["delivered"] is True
    first = await InboxMessage.get(openid=fan, content="旧留言")
    headers = await sign_in(api, "admin")
    response = await api.post(
        f"/api/v1/admin/inbox/{first.id}/reply", json={"text": "已收到"}, headers=headers
    )
    assert response.status_code == 200, response.text
    follower = await Follower.get(account__code="mcny", openid=fan)
    assert now_utc() - follower.last_message_at < timedelta(minutes=5)


async def test_department_staff_see_and_answer_only_their_department(api, sandbox, db):
    edu = await follower_writes(sandbox, "mcjy", "教育局：校车安排？")
    civil = await follower_writes(sandbox, "mcmz", "民政局：养老补贴？")
    headers = await sign_in(api, "dept_edu")
    listing = (
        await api.get("/api/v1/admin/inbox", params={"per_page": 100}, headers=headers)
    ).json()
    ids = {m["id"] for m in listing["items"]}
    assert edu.id in ids
    assert civil.id not in ids
    assert {m["responsible_department"] for m in listing["items"]} == {"jyj"}
    # Asking for another department still shows only their own.
    other = (
        await api.get("/api/v1/admin/inbox", params={"department": "mzj"}, headers=headers)
    ).json()
    assert all(m["responsible_department"] == "jyj" for m in other["items"])
    assert_error(await api.get(f"/api/v1/admin/inbox/{civil.id}", headers=headers), 404)
    assert_error(
        await api.post(
            f"/api/v1/admin/inbox/{civil.id}/reply", json={"text": "越权"}, headers=headers
        ),
        404,
    )
    await civil.refresh_from_db()
    assert civil.reply_text is None

    # Once the editor hands the message to 教育局, its staff see and answer it.
    editor = await sign_in(api, "editor")
    assigned = await api.post(
        f"/api/v1/admin/inbox/{civil.id}/assign", json={"department_code": "jyj"}, headers=editor
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["message"]["status"] == "assigned"
    assert (await api.get(f"/api/v1/admin/inbox/{civil.id}", headers=headers)).status_code == 200
    reply = await api.post(
        f"/api/v1/admin/inbox/{civil.id}/reply", json={"text": "已转交处理"}, headers=headers
    )
    assert reply.status_code == 200, reply.text
    record = await AuditRecord.filter(action="matrix.inbox.assign", target_id=str(civil.id)).first()
    assert record.detail == {"from": "mzj", "to": "jyj"}
    assert record.actor_name == "editor"


async def test_inbox_filters_and_bad_queries(api, sandbox, db):
    message = await follower_writes(sandbox, "mcyb", "医保报销比例？")
    headers = await sign_in(api, "admin")
    page = (
        await api.get(
            "/api/v1/admin/inbox", params={"account": "mcyb", "status": "new"}, headers=headers
        )
    ).json()
    assert message.id in {m["id"] for m in page["items"]}
    assert all(m["account_code"] == "mcyb" and m["status"] == "new" for m in page["items"])
    by_dept = (
        await api.get("/api/v1/admin/inbox", params={"department": "ybj"}, headers=headers)
    ).json()
    assert message.id in {m["id"] for m in by_dept["items"]}
    replied = (
        await api.get("/api/v1/admin/inbox", params={"status": "replied"}, headers=headers)
    ).json()
    assert message.id not in {m["id"] for m in replied["items"]}
    error = assert_error(
        await api.get(
            "/api/v1/admin/inbox", params={"status": "lost", "page": "-1"}, headers=headers
        ),
        422,
    )
    assert {"status", "page"} <= set(error["fields"])
    assert_error(await api.get("/api/v1/admin/inbox"), 401)


async def test_assign_and_reply_validate_their_input(api, sandbox, db):
    message = await follower_writes(sandbox, "mccg", "占道经营谁管？")
    headers = await sign_in(api, "admin")
    error = assert_error(
        await api.post(
            f"/api/v1/admin/inbox/{message.id}/assign",
            json={"department_code": "nosuch"},
            headers=headers,
        ),
        422,
    )
    assert "department_code" in error["fields"]
    assert_error(
        await api.post(
            f"/api/v1/admin/inbox/{message.id}/reply", json={"text": "   "}, headers=headers
        ),
        422,
    )
    assert_error(
        await api.post(
            f"/api/v1/admin/inbox/{message.id}/reply", json={"text": "x" * 601}, headers=headers
        ),
        422,
    )
    assert_error(
        await api.post("/api/v1/admin/inbox/999999999/reply", json={"text": "?"}, headers=headers),
        404,
    )
    assert_error(
        await api.post(f"/api/v1/admin/inbox/{message.id}/reply", content=b"{bad", headers=headers),
        400,
    )
    await message.refresh_from_db()
    assert message.status == "new"
    assert message.reply_text is None
