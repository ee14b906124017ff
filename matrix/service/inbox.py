"""The one inbox: follower messages of every account, assignment to departments, replies."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from gateway.crypto import mask
from gateway.errors import ApiError, Conflict, NotFound
from gateway.paging import fetch_page, page_answer, page_count
from gateway.workdays import add_workdays, workdays_between
from matrix.models import (
    INBOX_STATUS_LABELS,
    Account,
    Follower,
    InboxMessage,
    InboxReassignment,
    InboxStatus,
)
from matrix.service import reassignment as reassignment_service
from matrix.service.common import Actor, iso, local_date, now_utc, today_local, write_audit
from matrix.service.credentials import secret_of
from matrix.wechat import service as wechat
from matrix.wechat.errors import WeChatError

log = logging.getLogger("govmatrix.matrix.inbox")

REPLY_WINDOW = timedelta(hours=48)
# Anhui's 12345 practice: enquiries answered within 3 working days.
REPLY_LIMIT_WORKDAYS = 3
UNANSWERED = (InboxStatus.NEW, InboxStatus.ASSIGNED)


def _scope_q(department: str) -> Q:
    # A message belongs to the department it was assigned to, else to its account's department.
    return Q(assigned_department=department) | Q(
        assigned_department__isnull=True, department_code=department
    )


def message_to_dict(
    row: InboxMessage,
    account: Account | None = None,
    reassignment: InboxReassignment | None = None,
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    account = account or row.account
    status = InboxStatus(row.status)
    deadline = add_workdays(row.received_at, REPLY_LIMIT_WORKDAYS)
    return {
        "id": row.id,
        "account_code": account.code,
        "account_name": account.name,
        "department_code": row.department_code,
        "assigned_department": row.assigned_department,
        "responsible_department": row.assigned_department or row.department_code,
        # The openid is personal data: the inbox shows only its ends.
        "follower": mask(row.openid, keep_start=4, keep_end=4),
        "msg_type": row.msg_type,
        "content": row.content,
        "media_id": row.media_id,
        "received_at": iso(row.received_at),
        "status": status.value,
        "status_label": INBOX_STATUS_LABELS[status],
        "auto_replied": row.auto_replied,
        "reply_text": row.reply_text,
        "replied_at": iso(row.replied_at),
        "replied_by": row.replied_by,
        "reply_errcode": row.reply_errcode,
        "reply_error": row.reply_error,
        "reply_workdays": row.reply_workdays,
        "reply_deadline": deadline.isoformat(),
        "overdue": status in UNANSWERED and today_local() > deadline,
        # The newest request to move it to another department, with both sides' reasons.
        "reassignment": reassignment_service.request_to_dict(reassignment)
        if reassignment
        else None,
    }


async def list_inbox(
    *,
    actor: Actor,
    account: str | None = None,
    department: str | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> dict[str, Any]:
    """Messages newest first, filtered; department staff see only their department's."""
    query = InboxMessage.all()
    if actor.department_scope is not None:
        query = query.filter(_scope_q(actor.department_scope))
    if department:
        query = query.filter(_scope_q(department))
    if account:
        query = query.filter(account__code=account)
    if status:
        query = query.filter(status=status)
    rows, total = await fetch_page(
        query.select_related("account").order_by("-received_at", "-id"),
        page=page,
        per_page=per_page,
    )
    latest = await reassignment_service.latest_for([r.id for r in rows])
    names = await reassignment_service.department_names() if latest else None
    return page_answer(
        [message_to_dict(r, reassignment=latest.get(r.id), names=names) for r in rows],
        total=total,
        page=page,
        per_page=per_page,
        pages=page_count(total, per_page),
    )


async def get_message(*, message_id: int, actor: Actor) -> InboxMessage:
    """One message, if the actor may see it (404 otherwise: out of scope reveals nothing)."""
    query = InboxMessage.filter(id=message_id)
    if actor.department_scope is not None:
        query = query.filter(_scope_q(actor.department_scope))
    row = await query.select_related("account").first()
    if row is None:
        raise NotFound("没有这条留言", code="message_not_found")
    return row


async def message_view(*, message_id: int, actor: Actor) -> dict[str, Any]:
    """One message as the API shows it, with its newest reassignment request."""
    row = await get_message(message_id=message_id, actor=actor)
    latest = await reassignment_service.latest_for([row.id])
    names = await reassignment_service.department_names() if latest else None
    return message_to_dict(row, reassignment=latest.get(row.id), names=names)


async def assign_message(*, message_id: int, department_code: str, actor: Actor) -> dict[str, Any]:
    """Hand a message to the department that must answer it (dispatchers only: a department
    asks with `request_reassignment`)."""
    row = await get_message(message_id=message_id, actor=actor)
    await reassignment_service.assign_directly(
        message=row, department_code=department_code, actor=actor
    )
    return await message_view(message_id=row.id, actor=actor)


async def request_reassignment(
    *, message_id: int, department_code: str, reason: str, actor: Actor
) -> dict[str, Any]:
    """Ask a dispatcher to move a message in one's scope to another department."""
    row = await get_message(message_id=message_id, actor=actor)
    request = await reassignment_service.request_reassignment(
        message=row, department_code=department_code, reason=reason, actor=actor
    )
    names = await reassignment_service.department_names()
    return reassignment_service.request_to_dict(request, names)


async def reply_window_open(row: InboxMessage) -> bool:
    """WeChat delivers customer-service messages only within 48 h of the follower's last one."""
    follower = await Follower.get_or_none(account_id=row.account_id, openid=row.openid)  # type: ignore[attr-defined]
    last = follower.last_message_at if follower and follower.last_message_at else row.received_at
    return now_utc() - last <= REPLY_WINDOW


async def reply_message(*, message_id: int, text: str, actor: Actor) -> dict[str, Any]:
    """Answer a follower through WeChat's customer-service API; the text is kept either way.

    Outside the 48-hour window (our own record, or WeChat's 45015) the reply stays as a draft
    and a 409 explains why.
    """
    row = await get_message(message_id=message_id, actor=actor)
    if row.status == InboxStatus.REPLIED:
        raise Conflict("该留言已回复", code="already_replied")
    account: Account = row.account
    row.reply_text = text
    row.replied_by = actor.name
    await row.save(update_fields=["reply_text", "replied_by"])

    if not await reply_window_open(row):
        await _record_failure(row, actor, None, "超过 48 小时回复时限")
        raise Conflict(
            "粉丝最后一次留言已超过 48 小时，微信不再允许通过客服消息回复。回复内容已保存为草稿，"
            "可在粉丝再次留言后发送，或改用电话等方式联系。",
            code="reply_window_closed",
        )
    secret = secret_of(account)
    if not account.appid or not secret:
        await _record_failure(row, actor, None, "账号未配置 AppSecret")
        raise Conflict("该账号未配置 AppSecret，无法回复", code="secret_missing")
    try:
        await wechat.send_custom_text(
            appid=account.appid, secret=secret, openid=row.openid, content=text
        )
    except WeChatError as exc:
        await _record_failure(row, actor, exc.errcode, exc.errmsg or type(exc).__name__)
        if exc.errcode == 45015:
            raise Conflict(
                "微信提示已超过 48 小时回复时限（45015）。回复内容已保存为草稿。",
                code="reply_window_closed",
                extra={"errcode": 45015},
            ) from exc
        raise ApiError(
            f"微信发送失败：{exc.user_message}。回复内容已保存为草稿，可稍后重试。",
            code="wechat_error",
            status=502,
            extra={"errcode": exc.errcode},
        ) from exc

    now = now_utc()
    async with in_transaction():
        row.status = InboxStatus.REPLIED
        row.replied_at = now
        row.reply_errcode = None
        row.reply_error = None
        row.reply_workdays = workdays_between(row.received_at, now)
        await row.save(
            update_fields=["status", "replied_at", "reply_errcode", "reply_error", "reply_workdays"]
        )
        await reassignment_service.cancel_when_answered(row.id, actor)
        await write_audit(
            actor,
            action="matrix.inbox.reply",
            target_type="matrix_inbox_message",
            target_id=row.id,
            detail={"account": account.code, "workdays": row.reply_workdays},
        )
    return message_to_dict(row, account)


async def _record_failure(
    row: InboxMessage, actor: Actor, errcode: int | None, reason: str
) -> None:
    row.reply_errcode = errcode
    row.reply_error = reason[:255]
    async with in_transaction():
        await row.save(update_fields=["reply_errcode", "reply_error"])
        await write_audit(
            actor,
            action="matrix.inbox.reply_failed",
            target_type="matrix_inbox_message",
            target_id=row.id,
            detail={"errcode": errcode, "reason": reason[:120]},
        )


async def unanswered_counts() -> dict[int, dict[str, int]]:
    """Per account id: unanswered messages, and those past the 3-working-day limit."""
    out: dict[int, dict[str, int]] = {}
    today = today_local()
    deadlines: dict[Any, Any] = {}
    rows = await InboxMessage.filter(status__in=UNANSWERED).values_list("account_id", "received_at")
    for account_id, received_at in rows:
        entry = out.setdefault(account_id, {"unanswered": 0, "overdue": 0})
        entry["unanswered"] += 1
        day = local_date(received_at)
        if day not in deadlines:
            deadlines[day] = add_workdays(day, REPLY_LIMIT_WORKDAYS)
        if today > deadlines[day]:
            entry["overdue"] += 1
    return out
