"""Opinion calls in the console: drafts, attachments, moderation, adoption summary."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from gateway.auth import has_permission, staff_required
from gateway.console import register_nav, render
from gateway.errors import ApiError
from gateway.org import list_departments
from mini_program.consultations.api import actor_of
from mini_program.consultations.config import get_consultation_settings
from mini_program.consultations.opinions import schemas as s
from mini_program.consultations.opinions import service
from mini_program.consultations.opinions.models import ADOPTION_LABELS, Adoption, CommentState
from mini_program.consultations.pages.common import form_dict, int_arg, parse_form, see_other
from mini_program.consultations.uploads import limited_body, uploaded_file

bp = Blueprint("opinions_console", url_prefix="/console/opinion-calls")
register_nav("意见征集", "/console/opinion-calls", "opinions.read", order=31)

BASE = "/console/opinion-calls"
CALL_FIELDS = ("title", "summary", "body", "department_code", "opens_on", "closes_on")


def _can(request: Request) -> dict[str, bool]:
    staff = request.ctx.staff
    return {
        verb: has_permission(staff, f"opinions.{verb}") for verb in ("write", "moderate", "read")
    }


@bp.get("")
@openapi.exclude()
@staff_required("opinions.read")
async def list_page(request: Request) -> HTTPResponse:
    """意见征集: every call with its state and comment counts."""
    page = await service.list_calls(
        actor=actor_of(request), state=None, page=int_arg(request, "page"), per_page=20
    )
    return render(
        request,
        "opinions/list.html",
        page=page,
        pages=max(1, -(-page["total"] // 20)),
        can=_can(request),
        message=request.args.get("message"),
    )


async def _form_page(
    request: Request,
    *,
    form: dict[str, Any],
    call_id: int | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTTPResponse:
    return render(
        request,
        "opinions/form.html",
        status=status,
        form=form,
        call_id=call_id,
        errors=errors or {},
        error=error,
        departments=await list_departments(),
        scoped=actor_of(request).department_scope is not None,
    )


@bp.get("/new")
@openapi.exclude()
@staff_required("opinions.write")
async def new_page(request: Request) -> HTTPResponse:
    return await _form_page(request, form={})


async def _save(request: Request, call_id: int | None) -> HTTPResponse:
    form = form_dict(request, *CALL_FIELDS)
    data = {k: v for k, v in form.items() if v != ""}
    body, errors = parse_form(s.CallBody, data)
    if body is None:
        # A rule across fields (the close before the opening) is reported for the whole form.
        whole = errors.pop("body", None) if "body" in data else None
        return await _form_page(
            request,
            form=form,
            call_id=call_id,
            errors=errors,
            error=whole or "请检查填写的内容",
            status=422,
        )
    actor = actor_of(request)
    try:
        if call_id is None:
            made = await service.create_call(actor=actor, body=body)
        else:
            made = await service.update_call(actor=actor, call_id=call_id, body=body)
    except ApiError as exc:
        return await _form_page(
            request,
            form=form,
            call_id=call_id,
            errors=exc.fields,
            error=exc.message,
            status=exc.status,
        )
    return see_other(f"{BASE}/{made.id}", message="已保存")


@bp.post("")
@openapi.exclude()
@staff_required("opinions.write")
async def create_submit(request: Request) -> HTTPResponse:
    return await _save(request, None)


@bp.get("/<call_id:int>/edit")
@openapi.exclude()
@staff_required("opinions.write")
async def edit_page(request: Request, call_id: int) -> HTTPResponse:
    call = await service.get_for_staff(actor=actor_of(request), call_id=call_id)
    form = {f: getattr(call, f) for f in CALL_FIELDS}
    form["opens_on"], form["closes_on"] = call.opens_on.isoformat(), call.closes_on.isoformat()
    return await _form_page(request, form=form, call_id=call_id)


@bp.post("/<call_id:int>")
@openapi.exclude()
@staff_required("opinions.write")
async def update_submit(request: Request, call_id: int) -> HTTPResponse:
    return await _save(request, call_id)


async def _detail(
    request: Request, call_id: int, *, error: str | None = None, status: int = 200
) -> HTTPResponse:
    actor = actor_of(request)
    call = await service.get_for_staff(actor=actor, call_id=call_id)
    view = await service.call_view(call, public=False)
    # The moderation queue first while anything waits in it; otherwise every comment.
    state = request.args.get("comments") or ("pending" if view["counts"].get("pending") else "all")
    comment_state = CommentState(state) if state in CommentState._value2member_map_ else None
    comments = await service.list_comments(
        call_id=call.id, state=comment_state, public=False, page=1, per_page=100
    )
    return render(
        request,
        "opinions/detail.html",
        status=status,
        call=view,
        comments=comments,
        comment_state=comment_state.value if comment_state else "",
        adoptions=[(a.value, ADOPTION_LABELS[a]) for a in Adoption],
        can=_can(request),
        max_mb=get_consultation_settings().max_attachment_bytes // (1024 * 1024),
        message=request.args.get("message"),
        error=error or request.args.get("error"),
    )


@bp.get("/<call_id:int>")
@openapi.exclude()
@staff_required("opinions.read")
async def detail_page(request: Request, call_id: int) -> HTTPResponse:
    """One call: its draft and attachments, the moderation queue, adoption decisions."""
    return await _detail(request, call_id)


async def _run(request: Request, call_id: int, action: Any, done: str) -> HTTPResponse:
    try:
        await action()
    except ApiError as exc:
        message = "；".join(exc.fields.values()) or exc.message
        return await _detail(request, call_id, error=message, status=exc.status)
    back = request.args.get("comments") or ""
    tab = back if back in CommentState._value2member_map_ or back == "all" else ""
    return see_other(f"{BASE}/{call_id}", message=done, comments=tab)


@bp.post("/<call_id:int>/publish")
@openapi.exclude()
@staff_required("opinions.write")
async def publish_submit(request: Request, call_id: int) -> HTTPResponse:
    actor = actor_of(request)

    async def run() -> None:
        await service.publish_call(actor=actor, call_id=call_id)

    return await _run(request, call_id, run, "已发布，居民可在小程序中查看")


def _attachment_limit() -> int:
    return get_consultation_settings().max_attachment_bytes


@bp.post("/<call_id:int>/attachments", stream=True)
@openapi.exclude()
@limited_body(_attachment_limit, "附件不能超过 20 MB")
@staff_required("opinions.write")
async def attach_submit(request: Request, call_id: int) -> HTTPResponse:
    actor = actor_of(request)
    upload = uploaded_file(request)

    async def run() -> None:
        if upload is None or not upload[1]:
            raise ApiError("请选择要上传的文件", code="invalid", status=422)
        await service.add_attachment(
            actor=actor, call_id=call_id, filename=upload[0], data=upload[1]
        )

    return await _run(request, call_id, run, "附件已上传")


@bp.post("/<call_id:int>/attachments/<attachment_id:int>/delete")
@openapi.exclude()
@staff_required("opinions.write")
async def detach_submit(request: Request, call_id: int, attachment_id: int) -> HTTPResponse:
    actor = actor_of(request)

    async def run() -> None:
        await service.remove_attachment(actor=actor, call_id=call_id, attachment_id=attachment_id)

    return await _run(request, call_id, run, "附件已删除")


@bp.post("/<call_id:int>/comments/<comment_id:int>/moderation")
@openapi.exclude()
@staff_required("opinions.moderate")
async def moderate_submit(request: Request, call_id: int, comment_id: int) -> HTTPResponse:
    actor = actor_of(request)
    approve = form_dict(request, "approve")["approve"] == "1"

    async def run() -> None:
        await service.moderate(actor=actor, comment_id=comment_id, approve=approve)

    return await _run(request, call_id, run, "已公开该意见" if approve else "已隐藏该意见")


@bp.post("/<call_id:int>/comments/<comment_id:int>/adoption")
@openapi.exclude()
@staff_required("opinions.write")
async def adoption_submit(request: Request, call_id: int, comment_id: int) -> HTTPResponse:
    actor = actor_of(request)
    body, errors = parse_form(s.AdoptionBody, form_dict(request, "adoption", "reason"))

    async def run() -> None:
        if body is None:
            raise ApiError("；".join(errors.values()), code="invalid", status=422)
        await service.decide_adoption(
            actor=actor, comment_id=comment_id, adoption=body.adoption, reason=body.reason
        )

    return await _run(request, call_id, run, "已保存采纳情况")


@bp.post("/<call_id:int>/summary")
@openapi.exclude()
@staff_required("opinions.write")
async def summary_submit(request: Request, call_id: int) -> HTTPResponse:
    actor = actor_of(request)
    body, errors = parse_form(s.SummaryBody, form_dict(request, "summary"))

    async def run() -> None:
        if body is None:
            raise ApiError("；".join(errors.values()), code="invalid", status=422)
        await service.publish_summary(actor=actor, call_id=call_id, summary=body.summary)

    return await _run(request, call_id, run, "已公布采纳情况")
