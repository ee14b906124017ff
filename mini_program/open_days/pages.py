"""Console pages of open days: events and their figures, registrants, the door check-in."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect
from sanic_ext import openapi

from gateway.auth import audit_request, department_scope, has_permission, staff_required
from gateway.auth.csrf import form_of
from gateway.clock import SHANGHAI, local_date, now
from gateway.console import register_nav, register_tile, render
from gateway.errors import ApiError, NotFound, fields_from_validation
from gateway.org import list_departments
from mini_program.open_days import service
from mini_program.open_days.models import OpenDay
from mini_program.open_days.schemas import OpenDayCreate, OpenDayUpdate

READ, MANAGE, CHECK_IN = "open_days.read", "open_days.manage", "open_days.checkin"
STATIC = Path(__file__).resolve().parent / "static"
# The door page decodes QR codes with ZXing compiled to WebAssembly: compiling it needs
# 'wasm-unsafe-eval' (WebAssembly only; JavaScript eval stays forbidden).
CHECK_IN_CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
FORM_FIELDS = (
    "title", "department", "starts_at", "place", "capacity",
    "registration_opens", "registration_closes", "description",
)  # fmt: skip

bp = Blueprint("open_days_console", url_prefix="/console")
bp.static("/open-days/static", str(STATIC), name="static")

register_nav("政府开放日", "/console/open-days", READ, order=310)
register_nav("入场签到", "/console/check-in", CHECK_IN, order=311)


@register_tile
async def _open_days_tile(staff: Any) -> dict[str, Any] | None:
    if not has_permission(staff, READ):
        return None
    return {
        "label": "即将举行的开放日",
        "value": await service.count_public(),
        "href": "/console/open-days",
    }


def _scope(request: Request) -> str | None:
    return department_scope(request.ctx.staff)


def _local_input(value: datetime) -> str:
    """A time as the form's datetime-local input shows it (county time)."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def _form_data(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {k: (form.get(k) or "").strip() for k in FORM_FIELDS}
    return {k: v for k, v in data.items() if v != "" or k == "description"}


async def _render_list(
    request: Request,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTTPResponse:
    year_arg = request.args.get("year", "")
    year = int(year_arg) if year_arg.isdigit() and 2000 <= int(year_arg) <= 2100 else None
    year = year or local_date(now()).year
    scope = _scope(request)
    events, _ = await service.list_events(department_scope=scope, per_page=100)
    summary = await service.year_attendance(year=year, department_scope=scope)
    start = (now().astimezone(SHANGHAI) + timedelta(days=14)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    default = {
        "starts_at": _local_input(start),
        "registration_opens": _local_input(now()),
        "registration_closes": _local_input(start - timedelta(days=1)),
        "capacity": "100",
        "department": request.ctx.staff.department_code or "",
    }
    return render(
        request,
        "open_days/events.html",
        events=await service.events_to_dicts(events),
        summary=summary,
        year=year,
        departments=await list_departments(),
        form=form or default,
        errors=errors or {},
        message=request.args.get("message", ""),
        can_manage=has_permission(request.ctx.staff, MANAGE),
        status=status,
    )


@bp.get("/open-days")
@openapi.exclude()
@staff_required(READ)
async def events_page(request: Request) -> HTTPResponse:
    """Open days with their figures, the year's attendance, and the create form."""
    return await _render_list(request)


@bp.post("/open-days")
@openapi.exclude()
@staff_required(MANAGE)
async def create_event(request: Request) -> HTTPResponse:
    """The console's form for a new open day (the same rules as the API)."""
    form = form_of(request)
    data = _form_data(form)
    try:
        body = OpenDayCreate.model_validate(data)
        event = await service.create_event(
            data=body, actor=request.ctx.staff.username, department_scope=_scope(request)
        )
    except ValidationError as exc:
        return await _render_list(
            request, form=data, errors=fields_from_validation(exc), status=422
        )
    except ApiError as exc:
        errors = exc.fields or {"department": exc.message}
        return await _render_list(request, form=data, errors=errors, status=exc.status)
    await audit_request(
        request, action="open_days.create", target_type="open_day", target_id=event.id,
        detail={"title": event.title, "capacity": event.capacity},
    )  # fmt: skip
    return redirect(f"/console/open-days/{event.id}?message=已创建", status=303)


async def _event_or_404(request: Request, event_id: int) -> OpenDay | None:
    try:
        return await service.get_event(event_id=event_id, department_scope=_scope(request))
    except NotFound:
        return None


async def _render_event(
    request: Request,
    event: OpenDay,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> HTTPResponse:
    info = await service.event_to_dict(event)
    default = {
        "title": event.title,
        "department": event.department_code,
        "starts_at": _local_input(event.starts_at),
        "place": event.place,
        "capacity": str(event.capacity),
        "registration_opens": _local_input(event.registration_opens),
        "registration_closes": _local_input(event.registration_closes),
        "description": event.description,
    }
    return render(
        request,
        "open_days/event.html",
        event=info,
        figures=await service.attendance(event),
        registrants=await service.registrants(event=event),
        departments=await list_departments(),
        form=form or default,
        errors=errors or {},
        message=request.args.get("message", ""),
        can_manage=has_permission(request.ctx.staff, MANAGE),
        status=status,
    )


@bp.get("/open-days/<event_id:int>")
@openapi.exclude()
@staff_required(READ)
async def event_page(request: Request, event_id: int) -> HTTPResponse:
    """One open day: figures, registrants (phones masked), export, edit, cancel."""
    event = await _event_or_404(request, event_id)
    if event is None:
        return render(request, "console/forbidden.html", message="没有这场开放日活动", status=404)
    return await _render_event(request, event)


@bp.post("/open-days/<event_id:int>")
@openapi.exclude()
@staff_required(MANAGE)
async def update_event(request: Request, event_id: int) -> HTTPResponse:
    """Save the edit form of an open day, or call it off (`action=cancel`)."""
    event = await _event_or_404(request, event_id)
    if event is None:
        return render(request, "console/forbidden.html", message="没有这场开放日活动", status=404)
    form = form_of(request)
    if form.get("action") == "cancel":
        event = await service.cancel_event(event_id=event.id, department_scope=_scope(request))
        await audit_request(
            request, action="open_days.cancel", target_type="open_day", target_id=event.id,
            detail={"title": event.title},
        )  # fmt: skip
        return redirect(f"/console/open-days/{event.id}?message=活动已取消", status=303)
    data = _form_data(form)
    try:
        body = OpenDayUpdate.model_validate(data)
        event, changes = await service.update_event(
            event_id=event.id, data=body, department_scope=_scope(request)
        )
    except ValidationError as exc:
        return await _render_event(
            request, event, form=data, errors=fields_from_validation(exc), status=422
        )
    except ApiError as exc:
        return await _render_event(
            request, event, form=data, errors=exc.fields or {"title": exc.message},
            status=exc.status,
        )  # fmt: skip
    if changes:
        await audit_request(
            request, action="open_days.update", target_type="open_day", target_id=event.id,
            detail=changes,
        )  # fmt: skip
    return redirect(f"/console/open-days/{event.id}?message=已保存", status=303)


@bp.get("/check-in")
@openapi.exclude()
@staff_required(CHECK_IN)
async def check_in_page(request: Request) -> HTTPResponse:
    """The door: pick today's event, scan tickets with the camera or type the code."""
    scope = _scope(request)
    events, _ = await service.list_events(department_scope=scope, per_page=100)
    today = local_date(now())
    usable = [e for e in events if local_date(e.starts_at) >= today - timedelta(days=1)]
    usable.sort(key=lambda e: (local_date(e.starts_at) != today, e.starts_at))
    chosen_arg = request.args.get("event", "")
    chosen = next((e for e in usable if str(e.id) == chosen_arg), usable[0] if usable else None)
    page = render(
        request,
        "open_days/check_in.html",
        events=await service.events_to_dicts(usable),
        chosen=await service.event_to_dict(chosen) if chosen else None,
        figures=await service.attendance(chosen) if chosen else None,
    )
    page.headers["Content-Security-Policy"] = CHECK_IN_CSP
    return page
