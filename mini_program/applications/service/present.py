"""How applications are shown: to staff (with the events and the actions open to them), to
the applicant (their own, masked), and on the hall terminal (masked, nothing more)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from gateway.clock import to_iso
from gateway.workdays import CalendarView
from mini_program.applications.deadline import Calculation, days_left
from mini_program.applications.models import Application, ApplicationEvent, ApplicationFile
from mini_program.applications.service.filing import mask_name
from mini_program.applications.vocab import (
    APPLICANT_TYPE_LABELS,
    CHANNEL_LABELS,
    DELIVERY_LABELS,
    FILE_KIND_LABELS,
    FINISHED_STATES,
    FORMAT_LABELS,
    ID_TYPE_LABELS,
    ORG_KIND_LABELS,
    RESULT_LABELS,
    STATE_LABELS,
    ApplicantType,
    Channel,
    Delivery,
    FileKind,
    Format,
    IdType,
    OrgKind,
    Result,
    State,
    reason_of,
)

EVENT_LABELS = {
    "submitted": "提交申请",
    "received": "确认收到",
    "correction_requested": "要求补正",
    "corrected": "收到补正",
    "third_party": "征求第三方意见",
    "third_party_reply": "收到第三方意见",
    "extended": "延长答复期限",
    "answered": "答复",
    "closed": "逾期不补正，终止处理",
}

UrlFor = Callable[[Application, ApplicationFile], str]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def remaining(
    app: Application, calc: Calculation | None, today: date, cal: CalendarView
) -> int | None:
    """Working days left (negative: overdue), from the stored deadline when no calculation."""
    if app.state in FINISHED_STATES or app.deadline is None:
        return None
    if calc is not None:
        return days_left(calc, today, cal)
    try:
        if today > app.deadline:
            return -cal.workdays_between(app.deadline, today)
        return cal.workdays_between(today, app.deadline)
    except ValueError:  # CalendarMissing: the year in between is not loaded
        return None


def summary(
    app: Application, *, today: date, cal: CalendarView, departments: dict[str, str]
) -> dict[str, Any]:
    """One row of a list (no calculation: that needs the events)."""
    left = remaining(app, None, today, cal)
    return {
        "id": app.id,
        "receipt_no": app.receipt_no,
        "state": str(app.state),
        "state_label": STATE_LABELS[State(app.state)],
        "applicant_type": str(app.applicant_type),
        "applicant_type_label": APPLICANT_TYPE_LABELS[ApplicantType(app.applicant_type)],
        "name": app.name,
        "channel": str(app.channel),
        "channel_label": CHANNEL_LABELS[Channel(app.channel)],
        "department": app.department_code,
        "department_name": departments.get(app.department_code, app.department_code),
        "description": app.description,
        "submitted_at": to_iso(app.submitted_at),
        "received_on": _iso(app.received_on),
        "deadline": _iso(app.deadline),
        "deadline_provisional": app.deadline_provisional,
        "deadline_error": app.deadline_error,
        "days_left": left,
        "overdue": bool(app.deadline and app.state not in FINISHED_STATES and today > app.deadline),
        "extended": app.extended,
        "correction_due": _iso(app.correction_due),
        "third_party_due": _iso(app.third_party_due),
        "finished_on": _iso(app.finished_on),
        "on_time": app.on_time,
        "result": app.result,
        "result_label": RESULT_LABELS[Result(app.result)] if app.result else "",
    }


def answer_of(app: Application) -> dict[str, Any] | None:
    if not app.result:
        return None
    result = Result(app.result)
    return {
        "result": str(result),
        "result_label": RESULT_LABELS[result],
        "reasons": [
            {"code": code, "label": found.label}
            for code in app.reasons or []
            if (found := reason_of(result, code)) is not None
        ],
        "explanation": app.explanation,
        "answered_on": _iso(app.finished_on),
    }


def file_dict(row: ApplicationFile, url: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": str(row.kind),
        "kind_label": FILE_KIND_LABELS[FileKind(row.kind)],
        "name": row.name,
        "size": row.size,
        "content_type": row.content_type,
        "published": row.published,
        "created_at": to_iso(row.created_at),
        "url": url,
    }


def detail(
    app: Application,
    calc: Calculation,
    *,
    today: date,
    cal: CalendarView,
    departments: dict[str, str],
    files: list[ApplicationFile],
    url_for: UrlFor,
) -> dict[str, Any]:
    """What the applicant and staff both see: the state, the deadline and its calculation."""
    out = summary(app, today=today, cal=cal, departments=departments)
    out.update(
        days_left=remaining(app, calc, today, cal),
        id_type=str(app.id_type) if app.id_type else None,
        id_type_label=ID_TYPE_LABELS[IdType(app.id_type)] if app.id_type else "",
        id_masked=app.id_masked,
        phone_masked=app.phone_masked,
        credit_code=app.credit_code,
        org_kind=app.org_kind,
        org_kind_label=ORG_KIND_LABELS[OrgKind(app.org_kind)] if app.org_kind else "",
        purpose=app.purpose,
        format=str(app.format),
        format_label=FORMAT_LABELS[Format(app.format)],
        delivery=str(app.delivery),
        delivery_label=DELIVERY_LABELS[Delivery(app.delivery)],
        calculation=calc.steps_as_dicts(),
        answer=answer_of(app),
        files=[file_dict(f, url_for(app, f)) for f in files],
    )
    return out


def staff_detail(
    base: dict[str, Any],
    events: list[ApplicationEvent],
    actions: list[str],
    *,
    same_applicant: int,
) -> dict[str, Any]:
    """Staff see the record of steps (who entered what, when) and what they may do next."""
    base.update(
        events=[
            {
                "kind": e.kind,
                "label": EVENT_LABELS.get(e.kind, e.kind),
                "on": e.on.isoformat(),
                "actor": e.actor_name,
                "detail": e.detail,
                "recorded_at": to_iso(e.created_at),
            }
            for e in events
        ],
        actions=actions,
        same_applicant_applications=same_applicant,
    )
    return base


def public_terminal(detail_: dict[str, Any]) -> dict[str, Any]:
    """The hall terminal shows and prints nothing personal beyond the masked forms."""
    shown = dict(detail_)
    shown["name"] = mask_name(detail_["name"], detail_["applicant_type"])
    shown.pop("credit_code", None)
    return shown
