"""Open days' JSON API: events, registrants, attendance, check-in (admin); registration (mp)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Font
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, raw
from sanic_ext import openapi

from gateway.auth import audit_request, department_scope, staff_required
from gateway.auth.resident import resident_required
from gateway.clock import SHANGHAI
from gateway.errors import parse_body, parse_query
from gateway.openapi import json_body, query, returns
from gateway.paging import PageQuery, page_answer
from mini_program.open_days import service
from mini_program.open_days.schemas import (
    AttendanceQuery,
    CheckInAnswer,
    CheckInBody,
    ListQuery,
    MyRegistrations,
    OpenDayAnswer,
    OpenDayCreate,
    OpenDayDetail,
    OpenDayList,
    OpenDayUpdate,
    RegistrantList,
    RegistrationAnswer,
    RegistrationCreate,
    YearAttendance,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

READ, MANAGE, CHECK_IN = "open_days.read", "open_days.manage", "open_days.checkin"

admin = Blueprint("open_days_admin", url_prefix="/api/v1/admin/open-days")
mp = Blueprint("open_days_mp", url_prefix="/api/v1/mp/open-days")
bp = Blueprint.group(admin, mp)


def _scope(request: Request) -> str | None:
    return department_scope(request.ctx.staff)


@admin.get("")
@openapi.tag("open-days")
@query(ListQuery)
@returns(OpenDayList)
@staff_required(READ)
async def list_events(request: Request) -> HTTPResponse:
    """Open days, newest first (department staff: their own department's)."""
    asked = parse_query(request, ListQuery)
    rows, total = await service.list_events(
        department_scope=_scope(request), year=asked.year, page=asked.page, per_page=asked.per_page
    )
    items = await service.events_to_dicts(rows)
    return json(page_answer(items, total=total, page=asked.page, per_page=asked.per_page))


@admin.post("")
@openapi.tag("open-days")
@json_body(OpenDayCreate)
@returns(OpenDayAnswer, status=201, description="新建的开放日活动")
@staff_required(MANAGE)
async def create_event(request: Request) -> HTTPResponse:
    """A new open day: `title`, `department`, `starts_at`, `place`, `capacity`, the
    registration window (`registration_opens`, `registration_closes`) and `description`."""
    body = parse_body(request, OpenDayCreate)
    event = await service.create_event(
        data=body, actor=request.ctx.staff.username, department_scope=_scope(request)
    )
    await audit_request(
        request,
        action="open_days.create",
        target_type="open_day",
        target_id=event.id,
        detail={"title": event.title, "capacity": event.capacity},
    )
    return json({"open_day": await service.event_to_dict(event)}, status=201)


@admin.get("/attendance")
@openapi.tag("open-days")
@query(AttendanceQuery)
@returns(YearAttendance)
@staff_required(READ)
async def year_attendance(request: Request) -> HTTPResponse:
    """A year's open days with registrations and attendance, and the year's totals."""
    asked = parse_query(request, AttendanceQuery)
    return json(await service.year_attendance(year=asked.year, department_scope=_scope(request)))


@admin.get("/<event_id:int>")
@openapi.tag("open-days")
@returns(OpenDayDetail)
@staff_required(READ)
async def get_event(request: Request, event_id: int) -> HTTPResponse:
    """One open day with its attendance figures."""
    event = await service.get_event(event_id=event_id, department_scope=_scope(request))
    return json(
        {
            "open_day": await service.event_to_dict(event),
            "attendance": await service.attendance(event),
        }
    )


@admin.patch("/<event_id:int>")
@openapi.tag("open-days")
@json_body(OpenDayUpdate)
@returns(OpenDayAnswer)
@staff_required(MANAGE)
async def update_event(request: Request, event_id: int) -> HTTPResponse:
    """Change an open day; more places go to the waitlist at once, in order."""
    body = parse_body(request, OpenDayUpdate)
    event, changes = await service.update_event(
        event_id=event_id, data=body, department_scope=_scope(request)
    )
    if changes:
        await audit_request(
            request, action="open_days.update", target_type="open_day", target_id=event.id,
            detail=changes,
        )  # fmt: skip
    return json({"open_day": await service.event_to_dict(event)})


@admin.post("/<event_id:int>/cancel")
@openapi.tag("open-days")
@returns(OpenDayAnswer)
@staff_required(MANAGE)
async def cancel_event(request: Request, event_id: int) -> HTTPResponse:
    """Call an open day off: no more registrations, tickets are refused at the door."""
    event = await service.cancel_event(event_id=event_id, department_scope=_scope(request))
    await audit_request(
        request, action="open_days.cancel", target_type="open_day", target_id=event.id,
        detail={"title": event.title},
    )  # fmt: skip
    return json({"open_day": await service.event_to_dict(event)})


@admin.get("/<event_id:int>/registrations")
@openapi.tag("open-days")
@query(PageQuery)
@returns(RegistrantList)
@staff_required(READ)
async def list_registrants(request: Request, event_id: int) -> HTTPResponse:
    """Everyone who registered (phones masked): confirmed first, then the waitlist in order."""
    asked = parse_query(request, PageQuery)
    event = await service.get_event(event_id=event_id, department_scope=_scope(request))
    rows = await service.registrants(event=event)
    items = rows[asked.offset : asked.offset + asked.per_page]
    return json(page_answer(items, total=len(rows), page=asked.page, per_page=asked.per_page))


REGISTRANT_COLUMNS = [
    ("name", "姓名"),
    ("phone", "手机号（脱敏）"),
    ("companions", "随行人数"),
    ("status_label", "状态"),
    ("created_at", "报名时间"),
    ("checked_in_at", "签到时间"),
]


def registrants_xlsx(title: str, rows: list[dict[str, Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "报名名单"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["序号", *(label for _, label in REGISTRANT_COLUMNS)])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for index, row in enumerate(rows, start=1):
        values = [_local(row[k]) if k.endswith("_at") else row[k] for k, _ in REGISTRANT_COLUMNS]
        sheet.append([index, *values])
    for letter, width in zip("ABCDEFG", (6, 12, 16, 10, 14, 18, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _local(value: str | None) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


@admin.get("/<event_id:int>/registrations.xlsx")
@openapi.tag("open-days")
@openapi.response(200, {XLSX: {"type": "string", "format": "binary"}}, "报名名单（手机号脱敏）")
@staff_required(READ)
async def export_registrants(request: Request, event_id: int) -> HTTPResponse:
    """The registrant list as Excel, phones masked."""
    event = await service.get_event(event_id=event_id, department_scope=_scope(request))
    rows = await service.registrants(event=event)
    body = registrants_xlsx(f"{event.title} 报名名单", rows)
    await audit_request(
        request, action="open_days.export", target_type="open_day", target_id=event.id,
        detail={"rows": len(rows)},
    )  # fmt: skip
    filename = f"{event.title}_报名名单.xlsx"
    return raw(
        body,
        content_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="open-day-{event.id}.xlsx"; '
            f"filename*=UTF-8''{quote(filename)}"
        },
    )


@admin.post("/<event_id:int>/check-in")
@openapi.tag("open-days")
@json_body(CheckInBody)
@returns(CheckInAnswer)
@staff_required(CHECK_IN)
async def check_in(request: Request, event_id: int) -> HTTPResponse:
    """Let a ticket in at the door, once; a refusal says why in the error's `code` and
    `message` (already checked in at HH:MM, another event's, not valid, cancelled, expired)."""
    body = parse_body(request, CheckInBody)
    reg = await service.check_in(
        event_id=event_id,
        ticket=body.ticket,
        staff=request.ctx.staff.username,
        department_scope=_scope(request),
    )
    await audit_request(
        request, action="open_days.check_in", target_type="open_day_registration",
        target_id=reg.id, detail={"open_day_id": event_id},
    )  # fmt: skip
    assert reg.checked_in_at is not None
    when = reg.checked_in_at.astimezone(SHANGHAI).strftime("%H:%M")
    party = f"，随行 {reg.companions} 人" if reg.companions else ""
    return json(
        {
            "result": "checked_in",
            "message": f"签到成功：{reg.name}{party}",
            "name": reg.name,
            "companions": reg.companions,
            "checked_in_at": when,
        }
    )


# --- the mini-program -------------------------------------------------------------------------


@mp.get("")
@openapi.tag("mini-program")
@query(PageQuery)
@returns(OpenDayList)
async def public_events(request: Request) -> HTTPResponse:
    """Open days from today on, soonest first, with places left and the registration state."""
    asked = parse_query(request, PageQuery)
    items = await service.list_public(page=asked.page, per_page=asked.per_page)
    total = await service.count_public()
    return json(page_answer(items, total=total, page=asked.page, per_page=asked.per_page))


@mp.get("/mine")
@openapi.tag("mini-program")
@returns(MyRegistrations)
@resident_required
async def my_registrations(request: Request) -> HTTPResponse:
    """我的报名: the resident's registrations with their events and tickets."""
    pairs = await service.my_registrations(resident_id=request.ctx.resident.id)
    items = [
        service.registration_to_dict(reg, with_ticket=True, event=await service.event_to_dict(ev))
        for reg, ev in pairs
    ]
    return json({"items": items})


@mp.get("/<event_id:int>")
@openapi.tag("mini-program")
@returns(OpenDayAnswer)
async def public_event(request: Request, event_id: int) -> HTTPResponse:
    """One open day as residents see it."""
    return json({"open_day": await service.get_public(event_id=event_id)})


@mp.post("/<event_id:int>/registrations")
@openapi.tag("mini-program")
@json_body(RegistrationCreate)
@returns(RegistrationAnswer, status=201, description="已报名或已进入候补")
@resident_required
async def register(request: Request, event_id: int) -> HTTPResponse:
    """Register (`name`, `phone`, `companions`): a place while any is left, else the waitlist.
    Registering twice, before or after the window, or for a cancelled event is a 409."""
    body = parse_body(request, RegistrationCreate)
    reg = await service.register(event_id=event_id, resident_id=request.ctx.resident.id, data=body)
    return json({"registration": service.registration_to_dict(reg, with_ticket=True)}, status=201)


@mp.get("/<event_id:int>/registrations/mine")
@openapi.tag("mini-program")
@returns(RegistrationAnswer)
@resident_required
async def my_registration(request: Request, event_id: int) -> HTTPResponse:
    """The resident's registration: `status`, the signed `ticket` and its QR (`ticket_qr`)."""
    reg = await service.my_registration(event_id=event_id, resident_id=request.ctx.resident.id)
    return json({"registration": service.registration_to_dict(reg, with_ticket=True)})


@mp.delete("/<event_id:int>/registrations/mine")
@openapi.tag("mini-program")
@returns(RegistrationAnswer)
@resident_required
async def cancel_registration(request: Request, event_id: int) -> HTTPResponse:
    """Cancel: the place goes to the first on the waitlist, who is told by a subscribe message."""
    reg = await service.cancel_registration(event_id=event_id, resident_id=request.ctx.resident.id)
    return json({"registration": service.registration_to_dict(reg)})
