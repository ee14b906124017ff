"""Console pages of disclosure applications: the queue with deadlines and days left, each
application with its calculation and the staff steps, staff entry of letters and visits, the
overdue board per department, the annual report with its Excel export, and the home tile."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, ValidationError
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, raw, redirect
from sanic_ext import openapi

from gateway.auth import department_scope, has_permission, staff_required
from gateway.auth.csrf import form_of
from gateway.auth.decorators import client_ip
from gateway.console import register_nav, register_tile, render
from gateway.errors import ApiError, fields_from_validation
from gateway.media import content_disposition
from gateway.org import Department
from mini_program.applications import service
from mini_program.applications.api import (
    ASSIGN,
    EXTEND,
    HANDLE,
    READ,
    RECOMPUTE,
    REPORT,
    file_response,
)
from mini_program.applications.schemas import (
    AnswerIn,
    CorrectionIn,
    ExtendIn,
    ReceiveIn,
    ReportQuery,
    ReviewCaseIn,
    StaffApplicationIn,
    StaffListQuery,
    StepIn,
    ThirdPartyIn,
    ThirdPartyReplyIn,
    today,
)
from mini_program.applications.service.common import Actor
from mini_program.applications.vocab import (
    APPLICANT_TYPE_LABELS,
    CHANNEL_LABELS,
    DELIVERY_LABELS,
    FORMAT_LABELS,
    ID_TYPE_LABELS,
    ORG_KIND_LABELS,
    RESULT_LABELS,
    REVIEW_KIND_LABELS,
    REVIEW_OUTCOME_LABELS,
    STAFF_CHANNELS,
    STATE_LABELS,
    Result,
    ReviewOutcome,
    reasons_for,
)

bp = Blueprint("applications_console", url_prefix="/console/applications")
bp.static("/static", str(Path(__file__).resolve().parent / "static"), name="static")

register_nav("依申请公开", "/console/applications", READ, order=30)

DONE = {
    "receive": "已确认收到，答复期限开始计算",
    "request-correction": "已要求补正，补正告知书已生成",
    "corrected": "已登记补正，答复期限重新起算",
    "third-party": "已登记征求第三方意见，期限暂停计算",
    "third-party-reply": "已登记第三方意见，期限恢复计算",
    "extend": "已延长答复期限，延期告知书已生成",
    "answer": "已答复，答复书已生成",
    "assign": "已转交承办部门",
    "upload": "附件已上传，答复时可选用",
}


def actor_for(staff: Any, ip: str | None = None) -> Actor:
    return Actor(
        id=staff.id,
        name=staff.username,
        label=staff.display_name or staff.username,
        ip=ip,
        department_scope=department_scope(staff),
    )


def _actor(request: Request) -> Actor:
    return actor_for(request.ctx.staff, client_ip(request))


@register_tile
async def _due_this_week_tile(staff: Any) -> dict[str, Any] | None:
    if not has_permission(staff, READ):
        return None
    count = await service.due_this_week(actor=actor_for(staff))
    return {
        "label": "本周到期的依申请公开",
        "value": count,
        "href": "/console/applications?due=week",
    }


def _form(request: Request, names: tuple[str, ...]) -> dict[str, Any]:
    """The named, non-empty form fields (lists for `reasons`)."""
    form = form_of(request)
    data: dict[str, Any] = {}
    for name in names:
        if name == "reasons":
            data[name] = [v for v in form.getlist(name) or [] if v]
            continue
        value = (form.get(name) or "").strip()
        if value:
            data[name] = value
    return data


def _files(request: Request, field: str) -> list[Any]:
    files = request.files
    return [f for f in (files.getlist(field) if files else None) or [] if f.name]


def _validate(schema: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise ApiError(
            "提交的内容有误", status=422, code="invalid", fields=fields_from_validation(exc)
        ) from exc


def _tabs(request: Request, tab: str) -> dict[str, Any]:
    staff = request.ctx.staff
    tabs = [
        ("queue", "申请队列", "/console/applications"),
        ("overdue", "逾期督办", "/console/applications/overdue"),
    ]
    if has_permission(staff, REPORT):
        tabs.append(("report", "年度报告", "/console/applications/report"))
    if has_permission(staff, HANDLE):
        tabs.append(("new", "登记申请", "/console/applications/new"))
    return {"tabs": tabs, "tab": tab}


async def _departments() -> list[Department]:
    return list(await Department.all())


def _vocab() -> dict[str, Any]:
    return {
        "state_labels": {str(k): v for k, v in STATE_LABELS.items()},
        "channel_labels": {str(k): v for k, v in CHANNEL_LABELS.items()},
        "staff_channels": [(str(c), CHANNEL_LABELS[c]) for c in STAFF_CHANNELS],
        "result_labels": [(str(k), v) for k, v in RESULT_LABELS.items()],
        "reason_groups": [
            (str(result), RESULT_LABELS[result], [(r.code, r.label) for r in reasons_for(result)])
            for result in Result
            if reasons_for(result) and result != Result.PARTIAL
        ],
        "applicant_types": [(str(k), v) for k, v in APPLICANT_TYPE_LABELS.items()],
        "org_kinds": [(str(k), v) for k, v in ORG_KIND_LABELS.items()],
        "id_types": [(str(k), v) for k, v in ID_TYPE_LABELS.items()],
        "formats": [(str(k), v) for k, v in FORMAT_LABELS.items()],
        "deliveries": [(str(k), v) for k, v in DELIVERY_LABELS.items()],
        "today": today().isoformat(),
    }


# --- the queue ---------------------------------------------------------------------------------


@bp.get("")
@openapi.exclude()
@staff_required(READ)
async def queue(request: Request) -> HTTPResponse:
    """The queue: applications by nearest deadline, days left, today's reminders."""
    staff = request.ctx.staff
    actor = _actor(request)
    try:
        query = StaffListQuery.model_validate({k: v[0] for k, v in request.args.items() if v})
    except ValidationError:
        query = StaffListQuery.model_validate({})
    page = await service.list_for_staff(
        actor=actor,
        state=query.state,
        department=query.department,
        due=query.due,
        q=query.q,
        page=query.page,
        per_page=30,
    )
    filters = {k: v for k, v in query.model_dump().items() if v and k not in ("page", "per_page")}
    return render(
        request,
        "applications/queue.html",
        page=page,
        pages=max(1, (page["total"] + 29) // 30),
        filters=filters,
        filter_query=urlencode({k: str(v) for k, v in filters.items()}),
        departments=await _departments(),
        scoped=actor.department_scope is not None,
        reminders=await service.reminders_for(actor=actor),
        can_enter=has_permission(staff, HANDLE),
        can_recompute=has_permission(staff, RECOMPUTE),
        calendar=await service.calendar_status(),
        **_tabs(request, "queue"),
        **_vocab(),
    )


# --- one application ---------------------------------------------------------------------------


async def _detail_page(
    request: Request,
    app_id: int,
    *,
    status: int = 200,
    error: str | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    form: dict[str, Any] | None = None,
    contact: dict[str, str] | None = None,
) -> HTTPResponse:
    staff = request.ctx.staff
    app = await service.staff_detail(
        app_id=app_id,
        actor=_actor(request),
        can_extend=has_permission(staff, EXTEND),
        can_assign=has_permission(staff, ASSIGN),
    )
    if not has_permission(staff, HANDLE):
        app["actions"] = [a for a in app["actions"] if a in ("extend", "assign")]
    done = request.args.get("done")
    return render(
        request,
        "applications/detail.html",
        status=status,
        app=app,
        error=error,
        errors=errors or {},
        form=form or {},
        contact=contact,
        message=DONE.get(done or ""),
        departments=await _departments(),
        can_handle=has_permission(staff, HANDLE),
        **_tabs(request, "queue"),
        **_vocab(),
    )


@bp.get("/<app_id:int>")
@openapi.exclude()
@staff_required(READ)
async def detail(request: Request, app_id: int) -> HTTPResponse:
    """One application: its deadline calculation, record of steps, files and the steps to take."""
    return await _detail_page(request, app_id)


@bp.get("/<app_id:int>/files/<file_id:int>")
@openapi.exclude()
@staff_required(READ)
async def file_download(request: Request, app_id: int, file_id: int) -> HTTPResponse:
    """A letter or attachment, for staff in scope."""
    return file_response(
        await service.staff_file(app_id=app_id, file_id=file_id, actor=_actor(request))
    )


StepSchema = type[StepIn]
STEP_FORMS: dict[str, tuple[StepSchema, tuple[str, ...], Any]] = {
    "receive": (ReceiveIn, ("on", "channel"), service.receive),
    "request-correction": (CorrectionIn, ("on", "missing", "period"), service.request_correction),
    "corrected": (StepIn, ("on",), service.corrected),
    "third-party": (ThirdPartyIn, ("on", "party"), service.third_party),
    "third-party-reply": (ThirdPartyReplyIn, ("on", "opinion"), service.third_party_reply),
    "extend": (ExtendIn, ("on", "reason"), service.extend),
}


async def _console_step(
    request: Request,
    app_id: int,
    action: str,
    run: Callable[[], Awaitable[object]],
    *,
    data: dict[str, Any] | None = None,
    anchor: str = "#steps",
) -> HTTPResponse:
    """Run a step from a console form: back to the page with a message, or the page again
    with the refusal and the field errors beside the form that was posted."""
    try:
        await run()
    except ApiError as exc:
        if exc.status == 404:
            raise
        return await _detail_page(
            request,
            app_id,
            status=exc.status,
            error=exc.message,
            errors={action: exc.fields},
            form={action: data or {}},
        )
    return redirect(f"/console/applications/{app_id}?done={action}{anchor}", status=303)


async def _run_form_step(request: Request, app_id: int, action: str) -> HTTPResponse:
    schema, names, runner = STEP_FORMS[action]
    data = _form(request, names)

    async def run() -> None:
        await runner(app_id=app_id, actor=_actor(request), data=_validate(schema, data))

    return await _console_step(request, app_id, action, run, data=data)


def _step_route(action: str, permission: str) -> None:
    async def step(request: Request, app_id: int) -> HTTPResponse:
        return await _run_form_step(request, app_id, action)

    step.__doc__ = f"Console form for the “{action}” step (same rules as the API)."
    name = "step_" + action.replace("-", "_")
    step.__name__ = step.__qualname__ = name
    handler = openapi.exclude()(staff_required(permission)(step))
    bp.route(f"/<app_id:int>/{action}", methods=["POST"], name=name)(handler)


for _action in ("receive", "request-correction", "corrected", "third-party", "third-party-reply"):
    _step_route(_action, HANDLE)
_step_route("extend", EXTEND)


@bp.post("/<app_id:int>/answer")
@openapi.exclude()
@staff_required(HANDLE)
async def answer(request: Request, app_id: int) -> HTTPResponse:
    """Console form for the answer: result, reasons, explanation and files in one post."""
    actor = _actor(request)
    data = _form(request, ("on", "result", "reasons", "explanation"))

    async def run() -> None:
        body: AnswerIn = _validate(AnswerIn, data)
        for upload in _files(request, "files"):
            row = await service.upload_attachment(
                app_id=app_id, actor=actor, name=upload.name, body=upload.body
            )
            body.files.append(row.id)
        body.files += [int(v) for v in form_of(request).getlist("file_ids") or [] if v.isdigit()]
        await service.answer(app_id=app_id, actor=actor, data=body)

    return await _console_step(request, app_id, "answer", run, data=data)


@bp.post("/<app_id:int>/assign")
@openapi.exclude()
@staff_required(ASSIGN)
async def assign(request: Request, app_id: int) -> HTTPResponse:
    """Console form: hand the application to another department."""
    department = (form_of(request).get("department") or "").strip()[:32]

    async def run() -> None:
        await service.assign(app_id=app_id, actor=_actor(request), department=department)

    return await _console_step(request, app_id, "assign", run, anchor="")


@bp.post("/<app_id:int>/upload")
@openapi.exclude()
@staff_required(HANDLE)
async def upload(request: Request, app_id: int) -> HTTPResponse:
    """Console form: upload a file to attach to the answer later."""
    uploads = _files(request, "file")

    async def run() -> None:
        if len(uploads) != 1:
            raise ApiError(
                "请选择一个文件", status=422, code="invalid", fields={"file": "请选择文件"}
            )
        await service.upload_attachment(
            app_id=app_id, actor=_actor(request), name=uploads[0].name, body=uploads[0].body
        )

    return await _console_step(request, app_id, "upload", run, anchor="#files")


@bp.post("/<app_id:int>/contact")
@openapi.exclude()
@staff_required(HANDLE)
async def contact(request: Request, app_id: int) -> HTTPResponse:
    """Show the applicant's full phone and address once (the look is audited)."""
    shown = await service.reveal_contact(app_id=app_id, actor=_actor(request))
    return await _detail_page(request, app_id, contact=shown)


# --- staff entry ---------------------------------------------------------------------------------

# The staff entry form posts exactly the fields the staff filing schema takes.
ENTRY_FIELDS = tuple(StaffApplicationIn.model_fields)


async def _entry_page(
    request: Request,
    *,
    status: int = 200,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
) -> HTTPResponse:
    actor = _actor(request)
    defaults = {
        "applicant_type": "citizen",
        "id_type": "resident_id",
        "channel": "letter",
        "format": "paper",
        "delivery": "post",
        "submitted_on": today().isoformat(),
        "received_on": today().isoformat(),
    }
    return render(
        request,
        "applications/new.html",
        status=status,
        form=form if form is not None else defaults,
        errors=errors or {},
        error=error,
        departments=await _departments(),
        scoped=actor.department_scope is not None,
        **_tabs(request, "new"),
        **_vocab(),
    )


@bp.get("/new")
@openapi.exclude()
@staff_required(HANDLE)
async def new(request: Request) -> HTTPResponse:
    """Staff entry of an application that came by letter, fax, e-mail or in person."""
    return await _entry_page(request)


@bp.post("/new")
@openapi.exclude()
@staff_required(HANDLE)
async def create(request: Request) -> HTTPResponse:
    """Store the entered application; field errors are shown beside their fields."""
    data = _form(request, ENTRY_FIELDS)
    try:
        body: StaffApplicationIn = _validate(StaffApplicationIn, data)
        app = await service.create_application(
            data=body, channel=body.channel, actor=_actor(request)
        )
    except ApiError as exc:
        return await _entry_page(
            request, status=exc.status, form=data, errors=exc.fields, error=exc.message
        )
    return redirect(f"/console/applications/{app.id}?done=receive", status=303)


# --- oversight ---------------------------------------------------------------------------------


@bp.get("/overdue")
@openapi.exclude()
@staff_required(READ)
async def overdue(request: Request) -> HTTPResponse:
    """The overdue board: per department, overdue cases and those due within 2 working days."""
    actor = _actor(request)
    return render(
        request,
        "applications/overdue.html",
        board=await service.overdue_board(actor=actor),
        scoped=actor.department_scope is not None,
        **_tabs(request, "overdue"),
        **_vocab(),
    )


@bp.post("/recompute")
@openapi.exclude()
@staff_required(RECOMPUTE)
async def recompute(request: Request) -> HTTPResponse:
    """Queue a recompute of every stored deadline (its progress shows in 后台任务)."""
    job = await service.schedule_recompute(force=True, actor=_actor(request))
    return redirect(f"/console/jobs#job-{job.id if job else ''}", status=303)


# --- the annual report -----------------------------------------------------------------------


def _report_query(request: Request) -> ReportQuery:
    try:
        return ReportQuery.model_validate({k: v[0] for k, v in request.args.items() if v})
    except ValidationError as exc:
        raise ApiError(
            "查询参数有误", status=422, code="invalid", fields=fields_from_validation(exc)
        ) from exc


async def _report_page(
    request: Request,
    query: ReportQuery,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    message: str | None = None,
) -> HTTPResponse:
    actor = _actor(request)
    report = await service.annual_report(year=query.year, actor=actor, department=query.department)
    reviews = await service.list_reviews(year=query.year, actor=actor, department=query.department)
    return render(
        request,
        "applications/report.html",
        status=status,
        report=report,
        reviews=[service.review_dict(r) for r in reviews],
        query=query,
        departments=await _departments(),
        scoped=actor.department_scope is not None,
        review_kinds=list(REVIEW_KIND_LABELS.items()),
        review_outcomes=list(REVIEW_OUTCOME_LABELS.items()),
        errors=errors or {},
        form=form or {},
        message=message,
        years=list(range(today().year, today().year - 6, -1)),
        **_tabs(request, "report"),
    )


@bp.get("/report")
@openapi.exclude()
@staff_required(REPORT)
async def report(request: Request) -> HTTPResponse:
    """The annual report's tables for `year` (and a department), with the Excel export."""
    try:
        query = _report_query(request)
    except ApiError as exc:
        return await _report_page(
            request, ReportQuery.model_validate({}), status=exc.status, errors=exc.fields
        )
    saved = "已登记" if request.args.get("saved") else None
    return await _report_page(request, query, message=saved)


@bp.get("/report.xlsx")
@openapi.exclude()
@staff_required(REPORT)
async def report_excel(request: Request) -> HTTPResponse:
    """The annual report's tables as an Excel workbook."""
    query = _report_query(request)
    actor = _actor(request)
    data = await service.annual_report(year=query.year, actor=actor, department=query.department)
    departments = {d.code: d.name for d in await _departments()}
    title = departments.get(data["department"] or "", "蒙城县") if data["department"] else "蒙城县"
    body = service.report_workbook(data, title=title)
    name = f"政府信息公开年度报告表格-{title}-{query.year}.xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return raw(
        body,
        content_type=content_type,
        headers={"Content-Disposition": content_disposition(name, content_type)},
    )


@bp.post("/report/reviews")
@openapi.exclude()
@staff_required(REPORT)
async def create_review(request: Request) -> HTTPResponse:
    """Enter a reconsideration or lawsuit for table 四."""
    data = _form(
        request, ("year", "kind", "outcome", "department", "case_no", "receipt_no", "note")
    )
    year = int(data["year"]) if str(data.get("year", "")).isdigit() else today().year
    query = ReportQuery.model_validate({"year": min(max(year, 2000), 2100)})
    try:
        body = _validate(ReviewCaseIn, data)
        await service.create_review(data=body, actor=_actor(request))
    except ApiError as exc:
        return await _report_page(request, query, status=exc.status, errors=exc.fields, form=data)
    return redirect(f"/console/applications/report?year={body.year}&saved=1#reviews", status=303)


@bp.post("/report/reviews/<review_id:int>")
@openapi.exclude()
@staff_required(REPORT)
async def review_outcome(request: Request, review_id: int) -> HTTPResponse:
    """Record how a reconsideration or lawsuit ended."""
    raw_outcome = form_of(request).get("outcome") or ""
    try:
        outcome = ReviewOutcome(raw_outcome)
    except ValueError:
        outcome = ReviewOutcome.PENDING
    row = await service.set_review_outcome(
        review_id=review_id, outcome=outcome, actor=_actor(request)
    )
    return redirect(f"/console/applications/report?year={row.year}&saved=1#reviews", status=303)
