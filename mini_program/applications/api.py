"""The JSON API of disclosure applications.

Residents (`/api/v1/mp/applications`, resident session): file, list their own, read one with
its deadline calculation, download its letters. Staff (`/api/v1/admin/applications`, staff
session, department-scoped): the queue, each application with its calculation, the steps,
the overdue board, the annual report and its Excel export, reconsiderations and lawsuits.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, raw
from sanic_ext import openapi

from gateway.auth import department_scope, has_permission, staff_required
from gateway.auth.csrf import form_of
from gateway.auth.decorators import client_ip
from gateway.auth.resident import bearer_token, resident_required, resolve
from gateway.errors import Invalid, NotFound, fields_from_validation, parse_body, parse_query
from gateway.media import content_disposition
from gateway.openapi import json_body, query, returns
from gateway.paging import PageQuery, page_answer
from mini_program.applications import limits, links, service
from mini_program.applications.models import Application, ApplicationFile
from mini_program.applications.schemas import (
    AnswerIn,
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    AssignIn,
    CalendarStatusOut,
    ContactOut,
    CorrectionIn,
    CreatedOut,
    ExtendIn,
    FileLinkQuery,
    JobOut,
    OverdueOut,
    ReceiveIn,
    RemindersOut,
    ReportOut,
    ReportQuery,
    ReviewCaseIn,
    ReviewCaseOut,
    ReviewCasePage,
    ReviewListQuery,
    ReviewOutcomeIn,
    StaffApplicationIn,
    StaffApplicationOut,
    StaffListQuery,
    StepIn,
    ThirdPartyIn,
    ThirdPartyReplyIn,
    UploadedOut,
)
from mini_program.applications.service.common import Actor, get_for_resident
from mini_program.applications.service.present import file_dict
from mini_program.applications.service.queries import get_file, staff_file_url
from mini_program.applications.settings import get_app_settings
from mini_program.applications.vocab import Channel

READ = "applications.read"
HANDLE = "applications.handle"
EXTEND = "applications.extend"
ASSIGN = "applications.assign"
REPORT = "applications.report"
RECOMPUTE = "applications.recompute"

# Letters (PDF) and uploaded attachments, as stored.
_FILE = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}

mp = Blueprint("applications_mp", url_prefix="/api/v1/mp/applications")
admin = Blueprint("applications_admin", url_prefix="/api/v1/admin/applications")
bp = Blueprint.group(mp, admin)


def actor_of(request: Request) -> Actor:
    """The signed-in staff member as the services see them (with their department scope)."""
    staff = request.ctx.staff
    return Actor(
        id=staff.id,
        name=staff.username,
        label=staff.display_name or staff.username,
        ip=client_ip(request),
        department_scope=department_scope(staff),
    )


def file_response(row: ApplicationFile) -> HTTPResponse:
    """A stored file, named for download; never cached by shared caches (personal data)."""
    return raw(
        row.content,
        content_type=row.content_type,
        headers={
            "Content-Disposition": content_disposition(row.name, row.content_type),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


# --- residents ------------------------------------------------------------------------------


@mp.post("")
@openapi.tag("mini-program")
@json_body(ApplicationIn)
@returns(CreatedOut, status=201, description="已提交，等待确认收到")
@resident_required
async def file_application(request: Request) -> HTTPResponse:
    """File an application for government information; answers its id and receipt number."""
    data = parse_body(request, ApplicationIn)
    settings = get_app_settings()
    await limits.enforce(
        f"resident:{request.ctx.resident.id}",
        limit=settings.resident_filings_per_day,
        window=24 * 3600,
        message="今天提交的申请已达上限，请明天再试",
    )
    app = await service.create_application(
        data=data, channel=Channel.ONLINE, resident_id=request.ctx.resident.id
    )
    return json({"id": app.id, "receipt_no": app.receipt_no, "state": str(app.state)}, status=201)


@mp.get("")
@openapi.tag("mini-program")
@query(PageQuery)
@returns(ApplicationPage)
@resident_required
async def my_applications(request: Request) -> HTTPResponse:
    """The resident's own applications (我的申请), newest first."""
    args = parse_query(request, PageQuery)
    return json(
        await service.list_for_resident(
            resident_id=request.ctx.resident.id, page=args.page, per_page=args.per_page
        )
    )


@mp.get("/<app_id:int>")
@openapi.tag("mini-program")
@returns(ApplicationOut)
@resident_required
async def my_application(request: Request, app_id: int) -> HTTPResponse:
    """One of the resident's applications: state, deadline with its calculation, answer, files."""
    return json(await service.resident_detail(app_id=app_id, resident_id=request.ctx.resident.id))


@mp.get("/<app_id:int>/files/<file_id:int>")
@openapi.tag("mini-program")
@query(FileLinkQuery)
@openapi.response(200, _FILE, "文件（PDF 或附件）")
async def my_file(request: Request, app_id: int, file_id: int) -> HTTPResponse:
    """A letter or answer file, by the signed link in the detail (or with the owner's token)."""
    app: Application | None = None
    link = parse_query(request, FileLinkQuery)
    if link.signature:
        if links.valid(app_id, file_id, link.expires or 0, link.signature):
            app = await Application.get_or_none(id=app_id)
    else:
        resident = await resolve(bearer_token(request))
        if resident is not None:
            app = await get_for_resident(app_id, resident.id)
    if app is None:
        raise NotFound("链接已失效，请重新打开申请详情", code="file_link_invalid")
    return file_response(await get_file(app, file_id, published_only=True))


# --- staff: the queue and one application -----------------------------------------------------


@admin.get("")
@openapi.tag("applications")
@query(StaffListQuery)
@returns(ApplicationPage)
@staff_required(READ)
async def queue(request: Request) -> HTTPResponse:
    """The queue: open applications by nearest deadline with days left, then finished ones."""
    args = parse_query(request, StaffListQuery)
    return json(
        await service.list_for_staff(
            actor=actor_of(request),
            state=args.state,
            department=args.department,
            due=args.due,
            q=args.q,
            year=args.year,
            page=args.page,
            per_page=args.per_page,
        )
    )


@admin.post("")
@openapi.tag("applications")
@json_body(StaffApplicationIn)
@returns(CreatedOut, status=201)
@staff_required(HANDLE)
async def enter_application(request: Request) -> HTTPResponse:
    """Enter an application that came by letter, fax, e-mail or in person."""
    data = parse_body(request, StaffApplicationIn)
    app = await service.create_application(data=data, channel=data.channel, actor=actor_of(request))
    return json({"id": app.id, "receipt_no": app.receipt_no, "state": str(app.state)}, status=201)


async def _detail(request: Request, app_id: int) -> HTTPResponse:
    staff = request.ctx.staff
    return json(
        await service.staff_detail(
            app_id=app_id,
            actor=actor_of(request),
            can_extend=has_permission(staff, EXTEND),
            can_assign=has_permission(staff, ASSIGN),
        )
    )


@admin.get("/<app_id:int>")
@openapi.tag("applications")
@returns(StaffApplicationOut)
@staff_required(READ)
async def application(request: Request, app_id: int) -> HTTPResponse:
    """One application: state, `deadline` (YYYY-MM-DD) and `calculation` step by step."""
    return await _detail(request, app_id)


@admin.post("/<app_id:int>/receive")
@openapi.tag("applications")
@json_body(ReceiveIn)
@returns(StaffApplicationOut)
@staff_required(HANDLE)
async def receive(request: Request, app_id: int) -> HTTPResponse:
    """Confirm receipt: `on` (default today) is day 0; `channel` fixes how receipt is dated."""
    data = _body_or_empty(request, ReceiveIn)
    await service.receive(app_id=app_id, actor=actor_of(request), data=data)
    return await _detail(request, app_id)


@admin.post("/<app_id:int>/request-correction")
@openapi.tag("applications")
@json_body(CorrectionIn)
@returns(StaffApplicationOut)
@staff_required(HANDLE)
async def request_correction(request: Request, app_id: int) -> HTTPResponse:
    """Ask once, within 7 working days of receipt, for what is missing; the clock stops."""
    data = parse_body(request, CorrectionIn)
    await service.request_correction(app_id=app_id, actor=actor_of(request), data=data)
    return await _detail(request, app_id)


@admin.post("/<app_id:int>/corrected")
@openapi.tag("applications")
@json_body(StepIn)
@returns(StaffApplicationOut)
@staff_required(HANDLE)
async def corrected(request: Request, app_id: int) -> HTTPResponse:
    """The corrected application arrived on `on`: the count restarts from that day."""
    data = _body_or_empty(request, StepIn)
    await service.corrected(app_id=app_id, actor=actor_of(request), data=data)
    return await _detail(request, app_id)


@admin.post("/<app_id:int>/extend")
@openapi.tag("applications")
@json_body(ExtendIn)
@returns(StaffApplicationOut)
@staff_required(EXTEND)
async def extend(request: Request, app_id: int) -> HTTPResponse:
    """Extend by 20 working days from the original deadline (once, before it; approvers only)."""
    data = parse_body(request, ExtendIn)
    await service.extend(app_id=app_id, actor=actor_of(request), data=data)
    return await _detail(request, app_id)


@admin.post("/<app_id:int>/third-party")
@openapi.tag("applications")
@json_body(ThirdPartyIn)
@returns(StaffApplicationOut)
@staff_required(HANDLE)
async def third_party(request: Request, app_id: int) -> HTTPResponse:
    """A third party was asked for its opinion on `on`: the following working days pause."""
    data = parse_body(request, ThirdPartyIn)
    await service.third_party(app_id=app_id, actor=actor_of(request), data=data)
    return await _detail(request, app_id)


@admin.post("/<app_id:int>/third-party-reply")
@openapi.tag("applications")
@json_body(ThirdPartyReplyIn)
@returns(StaffApplicationOut)
@staff_required(HANDLE)
async def third_party_reply(request: Request, app_id: int) -> HTTPResponse:
    """The third party's reply arrived on `on` (that day is the last one not counted)."""
    data = _body_or_empty(request, ThirdPartyReplyIn)
    await service.third_party_reply(app_id=app_id, actor=actor_of(request), data=data)
    return await _detail(request, app_id)


@admin.post("/<app_id:int>/answer")
@openapi.tag("applications")
@json_body(AnswerIn)
@returns(StaffApplicationOut)
@staff_required(HANDLE)
async def answer(request: Request, app_id: int) -> HTTPResponse:
    """Answer: national result type, its reasons and files (JSON with uploaded file ids, or
    multipart/form-data with the files themselves); the answer letter PDF is generated."""
    actor = actor_of(request)
    if (request.content_type or "").startswith("multipart/form-data"):
        data = _answer_from_form(request)
        uploaded = []
        for upload in _uploads(request):
            row = await service.upload_attachment(
                app_id=app_id, actor=actor, name=upload.name, body=upload.body
            )
            uploaded.append(row.id)
        data.files = [*data.files, *uploaded]
    else:
        data = parse_body(request, AnswerIn)
    await service.answer(app_id=app_id, actor=actor, data=data)
    return await _detail(request, app_id)


@admin.post("/<app_id:int>/assign")
@openapi.tag("applications")
@json_body(AssignIn)
@returns(StaffApplicationOut)
@staff_required(ASSIGN)
async def assign(request: Request, app_id: int) -> HTTPResponse:
    """Hand the application to the department that holds the information."""
    data = parse_body(request, AssignIn)
    await service.assign(app_id=app_id, actor=actor_of(request), department=data.department)
    return await _detail(request, app_id)


@admin.post("/<app_id:int>/files")
@openapi.tag("applications")
@returns(UploadedOut, status=201)
@staff_required(HANDLE)
async def upload(request: Request, app_id: int) -> HTTPResponse:
    """Upload a file (multipart field `file`) to attach to the answer."""
    uploads = _uploads(request)
    if len(uploads) != 1:
        raise Invalid(fields={"file": "请选择一个文件（表单字段 file）"})
    app_file = await service.upload_attachment(
        app_id=app_id, actor=actor_of(request), name=uploads[0].name, body=uploads[0].body
    )
    app = await Application.get(id=app_id)
    return json({"file": file_dict(app_file, staff_file_url(app, app_file))}, status=201)


@admin.get("/<app_id:int>/files/<file_id:int>")
@openapi.tag("applications")
@openapi.response(200, _FILE, "文件（PDF 或附件）")
@staff_required(READ)
async def staff_file(request: Request, app_id: int, file_id: int) -> HTTPResponse:
    """A letter or attachment of an application in the staff member's scope."""
    return file_response(
        await service.staff_file(app_id=app_id, file_id=file_id, actor=actor_of(request))
    )


@admin.post("/<app_id:int>/contact")
@openapi.tag("applications")
@returns(ContactOut)
@staff_required(HANDLE)
async def contact(request: Request, app_id: int) -> HTTPResponse:
    """The applicant's full phone and address, to call or post a letter (each look audited)."""
    return json(await service.reveal_contact(app_id=app_id, actor=actor_of(request)))


# --- staff: oversight, report, calendar --------------------------------------------------------


@admin.get("/overdue")
@openapi.tag("applications")
@returns(OverdueOut)
@staff_required(READ)
async def overdue(request: Request) -> HTTPResponse:
    """Per department: overdue, due within 2 working days, running, and the overdue cases."""
    return json({"departments": await service.overdue_board(actor=actor_of(request))})


@admin.get("/reminders")
@openapi.tag("applications")
@returns(RemindersOut)
@staff_required(READ)
async def reminders(request: Request) -> HTTPResponse:
    """The latest daily digest's reminders (5, 2 and 0 working days left) in scope."""
    return json({"items": await service.reminders_for(actor=actor_of(request))})


@admin.get("/report")
@openapi.tag("applications")
@query(ReportQuery)
@returns(ReportOut)
@staff_required(REPORT)
async def report(request: Request) -> HTTPResponse:
    """The annual report's tables 三 and 四, channels and on-time figures for a year."""
    args = parse_query(request, ReportQuery)
    data = await service.annual_report(
        year=args.year, actor=actor_of(request), department=args.department
    )
    return json(data)


@admin.get("/reviews")
@openapi.tag("applications")
@query(ReviewListQuery)
@returns(ReviewCasePage)
@staff_required(REPORT)
async def reviews(request: Request) -> HTTPResponse:
    """Reconsiderations and lawsuits entered for a year (table 四), a page at a time."""
    args = parse_query(request, ReviewListQuery)
    rows, total = await service.page_of_reviews(
        year=args.year,
        actor=actor_of(request),
        department=args.department,
        page=args.page,
        per_page=args.per_page,
    )
    return json(
        page_answer(
            [service.review_dict(r) for r in rows],
            total=total,
            page=args.page,
            per_page=args.per_page,
        )
    )


@admin.post("/reviews")
@openapi.tag("applications")
@json_body(ReviewCaseIn)
@returns(ReviewCaseOut, status=201)
@staff_required(REPORT)
async def create_review(request: Request) -> HTTPResponse:
    """Enter a reconsideration or a lawsuit about disclosure (for table 四)."""
    data = parse_body(request, ReviewCaseIn)
    row = await service.create_review(data=data, actor=actor_of(request))
    return json(service.review_dict(row), status=201)


@admin.post("/reviews/<review_id:int>/outcome")
@openapi.tag("applications")
@json_body(ReviewOutcomeIn)
@returns(ReviewCaseOut)
@staff_required(REPORT)
async def review_outcome(request: Request, review_id: int) -> HTTPResponse:
    """Record how a reconsideration or lawsuit ended."""
    data = parse_body(request, ReviewOutcomeIn)
    row = await service.set_review_outcome(
        review_id=review_id, outcome=data.outcome, actor=actor_of(request)
    )
    return json(service.review_dict(row))


@admin.get("/calendar")
@openapi.tag("applications")
@returns(CalendarStatusOut)
@staff_required(READ)
async def calendar_status(request: Request) -> HTTPResponse:
    """Loaded calendar years, and whether stored deadlines were computed with them."""
    return json(await service.calendar_status())


@admin.post("/recompute")
@openapi.tag("applications")
@returns(JobOut, status=202)
@staff_required(RECOMPUTE)
async def recompute(request: Request) -> HTTPResponse:
    """Queue a recompute of every stored deadline with the current calendar (progress: jobs)."""
    job = await service.schedule_recompute(force=True, actor=actor_of(request))
    if job is None:  # only without `force`; kept for the type checker
        raise NotFound("没有需要重算的期限")
    return json({"job_id": job.id, "state": str(job.state)}, status=202)


# --- helpers ------------------------------------------------------------------------------------


class _Upload(BaseModel):
    name: str
    body: bytes


def _uploads(request: Request) -> list[_Upload]:
    """The uploaded files of a multipart request (fields `file` and `files`)."""
    files = request.files
    found: list[_Upload] = []
    for field in ("file", "files"):
        for item in (files.getlist(field) if files else None) or []:
            if item.name:
                found.append(_Upload(name=item.name, body=item.body))
    return found


def _answer_from_form(request: Request) -> AnswerIn:
    form = form_of(request)
    data: dict[str, Any] = {
        "result": form.get("result"),
        "reasons": [r for r in form.getlist("reasons") or [] if r],
        "explanation": form.get("explanation") or "",
        "files": [int(f) for f in form.getlist("file_ids") or [] if f.isdigit()],
    }
    if form.get("on"):
        data["on"] = form.get("on")
    try:
        return AnswerIn.model_validate(data)
    except ValidationError as exc:
        raise Invalid(fields=fields_from_validation(exc)) from exc


def _body_or_empty(request: Request, schema: type[StepIn]) -> Any:
    """Steps whose fields all have defaults accept an empty body ({} or nothing)."""
    if not request.body:
        return schema.model_validate({})
    return parse_body(request, schema)
