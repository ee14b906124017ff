"""The queue in the console: the list, one question, answering, routing, publishing."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, html
from sanic_ext import openapi

from gateway.auth import has_permission, staff_required
from gateway.console import register_nav, register_tile
from gateway.errors import ApiError
from gateway.org import list_departments
from matrix.service import Actor
from mini_program.consultations import schemas as s
from mini_program.consultations.models import (
    CHANNEL_LABELS,
    KIND_LABELS,
    RATING_LABELS,
    STATUS_LABELS,
    Kind,
)
from mini_program.consultations.pages.common import (
    STATIC,
    actor_of,
    form_dict,
    parse_form,
    see_other,
    show,
)
from mini_program.consultations.service import publish, queue
from mini_program.consultations.service.common import names

bp = Blueprint("consultations_console", url_prefix="/console")
bp.static("/consultations/static", str(STATIC), name="static")

register_nav("咨询办理", "/console/consultations", "consultations.read", order=30)

BASE = "/console/consultations"


def _department_name(item: dict[str, Any]) -> str:
    return str((item["department"] or {}).get("name", "待分派"))


@register_tile
async def _overdue_tile(staff: Any) -> dict[str, Any] | None:
    """超期未答复咨询: the count, and the oldest listed on the console home."""
    if not has_permission(staff, "consultations.read"):
        return None
    summary = await queue.overdue(actor=Actor.for_staff(staff), limit=5)
    return {
        "label": "超期未答复咨询",
        "value": summary["total"],
        "href": f"{BASE}?overdue=1&sort=due",
        "items": [
            {
                "label": f"{item['reference']} {item['excerpt']}",
                "note": f"{_department_name(item)}，{item['deadline']['label']}",
                "href": f"{BASE}/{item['id']}",
            }
            for item in summary["items"]
        ],
    }


@register_tile
async def _open_tile(staff: Any) -> dict[str, Any] | None:
    if not has_permission(staff, "consultations.read"):
        return None
    page = await queue.list_consultations(
        actor=Actor.for_staff(staff),
        query=s.QueueQuery.model_validate({"open": True, "per_page": 1}),
    )
    return {"label": "待答复咨询", "value": page["total"], "href": f"{BASE}?open=1&sort=due"}


def _query(request: Request) -> tuple[s.QueueQuery, dict[str, str]]:
    raw = {k: v[0] for k, v in request.args.items() if v and v[0]}
    try:
        query = s.QueueQuery.model_validate(raw)
    except ValidationError:
        query, raw = s.QueueQuery.model_validate({}), {}
    kept = {k: v for k, v in raw.items() if k != "page"}
    return query, kept


@bp.get("/consultations")
@openapi.exclude()
@staff_required("consultations.read")
async def queue_page(request: Request) -> HTTPResponse:
    """咨询办理: every channel's questions with their deadlines; overdue ones per department."""
    actor = actor_of(request)
    query, filters = _query(request)
    page = await queue.list_consultations(actor=actor, query=query)
    n = await names()
    return show(
        request,
        "consultations/queue.html",
        page=page,
        pages=max(1, -(-page["total"] // query.per_page)),
        query=query,
        filters=filters,
        filter_query=urlencode(filters),
        overdue=await queue.overdue(actor=actor, limit=0),
        departments=await list_departments(),
        domains=sorted(n.domains.items(), key=lambda d: d[0]),
        statuses=list(STATUS_LABELS.items()),
        channels=list(CHANNEL_LABELS.items()),
        kinds=list(KIND_LABELS.items()),
        scoped=actor.department_scope is not None,
    )


async def _detail(
    request: Request,
    consultation_id: int,
    *,
    status: int = 200,
    error: str | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTTPResponse:
    actor = actor_of(request)
    row = await queue.get_for_staff(actor=actor, consultation_id=consultation_id)
    staff = request.ctx.staff
    view = await queue.staff_view(row)
    preview = None
    can_publish = has_permission(staff, "consultations.publish")
    if can_publish and row.answer_text and not row.private:
        preview = await publish.preview(actor=actor, consultation_id=row.id)
    similar = []
    if view["status"] != "answered":
        similar = await queue.similar_answered(actor=actor, consultation_id=row.id)
    n = await names()
    return show(
        request,
        "consultations/detail.html",
        status=status,
        c=view,
        preview=preview,
        similar=similar,
        departments=await list_departments(),
        domains=sorted(n.domains.items(), key=lambda d: d[0]),
        kinds=list(KIND_LABELS.items()),
        ratings=RATING_LABELS,
        can_answer=has_permission(staff, "consultations.answer"),
        can_assign=has_permission(staff, "consultations.assign"),
        can_request=has_permission(staff, "consultations.reassign_request")
        and actor.department_scope is not None,
        can_publish=can_publish,
        message=request.args.get("message"),
        error=error or request.args.get("error"),
        errors=errors or {},
        form=form or {},
    )


@bp.get("/consultations/<consultation_id:int>")
@openapi.exclude()
@staff_required("consultations.read")
async def detail_page(request: Request, consultation_id: int) -> HTTPResponse:
    """One question: text, photos, deadline, similar answers, answer, routing, publishing."""
    return await _detail(request, consultation_id)


async def _act(
    request: Request,
    consultation_id: int,
    schema: type[Any],
    fields: tuple[str, ...],
    action: Any,
    done: str,
) -> HTTPResponse:
    """Validate a form, run the service, and come back to the question with the outcome."""
    form = form_dict(request, *fields)
    data = {k: v for k, v in form.items() if v != ""}
    body, errors = parse_form(schema, data)
    if body is None:
        return await _detail(
            request, consultation_id, status=422, errors=errors, form=form, error="请检查填写的内容"
        )
    try:
        await action(body)
    except ApiError as exc:
        return await _detail(
            request,
            consultation_id,
            status=exc.status,
            errors=exc.fields,
            form=form,
            error=exc.message,
        )
    return see_other(f"{BASE}/{consultation_id}", message=done)


@bp.post("/consultations/<consultation_id:int>/answer")
@openapi.exclude()
@staff_required("consultations.answer")
async def answer_submit(request: Request, consultation_id: int) -> HTTPResponse:
    actor = actor_of(request)

    async def run(body: s.AnswerBody) -> None:
        await queue.answer(actor=actor, consultation_id=consultation_id, text=body.text)

    return await _act(request, consultation_id, s.AnswerBody, ("text",), run, "已答复")


@bp.post("/consultations/<consultation_id:int>/assign")
@openapi.exclude()
@staff_required("consultations.assign")
async def assign_submit(request: Request, consultation_id: int) -> HTTPResponse:
    actor = actor_of(request)

    async def run(body: s.AssignBody) -> None:
        await queue.assign(
            actor=actor,
            consultation_id=consultation_id,
            department_code=body.department_code,
            reason=body.reason,
        )

    fields = ("department_code", "reason")
    return await _act(request, consultation_id, s.AssignBody, fields, run, "已分派")


@bp.post("/consultations/<consultation_id:int>/classify")
@openapi.exclude()
@staff_required("consultations.assign")
async def classify_submit(request: Request, consultation_id: int) -> HTTPResponse:
    actor = actor_of(request)
    form = form_dict(request, "kind", "domain_id")
    try:
        kind = Kind(form["kind"]) if form["kind"] else None
        domain_id = int(form["domain_id"] or 0)
    except ValueError:
        return await _detail(request, consultation_id, status=422, error="类别或领域无效")
    try:
        await queue.classify(
            actor=actor,
            consultation_id=consultation_id,
            kind=kind,
            domain_id=domain_id,
            domain_given=True,
        )
    except ApiError as exc:
        return await _detail(request, consultation_id, status=exc.status, error=exc.message)
    return see_other(f"{BASE}/{consultation_id}", message="已更新类别和领域")


@bp.post("/consultations/<consultation_id:int>/reassignment-request")
@openapi.exclude()
@staff_required("consultations.reassign_request")
async def reassign_request_submit(request: Request, consultation_id: int) -> HTTPResponse:
    actor = actor_of(request)

    async def run(body: s.ReassignRequestBody) -> None:
        await queue.request_reassignment(
            actor=actor,
            consultation_id=consultation_id,
            reason=body.reason,
            to_department=body.to_department,
        )

    fields = ("reason", "to_department")
    return await _act(
        request, consultation_id, s.ReassignRequestBody, fields, run, "已提交改派申请"
    )


@bp.post("/consultations/<consultation_id:int>/publish")
@openapi.exclude()
@staff_required("consultations.publish")
async def publish_submit(request: Request, consultation_id: int) -> HTTPResponse:
    actor = actor_of(request)

    async def run(body: s.PublishBody) -> None:
        await publish.publish(
            actor=actor, consultation_id=consultation_id, question=body.question, answer=body.answer
        )

    fields = ("question", "answer")
    return await _act(request, consultation_id, s.PublishBody, fields, run, "已发布为常见问答")


@bp.post("/consultations/<consultation_id:int>/unpublish")
@openapi.exclude()
@staff_required("consultations.publish")
async def unpublish_submit(request: Request, consultation_id: int) -> HTTPResponse:
    try:
        await publish.unpublish(actor=actor_of(request), consultation_id=consultation_id)
    except ApiError as exc:
        return await _detail(request, consultation_id, status=exc.status, error=exc.message)
    return see_other(f"{BASE}/{consultation_id}", message="已撤下常见问答")


@bp.post("/consultations/<consultation_id:int>/phone")
@openapi.exclude()
@staff_required("consultations.answer")
async def phone_reveal(request: Request, consultation_id: int) -> HTTPResponse:
    """The full number, swapped in by htmx where the masked one was (audited)."""
    try:
        number = await queue.reveal_phone(actor=actor_of(request), consultation_id=consultation_id)
    except ApiError as exc:
        return html(f'<span class="field-error">{exc.message}</span>', status=exc.status)
    return html(f'<a href="tel:{number}" class="phone-full">{number}</a>')
