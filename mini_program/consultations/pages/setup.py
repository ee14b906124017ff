"""The queue's settings and oversight: routing rules, reply limits, reassignment requests,
satisfaction per department."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup
from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from gateway.auth import has_permission, staff_required
from gateway.console.charts import bar_chart
from gateway.errors import ApiError
from gateway.org import list_departments
from mini_program.consultations import schemas as s
from mini_program.consultations.models import KIND_LABELS, RequestState
from mini_program.consultations.pages.common import (
    actor_of,
    form_dict,
    int_arg,
    parse_form,
    see_other,
    show,
)
from mini_program.consultations.service import queue, ratings, settings

bp = Blueprint("consultations_setup", url_prefix="/console/consultations")


@bp.get("/settings")
@openapi.exclude()
@staff_required("consultations.read")
async def settings_page(request: Request) -> HTTPResponse:
    """分派规则与答复时限: which department answers each topic; working days per kind."""
    limits = await settings.reply_limits()
    return show(
        request,
        "consultations/settings.html",
        limits=[(k.value, KIND_LABELS[k], v) for k, v in limits.items()],
        rules=await settings.routing_rules(),
        departments=await list_departments(),
        can_edit=has_permission(request.ctx.staff, "consultations.settings"),
        message=request.args.get("message"),
        error=request.args.get("error"),
    )


@bp.post("/settings/routing")
@openapi.exclude()
@staff_required("consultations.settings")
async def routing_submit(request: Request) -> HTTPResponse:
    form = form_dict(request, "domain_id", "department_code")
    body, errors = parse_form(
        s.RoutingBody,
        {"domain_id": form["domain_id"] or "x", "department_code": form["department_code"] or None},
    )
    if body is None:
        return see_other("/console/consultations/settings", error="；".join(errors.values()))
    try:
        await settings.set_routing_rule(
            domain_id=body.domain_id, department_code=body.department_code, actor=actor_of(request)
        )
    except ApiError as exc:
        message = "；".join(exc.fields.values()) or exc.message
        return see_other("/console/consultations/settings", error=message)
    return see_other("/console/consultations/settings", message="分派规则已保存")


@bp.post("/settings/limits")
@openapi.exclude()
@staff_required("consultations.settings")
async def limits_submit(request: Request) -> HTTPResponse:
    form = form_dict(request, "kind", "workdays")
    body, _ = parse_form(s.LimitBody, form)
    if body is None:
        return see_other("/console/consultations/settings", error="答复时限应为 1–60 个工作日")
    await settings.set_reply_limit(kind=body.kind, workdays=body.workdays, actor=actor_of(request))
    label = KIND_LABELS[body.kind]
    message = f"{label}的答复时限已改为 {body.workdays} 个工作日（新收到的咨询适用）"
    return see_other("/console/consultations/settings", message=message)


@bp.get("/reassignments")
@openapi.exclude()
@staff_required("consultations.assign")
async def reassignments_page(request: Request) -> HTTPResponse:
    """改派申请: departments' requests to hand a question on, with their reasons."""
    raw = request.args.get("state") or "pending"
    state = RequestState(raw) if raw in RequestState._value2member_map_ else None
    page = await queue.list_requests(state=state, page=int_arg(request, "page"), per_page=20)
    return show(
        request,
        "consultations/reassignments.html",
        page=page,
        pages=max(1, -(-page["total"] // 20)),
        state=state.value if state else "",
        departments=await list_departments(),
        message=request.args.get("message"),
        error=request.args.get("error"),
    )


@bp.post("/reassignments/<request_id:int>/decision")
@openapi.exclude()
@staff_required("consultations.assign")
async def decision_submit(request: Request, request_id: int) -> HTTPResponse:
    form = form_dict(request, "approve", "department_code", "note")
    body, errors = parse_form(
        s.DecisionBody,
        {
            "approve": form["approve"] == "1",
            "department_code": form["department_code"] or None,
            "note": form["note"],
        },
    )
    back = "/console/consultations/reassignments"
    if body is None:
        return see_other(back, error="；".join(errors.values()))
    try:
        await queue.decide_request(
            actor=actor_of(request),
            request_id=request_id,
            approve=body.approve,
            department_code=body.department_code,
            note=body.note,
        )
    except ApiError as exc:
        return see_other(back, error="；".join(exc.fields.values()) or exc.message)
    return see_other(back, message="已同意改派" if body.approve else "已驳回改派申请")


def _date_arg(request: Request, name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name) or "")
    except ValueError:
        return None


@bp.get("/satisfaction")
@openapi.exclude()
@staff_required("consultations.read")
async def satisfaction_page(request: Request) -> HTTPResponse:
    """满意度: per department, the residents' ratings, answers on time and overdue questions."""
    date_from, date_to = _date_arg(request, "from"), _date_arg(request, "to")
    rows = await ratings.satisfaction(actor=actor_of(request), date_from=date_from, date_to=date_to)
    rated = [r for r in rows if r["rated"]]
    chart = bar_chart(
        [(r["department"]["name"], round(100 * (r["satisfaction_rate"] or 0))) for r in rated],
        label="各部门满意率（%）",
    )
    return show(
        request,
        "consultations/satisfaction.html",
        rows=rows,
        chart=Markup(chart),
        date_from=date_from.isoformat() if date_from else "",
        date_to=date_to.isoformat() if date_to else "",
    )
