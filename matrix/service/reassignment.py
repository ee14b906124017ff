"""Moving a message to another department: direct for dispatchers, by request for departments.

A department that receives a message it cannot answer asks for it to be moved, saying why;
a dispatcher (permission `inbox.assign`: administrators and the county's editors) approves,
which moves it, or refuses, saying why. The department keeps the message, and sees it, until
then: moving it out directly would have taken it out of their own scope before anyone
county-wide had looked. Both sides see the reasons; every step is audited.
"""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from gateway.errors import Conflict, Forbidden, Invalid, NotFound
from gateway.org import Department
from gateway.paging import fetch_page, page_answer
from matrix.models import (
    REASSIGNMENT_STATUS_LABELS,
    InboxMessage,
    InboxReassignment,
    InboxStatus,
    ReassignmentStatus,
)
from matrix.service.common import Actor, iso, now_utc, write_audit

DONE = (InboxStatus.REPLIED, InboxStatus.CLOSED)
TARGET = "matrix_inbox_reassignment"


def responsible(message: InboxMessage) -> str | None:
    """The department that must answer a message."""
    return message.assigned_department or message.department_code


def request_to_dict(row: InboxReassignment, names: dict[str, str] | None = None) -> dict[str, Any]:
    names = names or {}
    status = ReassignmentStatus(row.status)
    return {
        "id": row.id,
        "message_id": row.message_id,  # type: ignore[attr-defined]
        "from_department": row.from_department,
        "from_department_name": names.get(row.from_department, row.from_department),
        "to_department": row.to_department,
        "to_department_name": names.get(row.to_department, row.to_department),
        "reason": row.reason,
        "status": status.value,
        "status_label": REASSIGNMENT_STATUS_LABELS[status],
        "requested_by": row.requested_by,
        "requested_at": iso(row.created_at),
        "decided_by": row.decided_by,
        "decision_note": row.decision_note,
        "decided_at": iso(row.decided_at),
    }


async def department_names() -> dict[str, str]:
    return {d.code: d.short_name or d.name for d in await Department.all()}


async def _department(code: str) -> Department:
    department = await Department.get_or_none(code=code)
    if department is None:
        raise Invalid(fields={"department_code": "没有这个部门"})
    return department


async def assign_directly(*, message: InboxMessage, department_code: str, actor: Actor) -> None:
    """A dispatcher hands a message to a department (audited). A pending request for it is
    overtaken and says so."""
    if actor.department_scope is not None:
        raise Forbidden(
            "部门工作人员不能直接分派留言，请提交转办申请，由管理员确认",
            code="reassignment_required",
        )
    department = await _department(department_code)
    if message.status in DONE:
        raise Conflict("该留言已回复或已关闭，不能再分派", code="message_closed")
    previous = responsible(message)
    async with in_transaction():
        message.assigned_department = department_code
        message.status = InboxStatus.ASSIGNED
        await message.save(update_fields=["assigned_department", "status"])
        note = f"已由{actor.name}直接分派给{department.short_name or department.name}"
        await _cancel_pending(message.id, note, actor)
        await write_audit(
            actor,
            action="matrix.inbox.assign",
            target_type="matrix_inbox_message",
            target_id=message.id,
            detail={"from": previous, "to": department_code},
        )


async def request_reassignment(
    *, message: InboxMessage, department_code: str, reason: str, actor: Actor
) -> InboxReassignment:
    """Ask for a message of one's own department to be moved to another (one pending request
    per message; the message stays with the department until a dispatcher decides)."""
    await _department(department_code)
    current = responsible(message)
    if department_code == current:
        raise Invalid(fields={"department_code": "留言已由该部门负责，无需转办"})
    if message.status in DONE:
        raise Conflict("该留言已回复或已关闭，不能再转办", code="message_closed")
    try:
        async with in_transaction():
            row = await InboxReassignment.create(
                message_id=message.id,
                open_message_id=message.id,
                from_department=current or "",
                to_department=department_code,
                reason=reason,
                requested_by=actor.name,
            )
            await write_audit(
                actor,
                action="matrix.inbox.reassign_request",
                target_type=TARGET,
                target_id=row.id,
                detail={"message": message.id, "from": current, "to": department_code},
            )
    except IntegrityError as exc:  # the unique open_message_id: one pending request at a time
        raise Conflict("这条留言已有待确认的转办申请", code="reassignment_pending") from exc
    return row


async def list_requests(
    *, actor: Actor, status: str | None = None, page: int = 1, per_page: int = 20
) -> dict[str, Any]:
    """Requests newest first; a department sees the requests it made."""
    query = InboxReassignment.all()
    if actor.department_scope is not None:
        query = query.filter(from_department=actor.department_scope)
    if status:
        query = query.filter(status=status)
    rows, total = await fetch_page(query.order_by("-id"), page=page, per_page=per_page)
    names = await department_names()
    return page_answer(
        [request_to_dict(r, names) for r in rows], total=total, page=page, per_page=per_page
    )


async def count_pending() -> int:
    return await InboxReassignment.filter(status=ReassignmentStatus.PENDING).count()


async def latest_for(message_ids: list[int]) -> dict[int, InboxReassignment]:
    """The newest request of each message (what the inbox shows beside it)."""
    out: dict[int, InboxReassignment] = {}
    if not message_ids:
        return out
    for row in await InboxReassignment.filter(message_id__in=message_ids).order_by("id"):
        out[row.message_id] = row  # type: ignore[attr-defined]
    return out


async def decide(
    *, request_id: int, approve: bool, note: str | None, actor: Actor
) -> InboxReassignment:
    """Approve (the message moves) or refuse (it stays; `note` says why) a pending request.

    Decided once: of two dispatchers deciding at the same moment, the second gets a 409.
    """
    row = await InboxReassignment.get_or_none(id=request_id) if 0 < request_id < 2**63 else None
    if row is None:
        raise NotFound("没有这个转办申请", code="reassignment_not_found")
    message = await InboxMessage.get(id=row.message_id)  # type: ignore[attr-defined]
    if approve and message.status in DONE:
        raise Conflict("该留言已回复或已关闭，不能再转办", code="message_closed")
    status = ReassignmentStatus.APPROVED if approve else ReassignmentStatus.REFUSED
    async with in_transaction():
        decided = await InboxReassignment.filter(
            id=row.id, status=ReassignmentStatus.PENDING
        ).update(
            status=status,
            open_message_id=None,
            decided_by=actor.name,
            decision_note=note,
            decided_at=now_utc(),
        )
        if not decided:
            raise Conflict("该转办申请已处理", code="reassignment_decided")
        if approve:
            message.assigned_department = row.to_department
            message.status = InboxStatus.ASSIGNED
            await message.save(update_fields=["assigned_department", "status"])
        await write_audit(
            actor,
            action="matrix.inbox.reassign_approve" if approve else "matrix.inbox.reassign_refuse",
            target_type=TARGET,
            target_id=row.id,
            detail={
                "message": message.id,
                "from": row.from_department,
                "to": row.to_department,
                "note": note,
            },
        )
    await row.refresh_from_db()
    return row


async def cancel_when_answered(message_id: int, actor: Actor) -> None:
    """A message answered while a request is pending needs no other department."""
    await _cancel_pending(message_id, "留言已回复", actor)


async def _cancel_pending(message_id: int, note: str, actor: Actor) -> None:
    await InboxReassignment.filter(
        open_message_id=message_id, status=ReassignmentStatus.PENDING
    ).update(
        status=ReassignmentStatus.CANCELLED,
        open_message_id=None,
        decided_by=actor.name,
        decision_note=note,
        decided_at=now_utc(),
    )
