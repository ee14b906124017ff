"""Questions from other channels in the console: the help desk, the inbox; the answer page.

The answer page (`/consultations/r/<token>`) is public: a follower or a hall visitor opens
it from the link they were given, without logging in; the token is 128 random bits.
"""

from __future__ import annotations

from typing import Any

import qrcode
import qrcode.image.svg
from markupsafe import Markup
from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from gateway.auth import staff_required
from gateway.console import render
from gateway.errors import ApiError, NotFound, route_max_length
from matrix import service as matrix
from mini_program.consultations import schemas as s
from mini_program.consultations.jobs import answer_page
from mini_program.consultations.models import KIND_LABELS, Consultation
from mini_program.consultations.pages.common import (
    actor_of,
    form_dict,
    parse_form,
    see_other,
    show,
)
from mini_program.consultations.service import intake, queue
from mini_program.consultations.service.common import deadline, names

bp = Blueprint("consultations_intake", url_prefix="")

BASE = "/console/consultations"
DESK_FIELDS = ("domain_id", "kind", "text", "contact_name", "phone", "private")


async def _desk_page(
    request: Request,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTTPResponse:
    n = await names()
    return show(
        request,
        "consultations/desk.html",
        status=status,
        form=form or {"kind": "enquiry"},
        errors=errors or {},
        error=error,
        domains=sorted(n.domains.items(), key=lambda d: d[0]),
        kinds=list(KIND_LABELS.items()),
    )


@bp.get("/console/consultations/desk")
@openapi.exclude()
@staff_required("consultations.intake")
async def desk_page(request: Request) -> HTTPResponse:
    """咨询台登记: enter what a visitor at the service hall asked."""
    return await _desk_page(request)


@bp.post("/console/consultations/desk")
@openapi.exclude()
@staff_required("consultations.intake")
async def desk_submit(request: Request) -> HTTPResponse:
    form = form_dict(request, *DESK_FIELDS)
    data: dict[str, Any] = {k: v for k, v in form.items() if v != ""}
    data["private"] = form["private"] == "on"
    body, errors = parse_form(s.DeskBody, data)
    if body is None:
        return await _desk_page(
            request, form=form, errors=errors, error="请检查填写的内容", status=422
        )
    try:
        row = await intake.record_desk_visit(actor=actor_of(request), body=body)
    except ApiError as exc:
        return await _desk_page(
            request, form=form, errors=exc.fields, error=exc.message, status=exc.status
        )
    return see_other(f"{BASE}/{row.id}/slip")


def _qr_svg(url: str) -> Markup:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    return Markup(
        svg.replace("<svg ", '<svg class="qr" role="img" aria-label="查看答复的二维码" ', 1)
    )


@bp.get("/console/consultations/<consultation_id:int>/slip")
@openapi.exclude()
@staff_required("consultations.read")
async def slip_page(request: Request, consultation_id: int) -> HTTPResponse:
    """受理回执: reference, due date and a QR code of the answer page, to print for the visitor."""
    row = await queue.get_for_staff(actor=actor_of(request), consultation_id=consultation_id)
    link = answer_page(row)
    n = await names()
    return show(
        request,
        "consultations/slip.html",
        c=row,
        link=link,
        qr=_qr_svg(link),
        deadline=deadline(row),
        department=n.department(row.department_code),
        domain=n.domain(row.domain_id),
        kind_label=KIND_LABELS[row.kind],
    )


@bp.get("/console/consultations/inbox")
@openapi.exclude()
@staff_required("consultations.intake", "inbox.read")
async def inbox_page(request: Request) -> HTTPResponse:
    """留言转咨询: unanswered official-account messages, each one click from the queue."""
    actor = actor_of(request)
    try:
        page_no = max(1, min(int(request.args.get("page") or 1), 10000))
    except ValueError:
        page_no = 1
    page = await matrix.list_inbox(actor=actor, status="new", page=page_no, per_page=20)
    converted = {
        int(mid): (cid, ref)
        for mid, cid, ref in await Consultation.filter(
            inbox_message_id__in=[m["id"] for m in page["items"]]
        ).values_list("inbox_message_id", "id", "reference")
    }
    n = await names()
    return show(
        request,
        "consultations/inbox.html",
        page=page,
        converted=converted,
        domains=sorted(n.domains.items(), key=lambda d: d[0]),
        kinds=list(KIND_LABELS.items()),
        message=request.args.get("message"),
        error=request.args.get("error"),
    )


@bp.post("/console/consultations/inbox/<message_id:int>/convert")
@openapi.exclude()
@staff_required("consultations.intake", "inbox.read")
async def convert_submit(request: Request, message_id: int) -> HTTPResponse:
    form = form_dict(request, "domain_id", "kind")
    data: dict[str, Any] = {"message_id": message_id, "kind": form["kind"] or "enquiry"}
    if form["domain_id"]:
        data["domain_id"] = form["domain_id"]
    body, errors = parse_form(s.ConvertBody, data)
    if body is None:
        return see_other(f"{BASE}/inbox", error="；".join(errors.values()))
    try:
        row = await intake.convert_message(actor=actor_of(request), body=body)
    except ApiError as exc:
        return see_other(f"{BASE}/inbox", error=exc.message)
    return see_other(f"{BASE}/{row.id}", message=f"留言已转为咨询 {row.reference}，已通知留言人")


@bp.get("/consultations/r/<token:str>")
@openapi.exclude()
@route_max_length(token=32)
async def public_answer(request: Request, token: str) -> HTTPResponse:
    """A question's progress and answer for whoever holds its link (follower, hall visitor)."""
    row = await Consultation.get_or_none(public_token=token)
    if row is None:
        raise NotFound("没有这个咨询", code="consultation_not_found")
    n = await names()
    response = render(
        request,
        "consultations/public.html",
        c=row,
        deadline=deadline(row),
        department=n.department(row.department_code),
        kind_label=KIND_LABELS[row.kind],
    )
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
