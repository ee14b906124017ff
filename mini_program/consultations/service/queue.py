"""The queue as staff work it: lists, one question, answers, routing by hand, reassignment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from gateway import crypto
from gateway.clock import local_date, now, to_iso
from gateway.errors import Conflict, Invalid, NotFound
from gateway.jobs import enqueue
from gateway.org import get_department
from gateway.workdays import add_workdays, workdays_between
from mini_program.catalogue import search
from mini_program.consultations import words
from mini_program.consultations.models import (
    KIND_LABELS,
    OPEN_STATUSES,
    REQUEST_STATE_LABELS,
    Channel,
    Consultation,
    Delivery,
    Kind,
    QaEntry,
    ReassignmentRequest,
    RequestState,
    Status,
)
from mini_program.consultations.schemas import QueueQuery
from mini_program.consultations.service.audit import record
from mini_program.consultations.service.common import (
    Actor,
    Names,
    names,
    photos_of,
    resident_view,
    staff_item,
    today,
)
from mini_program.consultations.service.settings import reply_limits
from mini_program.notify import service as notify

ANSWERED_KIND = "consult"  # staff-only search entries: every answered question
search.register_kind(ANSWERED_KIND, public=False)


# What a row of the queue shows (not the tokens, the answer or the contact details).
LIST_FIELDS = (
    "id", "reference", "channel", "kind", "status", "domain_id", "department_code", "text",
    "received_at", "due_date", "answer_workdays", "on_time", "rating", "published", "private",
)  # fmt: skip


def _scoped(actor: Actor) -> Q:
    if actor.department_scope is None:
        return Q()
    return Q(department_code=actor.department_scope)


def _filters(query: QueueQuery) -> Q:
    q = Q()
    if query.status is not None:
        q &= Q(status=query.status)
    if query.open:
        q &= Q(status__in=list(OPEN_STATUSES))
    if query.overdue:
        q &= Q(status__in=list(OPEN_STATUSES), due_date__lt=today())
    if query.department:
        q &= Q(department_code=query.department)
    if query.channel is not None:
        q &= Q(channel=query.channel)
    if query.kind is not None:
        q &= Q(kind=query.kind)
    if query.domain is not None:
        q &= Q(domain_id=query.domain) if query.domain else Q(domain_id__isnull=True)
    if query.reference:
        q &= Q(reference=query.reference.strip().upper())
    return q


async def list_consultations(*, actor: Actor, query: QueueQuery) -> dict[str, Any]:
    """A page of the queue; department staff see only their department's questions."""
    base = Consultation.filter(_scoped(actor) & _filters(query))
    total = await base.count()
    order = ("due_date", "id") if query.sort == "due" else ("-received_at", "-id")
    rows = (
        await base.order_by(*order)
        .offset((query.page - 1) * query.per_page)
        .limit(query.per_page)
        .only(*LIST_FIELDS)
    )
    n = await names()
    on = today()
    return {
        "items": [staff_item(r, n, on) for r in rows],
        "total": total,
        "page": query.page,
        "per_page": query.per_page,
    }


async def get_for_staff(*, actor: Actor, consultation_id: int) -> Consultation:
    """One question if the actor may see it; 404 otherwise (out of scope reveals nothing)."""
    row = await Consultation.filter(_scoped(actor), id=consultation_id).first()
    if row is None:
        raise NotFound("没有这个咨询", code="consultation_not_found")
    return row


async def staff_view(row: Consultation) -> dict[str, Any]:
    """Everything staff see about one question."""
    n = await names()
    photos = (await photos_of([row.id])).get(row.id, [])
    qa = await QaEntry.get_or_none(consultation_id=row.id)
    requests = await ReassignmentRequest.filter(consultation_id=row.id).order_by("-id")
    return {
        **resident_view(row, n, photos),
        "department": n.department(row.department_code),
        "contact_name": row.contact_name,
        "answered_by": row.answered_by,
        "recorded_by": row.recorded_by,
        "inbox_message_id": row.inbox_message_id,
        "account_code": row.account_code,
        "ack_delivery": row.ack_delivery.value,
        "answer_delivery": row.answer_delivery.value,
        "notification": await notification_of(row),
        "qa_id": qa.id if qa else None,
        "reassignments": [request_view(r, n) for r in requests],
    }


def request_view(r: ReassignmentRequest, n: Names) -> dict[str, Any]:
    return {
        "id": r.id,
        "consultation_id": r.consultation_id,
        "from_department": n.department(r.from_department),
        "to_department": n.department(r.to_department),
        "reason": r.reason,
        "state": r.state.value,
        "state_label": REQUEST_STATE_LABELS[r.state],
        "requested_by": r.requested_by,
        "decided_by": r.decided_by,
        "decision_note": r.decision_note,
        "created_at": to_iso(r.created_at),
        "decided_at": to_iso(r.decided_at),
    }


async def answer(*, actor: Actor, consultation_id: int, text: str) -> Consultation:
    """Answer a question: the clock stops, the resident is told, similar questions find it."""
    row = await get_for_staff(actor=actor, consultation_id=consultation_id)
    if row.status == Status.ANSWERED:
        raise Conflict("该咨询已答复", code="already_answered")
    if row.department_code is None:
        raise Conflict("该咨询尚未分派到部门，请先分派", code="not_assigned")
    answered_at = now()
    async with in_transaction():
        # Conditional: of two staff answering at once, exactly one wins.
        updated = await Consultation.filter(id=row.id, status__in=list(OPEN_STATUSES)).update(
            status=Status.ANSWERED,
            answer_text=text,
            answered_at=answered_at,
            answered_by=actor.name,
            answer_workdays=workdays_between(row.received_at, answered_at),
            on_time=local_date(answered_at) <= row.due_date,
            answer_delivery=Delivery.QUEUED if row.channel == Channel.WECHAT else Delivery.NONE,
        )
        if not updated:
            raise Conflict("该咨询已答复", code="already_answered")
        if row.channel == Channel.WECHAT:
            await enqueue(
                "consultations.deliver",
                {"consultation_id": row.id, "what": "answer"},
                key=f"consultations.deliver:answer:{row.id}",
            )
        if row.resident_id is not None:
            await _notify_resident(row, answered_at)
        await record(
            actor, "consultations.answer", "consultation", row.id, {"reference": row.reference}
        )
    await row.refresh_from_db()
    await index_answered([row])
    return row


NOTIFY_PURPOSE = "consultation_answered"


def notify_key(row: Consultation) -> str:
    return f"consultation:{row.id}"


async def _notify_resident(row: Consultation, answered_at: datetime) -> None:
    """A subscribe message to the resident who asked (if they allowed one), in the answer's
    transaction: it goes out once the answer is committed, never for an answer rolled back."""
    n = await names()
    await notify.notify(
        purpose=NOTIFY_PURPOSE,
        object_key=notify_key(row),
        resident_ids=[row.resident_id or 0],
        data={
            "topic": f"{n.domain(row.domain_id)['name']}{KIND_LABELS[row.kind]}",
            "ref_no": row.reference,
            "time": answered_at,
            "note": "您的问题已答复，点击查看",
        },
        page=f"pages/consultation/index?id={row.id}",
    )


async def notification_of(row: Consultation) -> dict[str, int] | None:
    """What became of the answer's subscribe message (None: nobody to notify)."""
    if row.resident_id is None or row.status != Status.ANSWERED:
        return None
    counts = await notify.object_counts(purpose=NOTIFY_PURPOSE, object_key=notify_key(row))
    return {state: n for state, n in counts.items() if n}


async def index_answered(rows: list[Consultation]) -> None:
    """Make answered questions findable for staff looking for an answer to reuse."""
    await search.index_entries(
        ANSWERED_KIND,
        [
            (r.id, [r.domain_id] if r.domain_id else [], r.text, r.answer_text or "")
            for r in rows
            if r.status == Status.ANSWERED
        ],
    )


async def assign(
    *, actor: Actor, consultation_id: int, department_code: str, reason: str = ""
) -> Consultation:
    """Hand a question to a department (an admin's decision)."""
    row = await get_for_staff(actor=actor, consultation_id=consultation_id)
    if row.status == Status.ANSWERED:
        raise Conflict("该咨询已答复，不能再分派", code="already_answered")
    if await get_department(department_code) is None:
        raise Invalid(fields={"department_code": "没有这个部门"})
    previous = row.department_code
    async with in_transaction():
        await Consultation.filter(id=row.id).update(
            department_code=department_code, status=Status.ASSIGNED
        )
        # A handover settles whatever the departments asked for.
        await ReassignmentRequest.filter(consultation_id=row.id, state=RequestState.PENDING).update(
            state=RequestState.APPROVED,
            open_consultation_id=None,
            decided_by=actor.name,
            decided_at=now(),
            decision_note=reason or "已改派",
        )
        await record(
            actor,
            "consultations.assign",
            "consultation",
            row.id,
            {"from": previous, "to": department_code, "reason": reason[:200]},
        )
    await row.refresh_from_db()
    return row


async def classify(
    *,
    actor: Actor,
    consultation_id: int,
    kind: Kind | None,
    domain_id: int | None,
    domain_given: bool,
) -> Consultation:
    """Correct a question's kind or topic; a new kind moves its due date with its limit."""
    row = await get_for_staff(actor=actor, consultation_id=consultation_id)
    changes: dict[str, Any] = {}
    if kind is not None and kind != row.kind:
        changes["kind"] = kind
        limit = (await reply_limits())[kind]
        changes["due_date"] = add_workdays(local_date(row.received_at), limit)
    if domain_given and (domain_id or None) != row.domain_id:
        if domain_id and domain_id not in (await names()).domains:
            raise Invalid(fields={"domain_id": "没有这个领域"})
        changes["domain_id"] = domain_id or None
    if not changes:
        return row
    await Consultation.filter(id=row.id).update(**changes)
    await record(
        actor,
        "consultations.classify",
        "consultation",
        row.id,
        {k: str(v) for k, v in changes.items()},
    )
    await row.refresh_from_db()
    if row.status == Status.ANSWERED:
        await index_answered([row])
    return row


async def request_reassignment(
    *, actor: Actor, consultation_id: int, reason: str, to_department: str | None
) -> ReassignmentRequest:
    """A department asks to hand a question on, saying why (申请改派)."""
    row = await get_for_staff(actor=actor, consultation_id=consultation_id)
    if row.status == Status.ANSWERED:
        raise Conflict("该咨询已答复，不能申请改派", code="already_answered")
    if row.department_code is None:
        # Nothing to move from: a dispatcher assigns an unrouted question directly.
        raise Conflict("该咨询尚未分派到部门，请直接分派", code="not_assigned")
    if to_department and await get_department(to_department) is None:
        raise Invalid(fields={"to_department": "没有这个部门"})
    if to_department and to_department == row.department_code:
        raise Invalid(fields={"to_department": "不能改派给本部门"})
    try:
        async with in_transaction():
            request = await _open_request(row, reason, to_department, actor)
    except IntegrityError as exc:
        raise Conflict("该咨询已有待审核的改派申请", code="reassignment_pending") from exc
    return request


async def _open_request(
    row: Consultation, reason: str, to_department: str | None, actor: Actor
) -> ReassignmentRequest:
    # open_consultation_id is unique: of two requests at once, the second fails here.
    request = await ReassignmentRequest.create(
        consultation_id=row.id,
        open_consultation_id=row.id,
        from_department=row.department_code or "",
        to_department=to_department,
        reason=reason,
        requested_by=actor.name,
    )
    await record(
        actor,
        "consultations.reassign_request",
        "consultation",
        row.id,
        {"request_id": request.id, "to": to_department},
    )
    return request


async def list_requests(*, state: RequestState | None, page: int, per_page: int) -> dict[str, Any]:
    query = ReassignmentRequest.all()
    if state is not None:
        query = query.filter(state=state)
    total = await query.count()
    rows = await query.order_by("-id").offset((page - 1) * per_page).limit(per_page)
    n = await names()
    return {
        "items": [request_view(r, n) for r in rows],
        "total": total,
        "page": page,
        "per_page": per_page,
    }


async def decide_request(
    *,
    actor: Actor,
    request_id: int,
    approve: bool,
    department_code: str | None,
    note: str,
) -> ReassignmentRequest:
    """An admin approves a reassignment (to the department asked for, or another) or rejects it."""
    request = await ReassignmentRequest.get_or_none(id=request_id)
    if request is None:
        raise NotFound("没有这个改派申请", code="request_not_found")
    if request.state != RequestState.PENDING:
        raise Conflict("该改派申请已处理", code="request_decided")
    target = department_code or request.to_department
    if approve and not target:
        raise Invalid(fields={"department_code": "请选择改派到的部门"})
    async with in_transaction():
        # Decided once: of two dispatchers deciding at the same moment, the second gets a 409.
        claimed = await ReassignmentRequest.filter(
            id=request.id, state=RequestState.PENDING
        ).update(
            state=RequestState.APPROVED if approve else RequestState.REJECTED,
            open_consultation_id=None,
            decided_by=actor.name,
            decided_at=now(),
            decision_note=note or request.reason,
        )
        if not claimed:
            raise Conflict("该改派申请已处理", code="request_decided")
        if approve:
            await assign(
                actor=actor,
                consultation_id=request.consultation_id,
                department_code=str(target),
                reason=note or request.reason,
            )
        else:
            await record(
                actor,
                "consultations.reassign_reject",
                "consultation",
                request.consultation_id,
                {"request_id": request.id},
            )
    await request.refresh_from_db()
    return request


async def overdue(*, actor: Actor, limit: int = 10) -> dict[str, Any]:
    """Unanswered questions past their due date: how many per department, the oldest first."""
    base = Consultation.filter(_scoped(actor), status__in=list(OPEN_STATUSES), due_date__lt=today())
    total = await base.count()
    counts = (
        await base.annotate(n=Count("id"))
        .group_by("department_code")
        .values_list("department_code", "n")
    )
    rows = await base.order_by("due_date", "id").limit(limit).only(*LIST_FIELDS)
    n = await names()
    on = today()
    by_department = sorted(
        (
            {
                "department": n.department(code) or {"code": "", "name": "待分派"},
                "count": int(count),
            }
            for code, count in counts
        ),
        key=lambda d: -int(str(d["count"])),
    )
    return {
        "total": total,
        "by_department": by_department,
        "items": [staff_item(r, n, on) for r in rows],
    }


async def similar_answered(
    *, actor: Actor, consultation_id: int, q: str | None = None, limit: int = 5
) -> list[dict[str, Any]]:
    """Answered questions like this one (the catalogue's search over their words)."""
    row = await get_for_staff(actor=actor, consultation_id=consultation_id)
    query = q or await words.key_words(row.tokens) or row.text
    hits = await search.ranked_refs(q=query, kinds=(ANSWERED_KIND,), limit=50)
    ids = [ref for _, ref in hits if ref != row.id]
    if not ids:
        return []
    visible = Q() if actor.department_scope is None else _scoped(actor) | Q(published=True)
    found = {
        r.id: r for r in await Consultation.filter(visible, id__in=ids, status=Status.ANSWERED)
    }
    published = {
        e.consultation_id: e for e in await QaEntry.filter(consultation_id__in=list(found))
    }
    n = await names()
    out = []
    for ref in ids:
        match = found.get(ref)
        if match is None:
            continue
        entry = published.get(match.id)
        # Another department's private question shows only as its published, masked form.
        mine = actor.department_scope is None or match.department_code == actor.department_scope
        out.append(
            {
                "id": match.id,
                "reference": match.reference or "",
                "question": match.text if mine or entry is None else entry.question,
                "answer": (match.answer_text or "") if mine or entry is None else entry.answer,
                "department": n.department(match.department_code),
                "published": entry is not None,
            }
        )
        if len(out) >= limit:
            break
    return out


async def reveal_phone(*, actor: Actor, consultation_id: int) -> str:
    """The full phone number, to call the resident back; every look is audited."""
    row = await get_for_staff(actor=actor, consultation_id=consultation_id)
    if not row.phone_encrypted:
        raise NotFound("该咨询没有留电话", code="no_phone")
    await record(actor, "consultations.phone_reveal", "consultation", row.id)
    return crypto.decrypt(row.phone_encrypted)
