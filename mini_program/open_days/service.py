"""Open days: events, registration with capacity and waitlist, cancellation, promotion.

Every limit is one atomic step: a confirmed registration takes its places with a conditional
UPDATE (`taken + places <= capacity`), a waitlisted one draws its number by incrementing
`waitlist_seq`, and the unique `active_key` refuses a second live registration. On SQLite the
transaction holds the only writer; on PostgreSQL the UPDATE locks the event's row until commit.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Count, Sum
from tortoise.transactions import in_transaction

from gateway import crypto
from gateway.clock import SHANGHAI, local_date, now, to_iso
from gateway.errors import Conflict, Forbidden, Invalid, NotFound
from gateway.org import get_department, list_departments
from mini_program.hall import service as hall
from mini_program.notify import service as notify
from mini_program.open_days import tickets
from mini_program.open_days.models import EventStatus, OpenDay, Registration, RegStatus
from mini_program.open_days.schemas import OpenDayCreate, OpenDayUpdate, RegistrationCreate

MAX_ID = 2**31 - 1
STATUS_LABELS = {
    RegStatus.CONFIRMED: "已报名",
    RegStatus.WAITLISTED: "候补",
    RegStatus.CANCELLED: "已取消",
}
MY_PAGE = "pages/my-registrations/index"  # 我的报名, where the ticket is
REMINDER_FROM_HOUR = 9  # reminders for tomorrow go out from 9:00 county time, not at midnight


def mask_phone(phone: str) -> str:
    return crypto.mask(phone, keep_start=3, keep_end=4)


# --- events ----------------------------------------------------------------------------------


async def get_event(*, event_id: int, department_scope: str | None = None) -> OpenDay:
    """One event, or NotFound (also for another department's event when scoped)."""
    event = await OpenDay.get_or_none(id=event_id) if 0 < event_id <= MAX_ID else None
    if event is None or (
        department_scope is not None and event.department_code != department_scope
    ):
        raise NotFound("没有这场开放日活动", code="open_day_not_found")
    return event


def registration_state(event: OpenDay, at: datetime | None = None) -> str:
    """not_open, open, waitlist (full: new registrations wait), closed or cancelled."""
    at = at or now()
    if event.status == EventStatus.CANCELLED:
        return "cancelled"
    if at < event.registration_opens:
        return "not_open"
    if at > event.registration_closes:
        return "closed"
    return "open" if event.taken < event.capacity else "waitlist"


async def _department_names() -> dict[str, str]:
    return {d.code: d.name for d in await list_departments()}


async def event_to_dict(event: OpenDay, names: dict[str, str] | None = None) -> dict[str, Any]:
    names = names if names is not None else await _department_names()
    waitlisted = await Registration.filter(
        open_day_id=event.id, status=RegStatus.WAITLISTED
    ).count()
    return {
        "id": event.id,
        "title": event.title,
        "department": event.department_code,
        "department_name": names.get(event.department_code, event.department_code),
        "starts_at": to_iso(event.starts_at),
        "place": event.place,
        "capacity": event.capacity,
        "registration_opens": to_iso(event.registration_opens),
        "registration_closes": to_iso(event.registration_closes),
        "description": event.description,
        "status": event.status.value,
        "taken": event.taken,
        "remaining": max(0, event.capacity - event.taken),
        "waitlisted": waitlisted,
        "registration_state": registration_state(event),
    }


async def events_to_dicts(events: list[OpenDay]) -> list[dict[str, Any]]:
    names = await _department_names()
    return [await event_to_dict(e, names) for e in events]


async def _check_department(code: str) -> None:
    if await get_department(code) is None:
        raise Invalid(fields={"department": "没有这个部门"})


async def create_event(*, data: OpenDayCreate, actor: str, department_scope: str | None) -> OpenDay:
    """A new open day (department staff only for their own department)."""
    if department_scope is not None and data.department != department_scope:
        raise Forbidden("只能为本部门创建开放日活动", code="department_scope")
    await _check_department(data.department)
    return await OpenDay.create(
        title=data.title,
        department_code=data.department,
        starts_at=data.starts_at,
        place=data.place,
        capacity=data.capacity,
        registration_opens=data.registration_opens,
        registration_closes=data.registration_closes,
        description=data.description,
        created_by=actor,
    )


async def update_event(
    *, event_id: int, data: OpenDayUpdate, department_scope: str | None
) -> tuple[OpenDay, dict[str, Any]]:
    """Change an event; more capacity promotes the waitlist at once. Returns what changed."""
    event = await get_event(event_id=event_id, department_scope=department_scope)
    given = data.model_dump(exclude_none=True)
    current = {
        "title": event.title,
        "department": event.department_code,
        "starts_at": event.starts_at,
        "place": event.place,
        "capacity": event.capacity,
        "registration_opens": event.registration_opens,
        "registration_closes": event.registration_closes,
        "description": event.description,
    }
    # The cross-field rules (window before the start, ...) are the create schema's.
    merged = OpenDayCreate.model_validate({**current, **given})
    changes = {k: v for k, v in given.items() if current.get(k) != v}
    if not changes:
        return event, {}
    if "department" in changes:
        if department_scope is not None:
            raise Forbidden("不能把活动转给其他部门", code="department_scope")
        await _check_department(merged.department)
    values = {("department_code" if k == "department" else k): v for k, v in changes.items()}
    async with in_transaction():
        if "capacity" in values:
            updated = await OpenDay.filter(id=event.id, taken__lte=merged.capacity).update(**values)
            if not updated:
                raise Invalid(fields={"capacity": f"名额不能少于已报名的 {event.taken} 人"})
            await _promote(event.id)
        else:
            await OpenDay.filter(id=event.id).update(**values)
    return await OpenDay.get(id=event.id), {
        k: to_iso(v) if isinstance(v, datetime) else v for k, v in changes.items()
    }


async def cancel_event(*, event_id: int, department_scope: str | None) -> OpenDay:
    """Call an event off: registration closes and tickets no longer let anyone in."""
    event = await get_event(event_id=event_id, department_scope=department_scope)
    await OpenDay.filter(id=event.id).update(status=EventStatus.CANCELLED)
    return await OpenDay.get(id=event.id)


async def list_events(
    *,
    department_scope: str | None = None,
    year: int | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[OpenDay], int]:
    """Events, newest first (staff), optionally one year's."""
    query = OpenDay.all()
    if department_scope is not None:
        query = query.filter(department_code=department_scope)
    if year is not None:
        start = datetime(year, 1, 1, tzinfo=SHANGHAI)
        query = query.filter(starts_at__gte=start, starts_at__lt=start.replace(year=year + 1))
    total = await query.count()
    rows = await query.order_by("-starts_at", "-id").offset((page - 1) * per_page).limit(per_page)
    return list(rows), total


async def list_public(*, page: int = 1, per_page: int = 20) -> list[dict[str, Any]]:
    """What residents see: events not cancelled, from today on, soonest first."""
    today_start = datetime.combine(local_date(now()), datetime.min.time(), SHANGHAI)
    rows = (
        await OpenDay.filter(status=EventStatus.OPEN, starts_at__gte=today_start)
        .order_by("starts_at", "id")
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return await events_to_dicts(list(rows))


async def count_public() -> int:
    today_start = datetime.combine(local_date(now()), datetime.min.time(), SHANGHAI)
    return await OpenDay.filter(status=EventStatus.OPEN, starts_at__gte=today_start).count()


async def get_public(*, event_id: int) -> dict[str, Any]:
    """One event as residents see it (cancelled ones too, marked so)."""
    return await event_to_dict(await get_event(event_id=event_id))


# --- registrations ---------------------------------------------------------------------------


def registration_to_dict(
    reg: Registration, *, with_ticket: bool = False, event: dict[str, Any] | None = None
) -> dict[str, Any]:
    ticket = None
    ticket_qr = None
    if with_ticket and reg.status == RegStatus.CONFIRMED:
        ticket = tickets.ticket_for(reg.open_day_id, reg.token)
        png = hall.qr_png(ticket, size=360)
        ticket_qr = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    label = STATUS_LABELS[reg.status]
    if reg.status == RegStatus.WAITLISTED and reg.waitlist_no is not None:
        label = f"候补第 {reg.waitlist_no} 位"
    if reg.checked_in_at is not None:
        label = "已签到"
    return {
        "id": reg.id,
        "open_day_id": reg.open_day_id,
        "status": reg.status.value,
        "status_label": label,
        "name": reg.name,
        "phone": mask_phone(crypto.decrypt(reg.phone_encrypted)),
        "companions": reg.companions,
        "waitlist_no": reg.waitlist_no if reg.status == RegStatus.WAITLISTED else None,
        "ticket": ticket,
        "ticket_qr": ticket_qr,
        "checked_in_at": to_iso(reg.checked_in_at),
        "created_at": to_iso(reg.created_at),
        "open_day": event,
    }


async def register(*, event_id: int, resident_id: int, data: RegistrationCreate) -> Registration:
    """Register a resident: a place while there is one, else the next waitlist number."""
    event = await get_event(event_id=event_id)
    state = registration_state(event)
    if state == "cancelled":
        raise Conflict("这场活动已取消", code="open_day_cancelled")
    if state == "not_open":
        opens = event.registration_opens.astimezone(SHANGHAI).strftime("%m月%d日 %H:%M")
        raise Conflict(f"报名尚未开始，{opens} 开始报名", code="registration_not_open")
    if state == "closed":
        raise Conflict("报名已截止", code="registration_closed")
    places = 1 + data.companions
    if places > event.capacity:
        raise Invalid(fields={"companions": f"本场活动共 {event.capacity} 个名额"})
    active_key = f"{event.id}:{resident_id}"
    if await Registration.exists(active_key=active_key):
        raise Conflict("您已报名这场活动", code="already_registered")
    try:
        async with in_transaction():
            took = await OpenDay.filter(
                id=event.id, status=EventStatus.OPEN, taken__lte=F("capacity") - places
            ).update(taken=F("taken") + places)
            waitlist_no = None
            if not took:
                await OpenDay.filter(id=event.id).update(waitlist_seq=F("waitlist_seq") + 1)
                # Read inside the transaction that holds the row: the number is ours alone.
                waitlist_no = (
                    await OpenDay.filter(id=event.id).values_list("waitlist_seq", flat=True)
                )[0]
            return await Registration.create(
                open_day_id=event.id,
                resident_id=resident_id,
                name=data.name,
                phone_encrypted=crypto.encrypt(data.phone),
                companions=data.companions,
                places=places,
                status=RegStatus.CONFIRMED if took else RegStatus.WAITLISTED,
                waitlist_no=waitlist_no,
                token=tickets.new_token(),
                active_key=active_key,
            )
    except IntegrityError as exc:
        # A second registration sent at the same moment: the unique key refused it and the
        # transaction gave its place back.
        raise Conflict("您已报名这场活动", code="already_registered") from exc


async def my_registration(*, event_id: int, resident_id: int) -> Registration:
    """The resident's live registration for an event, else their latest, else NotFound."""
    await get_event(event_id=event_id)
    reg = (
        await Registration.filter(open_day_id=event_id, resident_id=resident_id)
        .order_by("-id")
        .first()
    )
    if reg is None:
        raise NotFound("您还没有报名这场活动", code="registration_not_found")
    return reg


async def my_registrations(*, resident_id: int) -> list[tuple[Registration, OpenDay]]:
    """我的报名: every registration of the resident with its event, latest event first."""
    regs = await Registration.filter(resident_id=resident_id).order_by("-id")
    events = {e.id: e for e in await OpenDay.filter(id__in=[r.open_day_id for r in regs])}
    pairs = [(r, events[r.open_day_id]) for r in regs if r.open_day_id in events]
    pairs.sort(key=lambda p: (p[1].starts_at, p[0].id), reverse=True)
    return pairs


async def cancel_registration(*, event_id: int, resident_id: int) -> Registration:
    """Cancel the resident's registration; a freed place goes to the waitlist in order."""
    reg = await Registration.get_or_none(active_key=f"{event_id}:{resident_id}")
    if reg is None:
        raise NotFound("您没有这场活动的有效报名", code="registration_not_found")
    if reg.checked_in_at is not None:
        raise Conflict("已签到的报名不能取消", code="already_checked_in")
    async with in_transaction():
        cancelled = await Registration.filter(id=reg.id, active_key__isnull=False).update(
            status=RegStatus.CANCELLED, active_key=None, cancelled_at=now()
        )
        if cancelled and reg.status == RegStatus.CONFIRMED:
            await OpenDay.filter(id=event_id).update(taken=F("taken") - reg.places)
            await _promote(event_id)
    return await Registration.get(id=reg.id)


async def _promote(event_id: int) -> list[int]:
    """Give free places to the waitlist strictly in order (inside the caller's transaction).

    The first in line who does not fit stops the promotion: nobody jumps the queue because
    their party is smaller.
    """
    event = await OpenDay.get(id=event_id)
    if event.status != EventStatus.OPEN or event.starts_at <= now():
        return []
    promoted: list[int] = []
    waiting = await Registration.filter(open_day_id=event_id, status=RegStatus.WAITLISTED).order_by(
        "waitlist_no", "id"
    )
    for reg in waiting:
        took = await OpenDay.filter(id=event_id, taken__lte=F("capacity") - reg.places).update(
            taken=F("taken") + reg.places
        )
        if not took:
            break
        moved = await Registration.filter(id=reg.id, status=RegStatus.WAITLISTED).update(
            status=RegStatus.CONFIRMED, promoted_at=now()
        )
        if not moved:  # cancelled meanwhile: give the places back and go on
            await OpenDay.filter(id=event_id).update(taken=F("taken") - reg.places)
            continue
        promoted.append(reg.id)
        # Queued in this transaction: the message goes out only if the promotion commits.
        await notify.notify(
            purpose="open_day_result",
            object_key=f"open_day_registration:{reg.id}:promoted",
            resident_ids=[reg.resident_id],
            data={
                "event": event.title,
                "result": "候补转正",
                "time": event.starts_at,
                "note": "您已获得名额，入场券在我的报名",
            },
            page=MY_PAGE,
        )
    return promoted


# --- the door ---------------------------------------------------------------------------------


class TicketRefused(Conflict):
    """A ticket that does not let its bearer in; `code` says why (shown in large text)."""


async def check_in(
    *, event_id: int, ticket: str, staff: str, department_scope: str | None
) -> Registration:
    """Let a ticket in once; every refusal names its reason."""
    event = await get_event(event_id=event_id, department_scope=department_scope)
    parsed = tickets.parse(ticket)
    if parsed is None or not parsed.signature_ok:
        raise TicketRefused("入场券无效", code="ticket_invalid", status=422)
    if parsed.event_id != event.id:
        other = await OpenDay.get_or_none(id=parsed.event_id)
        title = f"「{other.title}」" if other else "其他活动"
        raise TicketRefused(f"这是{title}的入场券", code="ticket_other_event")
    if event.status == EventStatus.CANCELLED:
        raise TicketRefused("本场活动已取消", code="open_day_cancelled")
    if local_date(now()) > local_date(event.starts_at):
        raise TicketRefused("入场券已过期（活动已结束）", code="ticket_expired", status=410)
    reg = await Registration.get_or_none(token=parsed.token, open_day_id=event.id)
    if reg is None:
        raise TicketRefused("入场券无效", code="ticket_invalid", status=422)
    if reg.status == RegStatus.CANCELLED:
        raise TicketRefused(f"该报名已取消（{reg.name}）", code="ticket_cancelled")
    if reg.status == RegStatus.WAITLISTED:
        raise TicketRefused("候补报名，尚未获得名额", code="ticket_waitlisted")
    at = now()
    entered = await Registration.filter(
        id=reg.id, status=RegStatus.CONFIRMED, checked_in_at__isnull=True
    ).update(checked_in_at=at, checked_in_by=staff)
    reg = await Registration.get(id=reg.id)
    if not entered:
        if reg.checked_in_at is None:  # cancelled in the very same moment
            raise TicketRefused("该报名已取消", code="ticket_cancelled")
        when = reg.checked_in_at.astimezone(SHANGHAI).strftime("%H:%M")
        party = f"，随行 {reg.companions} 人" if reg.companions else ""
        # The one error shape has no room for the registrant: the message names them.
        raise TicketRefused(f"已于 {when} 签到（{reg.name}{party}）", code="already_checked_in")
    return reg


# --- figures ----------------------------------------------------------------------------------


async def attendance(event: OpenDay) -> dict[str, Any]:
    """Registered, waitlisted, cancelled and present (people include companions)."""
    rows = (
        await Registration.filter(open_day_id=event.id)
        .group_by("status")
        .annotate(n=Count("id"), people=Sum("places"))
        .values("status", "n", "people")
    )
    by = {str(getattr(r["status"], "value", r["status"])): r for r in rows}
    present = (
        await Registration.filter(open_day_id=event.id, checked_in_at__isnull=False)
        .annotate(n=Count("id"), people=Sum("places"))
        .first()
        .values("n", "people")
    )
    confirmed = by.get(RegStatus.CONFIRMED.value, {})
    registered_people = int(confirmed.get("people") or 0)
    present_people = int((present or {}).get("people") or 0)
    return {
        "registrations": int(confirmed.get("n") or 0),
        "registered_people": registered_people,
        "waitlisted": int(by.get(RegStatus.WAITLISTED.value, {}).get("n") or 0),
        "cancelled": int(by.get(RegStatus.CANCELLED.value, {}).get("n") or 0),
        "checked_in": int((present or {}).get("n") or 0),
        "present_people": present_people,
        "rate": round(present_people / registered_people, 3) if registered_people else None,
    }


async def year_attendance(*, year: int, department_scope: str | None = None) -> dict[str, Any]:
    """Every event of a year with its attendance, and the year's totals (annual report)."""
    events, _ = await list_events(department_scope=department_scope, year=year, per_page=10000)
    names = await _department_names()
    rows = []
    for event in sorted(events, key=lambda e: e.starts_at):
        figures = await attendance(event)
        rows.append(
            {
                "id": event.id,
                "title": event.title,
                "department_name": names.get(event.department_code, event.department_code),
                "starts_at": to_iso(event.starts_at),
                "status": event.status.value,
                "capacity": event.capacity,
                **figures,
            }
        )
    held = [r for r in rows if r["status"] == EventStatus.OPEN.value]
    return {
        "year": year,
        "events": rows,
        "totals": {
            "events": len(held),
            "cancelled_events": len(rows) - len(held),
            "registered_people": sum(r["registered_people"] for r in held),
            "present_people": sum(r["present_people"] for r in held),
            "checked_in": sum(r["checked_in"] for r in held),
        },
    }


async def registrants(*, event: OpenDay) -> list[dict[str, Any]]:
    """Everyone who registered, in order (confirmed and present first, then the waitlist)."""
    regs = await Registration.filter(open_day_id=event.id).order_by("id")
    order = {RegStatus.CONFIRMED: 0, RegStatus.WAITLISTED: 1, RegStatus.CANCELLED: 2}
    regs.sort(key=lambda r: (order[r.status], r.waitlist_no or 0, r.id))
    return [registration_to_dict(r) for r in regs]


# --- reminders --------------------------------------------------------------------------------


async def send_reminders(*, at: datetime | None = None) -> int:
    """Queue the day-before reminder for every event tomorrow (county time); returns how many
    registrations were reminded. Residents without a grant for reminders get nothing."""
    at = at or now()
    if at.astimezone(SHANGHAI).hour < REMINDER_FROM_HOUR:
        return 0
    tomorrow = local_date(at) + timedelta(days=1)
    start = datetime.combine(tomorrow, datetime.min.time(), SHANGHAI)
    events = await OpenDay.filter(
        status=EventStatus.OPEN, starts_at__gte=start, starts_at__lt=start + timedelta(days=1)
    )
    reminded = 0
    for event in events:
        async with in_transaction():
            due = await Registration.filter(
                open_day_id=event.id, status=RegStatus.CONFIRMED, reminded_at__isnull=True
            ).values_list("id", "resident_id")
            if not due:
                continue
            ids = [reg_id for reg_id, _ in due]
            # A resident is reminded once per event, even if this runs again after a crash
            # (notify keeps one message per resident and object).
            await notify.notify(
                purpose="open_day_reminder",
                object_key=f"open_day:{event.id}:reminder",
                resident_ids=[resident_id for _, resident_id in due],
                data={
                    "event": event.title,
                    "time": event.starts_at,
                    "place": event.place,
                    "note": "明天举行，请带好身份证和入场券",
                },
                page=MY_PAGE,
            )
            await Registration.filter(id__in=ids).update(reminded_at=at)
            reminded += len(ids)
    return reminded
