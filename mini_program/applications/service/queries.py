"""Reading applications: staff queue and detail, the applicant's own, the overdue board, the
week's count, the hall terminal's lookup, and revealing contact details to staff (audited)."""

from __future__ import annotations

import hmac
from datetime import date, timedelta
from typing import Any

from tortoise.expressions import Case, F, Q, When
from tortoise.functions import Count

from gateway import crypto
from gateway.errors import NotFound
from mini_program.applications import links
from mini_program.applications.models import Application, ApplicationEvent, ApplicationFile
from mini_program.applications.service import present
from mini_program.applications.service.common import (
    Actor,
    calculate,
    calendar,
    department_names,
    get_for_resident,
    get_for_staff,
    load_events,
    record,
    today,
)
from mini_program.applications.service.documents import files_of
from mini_program.applications.vocab import FINISHED_STATES, OPEN_STATES, State

RUNNING_STATES = [State.RECEIVED, State.THIRD_PARTY]


def staff_file_url(app: Application, row: ApplicationFile) -> str:
    return f"/api/v1/admin/applications/{app.id}/files/{row.id}"


def resident_file_url(app: Application, row: ApplicationFile) -> str:
    return links.file_url(app.id, row.id)


def actions_for(app: Application, *, can_extend: bool, can_assign: bool) -> list[str]:
    """The steps the console offers for this application's state (the API checks again)."""
    state = State(app.state)
    actions: list[str] = []
    if state == State.SUBMITTED:
        actions.append("receive")
    if state == State.RECEIVED:
        actions += ["request-correction", "third-party", "answer"]
    if state == State.AWAITING_CORRECTION:
        actions.append("corrected")
    if state == State.THIRD_PARTY:
        actions += ["third-party-reply", "answer"]
    if state in (State.RECEIVED, State.THIRD_PARTY) and can_extend and not app.extended:
        actions.append("extend")
    if state in OPEN_STATES and can_assign:
        actions.append("assign")
    if state not in FINISHED_STATES:
        actions.append("upload")
    return actions


async def staff_detail(
    *,
    app_id: int,
    actor: Actor,
    can_extend: bool = False,
    can_assign: bool = False,
    on: date | None = None,
) -> dict[str, Any]:
    """One application as staff see it."""
    app = await get_for_staff(app_id, actor)
    events = await load_events(app.id)
    base = await _detail(app, events, on=on, url_for=staff_file_url, published_only=False)
    same = 0
    if app.id_hash:
        same = await Application.filter(id_hash=app.id_hash).exclude(id=app.id).count()
    actions = actions_for(app, can_extend=can_extend, can_assign=can_assign)
    return present.staff_detail(base, events, actions, same_applicant=same)


async def applicant_detail(
    app: Application, *, on: date | None = None, url_for: present.UrlFor = resident_file_url
) -> dict[str, Any]:
    """One application as its applicant sees it (their own data masked, published files)."""
    return await _detail(
        app, await load_events(app.id), on=on, url_for=url_for, published_only=True
    )


async def _detail(
    app: Application,
    events: list[ApplicationEvent],
    *,
    on: date | None,
    url_for: present.UrlFor,
    published_only: bool,
) -> dict[str, Any]:
    files = (await files_of([app.id], published_only=published_only)).get(app.id, [])
    return present.detail(
        app,
        await calculate(app, events, for_applicant=published_only),
        today=on or today(),
        cal=calendar(),
        departments=await department_names(),
        files=files,
        url_for=url_for,
    )


async def resident_detail(*, app_id: int, resident_id: int) -> dict[str, Any]:
    return await applicant_detail(await get_for_resident(app_id, resident_id))


def _week(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _staff_query(
    actor: Actor,
    *,
    state: str | None = None,
    department: str | None = None,
    due: str | None = None,
    q: str | None = None,
    year: int | None = None,
    on: date,
) -> Any:
    query = Application.all()
    if actor.department_scope is not None:
        query = query.filter(department_code=actor.department_scope)
    if department:
        query = query.filter(department_code=department)
    if state:
        query = query.filter(state=state)
    if due == "overdue":
        query = query.filter(state__in=RUNNING_STATES, deadline__lt=on)
    elif due == "week":
        start, end = _week(on)
        query = query.filter(state__in=RUNNING_STATES, deadline__gte=start, deadline__lte=end)
    elif due == "soon":
        query = query.filter(state__in=RUNNING_STATES, deadline__gte=on).filter(
            deadline__lte=calendar_safe_add(on, 5)
        )
    if q:
        query = query.filter(Q(receipt_no__startswith=q) | Q(name__icontains=q))
    if year:
        query = query.filter(
            submitted_on__gte=date(year, 1, 1), submitted_on__lte=date(year, 12, 31)
        )
    return query


def calendar_safe_add(day: date, n: int) -> date:
    """n working days after `day`, or n calendar weeks' worth when the year is not loaded."""
    try:
        return calendar().add_workdays(day, n)
    except ValueError:
        return day + timedelta(days=n * 7 // 5 + 2)


async def list_for_staff(
    *,
    actor: Actor,
    state: str | None = None,
    department: str | None = None,
    due: str | None = None,
    q: str | None = None,
    year: int | None = None,
    page: int = 1,
    per_page: int = 20,
    on: date | None = None,
) -> dict[str, Any]:
    """The queue: open applications first by deadline, then the rest newest first."""
    day = on or today()
    query = _staff_query(actor, state=state, department=department, due=due, q=q, year=year, on=day)
    total = await query.count()
    # Open applications first, the nearest deadline first; NULLs sort differently in SQLite
    # and PostgreSQL, so the order is spelled out.
    rows = (
        await query.annotate(
            finished_rank=Case(When(finished_on__isnull=True, then="0"), default="1"),
            deadline_rank=Case(When(deadline__isnull=True, then="1"), default="0"),
            # Finished ones all sort equal here, then newest answer first.
            open_deadline=Case(When(finished_on__isnull=True, then=F("deadline")), default=None),
        )
        .order_by("finished_rank", "deadline_rank", "open_deadline", "-finished_on", "-id")
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    names = await department_names()
    cal = calendar()
    items = [present.summary(a, today=day, cal=cal, departments=names) for a in rows]
    return {"items": items, "total": total, "page": page, "per_page": per_page}


async def list_for_resident(
    *, resident_id: int, page: int = 1, per_page: int = 20
) -> dict[str, Any]:
    """The applicant's own applications, newest first."""
    query = Application.filter(resident_id=resident_id)
    total = await query.count()
    rows = await query.order_by("-id").offset((page - 1) * per_page).limit(per_page)
    names = await department_names()
    day, cal = today(), calendar()
    items = [present.summary(a, today=day, cal=cal, departments=names) for a in rows]
    return {"items": items, "total": total, "page": page, "per_page": per_page}


async def due_this_week(*, actor: Actor, on: date | None = None) -> int:
    """Running applications whose deadline falls in this week (Monday–Sunday), in scope."""
    return await _staff_query(actor, due="week", on=on or today()).count()


async def overdue_board(*, actor: Actor, on: date | None = None) -> list[dict[str, Any]]:
    """Per department: overdue, due within 2 working days, running, and the overdue cases."""
    day = on or today()
    soon = calendar_safe_add(day, 2)
    base = Application.filter(state__in=RUNNING_STATES)
    if actor.department_scope is not None:
        base = base.filter(department_code=actor.department_scope)
    running = (
        await base.annotate(n=Count("id"))
        .group_by("department_code")
        .values_list("department_code", "n")
    )
    rows = await base.filter(deadline__lte=soon).order_by("deadline")
    names = await department_names()
    cal = calendar()
    board: dict[str, dict[str, Any]] = {}
    for code, count in running:
        board[code] = {
            "department": code,
            "department_name": names.get(code, code),
            "running": count,
            "overdue": 0,
            "due_soon": 0,
            "cases": [],
        }
    for app in rows:
        entry = board[app.department_code]
        if app.deadline and app.deadline < day:
            entry["overdue"] += 1
            entry["cases"].append(present.summary(app, today=day, cal=cal, departments=names))
        else:
            entry["due_soon"] += 1
    return sorted(board.values(), key=lambda e: (-e["overdue"], -e["due_soon"], e["department"]))


async def reveal_contact(*, app_id: int, actor: Actor) -> dict[str, str]:
    """The full phone and address, for staff who must call or post (every look is audited)."""
    app = await get_for_staff(app_id, actor)
    await record(actor, "contact_viewed", app)
    return {
        "phone": crypto.decrypt(app.phone_encrypted),
        "address": crypto.decrypt(app.address_encrypted),
    }


async def find_by_receipt(*, receipt_no: str, tail: str) -> Application | None:
    """The hall terminal's lookup: receipt number plus the last six characters of the ID
    number (or, for an organisation filed without one, of its credit code)."""
    app = await Application.get_or_none(receipt_no=receipt_no)
    if app is None:
        return None
    if app.id_number_encrypted:
        secret = crypto.decrypt(app.id_number_encrypted)
    else:
        secret = app.credit_code or ""
    if len(secret) < 6 or not hmac.compare_digest(secret[-6:].upper(), tail.upper()):
        return None
    return app


async def get_file(app: Application, file_id: int, *, published_only: bool) -> ApplicationFile:
    from mini_program.applications.service.documents import file_of

    return await file_of(app, file_id, published_only=published_only)


async def staff_file(*, app_id: int, file_id: int, actor: Actor) -> ApplicationFile:
    app = await get_for_staff(app_id, actor)
    return await get_file(app, file_id, published_only=False)


def not_found() -> NotFound:
    return NotFound("没有这件申请", code="application_not_found")
