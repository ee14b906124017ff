"""What every service module of applications shares: the acting staff member, scoping, the
events as the deadline engine reads them, and refreshing an application's derived columns."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from gateway import audit
from gateway.config import get_settings
from gateway.errors import NotFound
from gateway.org import Department
from gateway.workdays import CalendarView, calendar_view
from mini_program.applications.deadline import (
    Calculation,
    Event,
    EventKind,
    compute,
    ordered,
)
from mini_program.applications.models import Application, ApplicationEvent
from mini_program.applications.schemas import today as local_today
from mini_program.applications.vocab import CHANNEL_LABELS, RESULT_LABELS, Channel, Result, State


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member (with their department scope), or the system's jobs."""

    id: int | None
    name: str
    label: str = ""
    ip: str | None = None
    # None: county-wide; a code: only that department's applications.
    department_scope: str | None = None

    @property
    def display(self) -> str:
        return self.label or self.name


SYSTEM = Actor(id=None, name="system", label="系统")


def today() -> date:
    return local_today()


def calendar() -> CalendarView:
    return calendar_view()


def keyed_hash(value: str) -> str:
    """An HMAC of personal data, to find equal values without storing them readable."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, b"applications:" + value.encode(), hashlib.sha256).hexdigest()


# What the applicant's calculation leaves out: who the third party is (it may be a person
# whose privacy is the reason for asking) and which staff member approved an extension.
PRIVATE_DETAILS = ("party", "opinion", "approver")


def engine_events(rows: Iterable[ApplicationEvent], *, for_applicant: bool = False) -> list[Event]:
    """Stored events as the deadline engine reads them (labels added for the steps' words)."""
    return engine_events_of(
        (
            row.kind,
            row.on,
            {k: v for k, v in (row.detail or {}).items() if k not in PRIVATE_DETAILS}
            if for_applicant
            else row.detail,
        )
        for row in rows
    )


def engine_events_of(rows: Iterable[tuple[str, date, Any]]) -> list[Event]:
    """(kind, on, detail) tuples as the deadline engine reads them."""
    events = []
    for raw_kind, on, raw_detail in rows:
        kind = EventKind(raw_kind)
        detail = dict(raw_detail or {})
        if kind == EventKind.SUBMITTED and detail.get("channel"):
            detail["channel_label"] = CHANNEL_LABELS.get(Channel(detail["channel"]), "")
        if kind == EventKind.ANSWERED and detail.get("result"):
            detail["result_label"] = RESULT_LABELS[Result(detail["result"])]
        events.append(Event(kind, on, detail))
    return events


def state_of(kinds: Sequence[EventKind]) -> State:
    """The state an application is in after these events (in order)."""
    state = State.SUBMITTED
    for kind in kinds:
        if kind in (EventKind.RECEIVED, EventKind.CORRECTED, EventKind.THIRD_PARTY_REPLY):
            state = State.RECEIVED
        elif kind == EventKind.CORRECTION_REQUESTED:
            state = State.AWAITING_CORRECTION
        elif kind == EventKind.THIRD_PARTY:
            state = State.THIRD_PARTY
        elif kind == EventKind.ANSWERED:
            state = State.ANSWERED
        elif kind == EventKind.CLOSED:
            state = State.CLOSED
    return state


def derived(events: Sequence[Event], calc: Calculation) -> tuple[Any, ...]:
    """The derived columns' values (in DERIVED_FIELDS order, without the calendar stamp)."""
    state = state_of([e.kind for e in ordered(events)])
    pause = calc.open_pause
    return (
        state,
        calc.received_on,
        calc.day0,
        calc.deadline,
        calc.provisional,
        calc.error[:255],
        calc.extended,
        calc.correction_due if state == State.AWAITING_CORRECTION else None,
        pause.due if pause and state == State.THIRD_PARTY else None,
        calc.finished_on,
        calc.on_time,
    )


def apply_calculation(
    app: Application, events: Sequence[Event], calc: Calculation, stamp: str
) -> None:
    """Write the engine's answer into the application's derived columns (no save)."""
    for name, value in zip(DERIVED_COLUMNS, derived(events, calc), strict=True):
        setattr(app, name, value)
    app.calendar_stamp = stamp


# The columns the deadline engine fills in, in the order `derived` gives them.
DERIVED_COLUMNS = (
    "state",
    "received_on",
    "day0",
    "deadline",
    "deadline_provisional",
    "deadline_error",
    "extended",
    "correction_due",
    "third_party_due",
    "finished_on",
    "on_time",
)
DERIVED_FIELDS = (*DERIVED_COLUMNS, "calendar_stamp")


async def load_events(app_id: int) -> list[ApplicationEvent]:
    return list(await ApplicationEvent.filter(application_id=app_id).order_by("id"))


async def calculate(
    app: Application,
    rows: Sequence[ApplicationEvent] | None = None,
    *,
    for_applicant: bool = False,
) -> Calculation:
    """The deadline engine's calculation for a stored application."""
    rows = rows if rows is not None else await load_events(app.id)
    return compute(engine_events(rows, for_applicant=for_applicant), calendar())


async def refresh(app: Application) -> Calculation:
    """Recompute the derived columns from the stored events and save them."""
    rows = await load_events(app.id)
    cal = calendar()
    events = engine_events(rows)
    calc = compute(events, cal)
    apply_calculation(app, events, calc, cal.fingerprint)
    await app.save(update_fields=[*DERIVED_FIELDS, "updated_at"])
    return calc


# Ids are 32-bit columns: a larger route value names nothing (PostgreSQL would refuse it).
MAX_ID = 2**31 - 1


def valid_id(value: int) -> bool:
    return 0 < value <= MAX_ID


async def get_for_staff(app_id: int, actor: Actor) -> Application:
    """One application the actor may see (404 otherwise: never reveal others' applications)."""
    if not valid_id(app_id):
        raise NotFound("没有这件申请", code="application_not_found")
    query = Application.filter(id=app_id)
    if actor.department_scope is not None:
        query = query.filter(department_code=actor.department_scope)
    app = await query.first()
    if app is None:
        raise NotFound("没有这件申请", code="application_not_found")
    return app


async def get_for_resident(app_id: int, resident_id: int) -> Application:
    """One application of this resident (404 for anyone else's)."""
    app = (
        await Application.get_or_none(id=app_id, resident_id=resident_id)
        if valid_id(app_id)
        else None
    )
    if app is None:
        raise NotFound("没有这件申请", code="application_not_found")
    return app


async def department_names() -> dict[str, str]:
    return {d.code: d.name for d in await Department.all()}


async def record(
    actor: Actor, action: str, app: Application, detail: dict[str, Any] | None = None
) -> None:
    """Audit a step (never personal data in the detail: the receipt number identifies it)."""
    await audit.record(
        actor_id=actor.id,
        actor_name=actor.name,
        action=f"applications.{action}",
        target_type="application",
        target_id=app.id,
        detail={"receipt_no": app.receipt_no, **(detail or {})},
        ip=actor.ip,
    )
