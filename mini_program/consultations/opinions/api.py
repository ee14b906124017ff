"""Opinion calls' JSON API: residents read and comment (`/api/v1/mp/opinion-calls`), staff run
the calls, moderate and record adoption (`/api/v1/admin/opinion-calls`)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty, json
from sanic_ext import openapi

from gateway.auth import staff_required
from gateway.auth.resident import resident_required
from gateway.errors import Invalid, parse_body, parse_query
from gateway.openapi import json_body, query, returns
from gateway.paging import PageQuery
from mini_program.consultations.api import PHOTO_FORM, actor_of
from mini_program.consultations.config import get_consultation_settings
from mini_program.consultations.opinions import schemas as s
from mini_program.consultations.opinions import service
from mini_program.consultations.opinions.models import CommentState
from mini_program.consultations.uploads import limited_body, uploaded_file

mp = Blueprint("opinions_mp", url_prefix="/api/v1/mp/opinion-calls")
admin = Blueprint("opinions_admin", url_prefix="/api/v1/admin")
bp = Blueprint.group(mp, admin)

ONE = "/opinion-calls/<call_id:int>"


# --- residents --------------------------------------------------------------------------------


@mp.get("")
@openapi.tag("mini-program")
@query(s.CallQuery)
@returns(s.CallPage)
async def calls(request: Request) -> HTTPResponse:
    """意见征集: published calls, newest first (filter by state)."""
    q = parse_query(request, s.CallQuery)
    return json(
        await service.list_calls(actor=None, state=q.state, page=q.page, per_page=q.per_page)
    )


@mp.get("/<call_id:int>")
@openapi.tag("mini-program")
@returns(s.CallAnswer)
async def call(request: Request, call_id: int) -> HTTPResponse:
    """One call: the draft, attachments, dates, comment count and the adoption summary."""
    return json({"call": await service.get_public(call_id=call_id)})


@mp.get("/<call_id:int>/comments")
@openapi.tag("mini-program")
@query(PageQuery)
@returns(s.CommentPage)
async def comments(request: Request, call_id: int) -> HTTPResponse:
    """The comments moderators approved, newest first."""
    q = parse_query(request, PageQuery)
    return json(await service.public_comments(call_id=call_id, page=q.page, per_page=q.per_page))


@mp.post("/<call_id:int>/comments")
@openapi.tag("mini-program")
@json_body(s.CommentBody)
@returns(s.CommentCreated, status=201)
@returns(s.CommentCreated, status=200, description="同一提交编号已提交过")
@resident_required
async def add_comment(request: Request, call_id: int) -> HTTPResponse:
    """Comment on an open call (shown after moderation; 409 once the call has closed)."""
    body = parse_body(request, s.CommentBody)
    row, created = await service.comment(
        resident_id=request.ctx.resident.id,
        call_id=call_id,
        text=body.text,
        client_key=body.client_key,
    )
    return json(
        {"comment": service.my_comment_view(row), "created": created},
        status=201 if created else 200,
    )


@mp.get("/<call_id:int>/my-comments")
@openapi.tag("mini-program")
@returns(s.MyComments)
@resident_required
async def my_comments(request: Request, call_id: int) -> HTTPResponse:
    """The resident's own comments on a call, with their moderation state."""
    items = await service.my_comments(resident_id=request.ctx.resident.id, call_id=call_id)
    return json({"items": items})


# --- staff ------------------------------------------------------------------------------------


@admin.get("/opinion-calls")
@openapi.tag("opinions")
@query(s.CallQuery)
@returns(s.CallPage)
@staff_required("opinions.read")
async def staff_calls(request: Request) -> HTTPResponse:
    """Calls (department staff: their department's), drafts included."""
    q = parse_query(request, s.CallQuery)
    return json(
        await service.list_calls(
            actor=actor_of(request), state=q.state, page=q.page, per_page=q.per_page
        )
    )


@admin.post("/opinion-calls")
@openapi.tag("opinions")
@json_body(s.CallBody)
@returns(s.CallAnswer, status=201)
@staff_required("opinions.write")
async def create_call(request: Request) -> HTTPResponse:
    """A new draft call (published separately)."""
    body = parse_body(request, s.CallBody)
    made = await service.create_call(actor=actor_of(request), body=body)
    return json({"call": await service.call_view(made, public=False)}, status=201)


@admin.get(ONE)
@openapi.tag("opinions")
@returns(s.CallAnswer)
@staff_required("opinions.read")
async def staff_call(request: Request, call_id: int) -> HTTPResponse:
    """One call as staff see it: drafts too, every count, the adoption decisions so far."""
    found = await service.get_for_staff(actor=actor_of(request), call_id=call_id)
    return json({"call": await service.call_view(found, public=False)})


@admin.put(ONE)
@openapi.tag("opinions")
@json_body(s.CallBody)
@returns(s.CallAnswer)
@staff_required("opinions.write")
async def update_call(request: Request, call_id: int) -> HTTPResponse:
    """Edit a call's draft, department or dates (until it closes)."""
    body = parse_body(request, s.CallBody)
    made = await service.update_call(actor=actor_of(request), call_id=call_id, body=body)
    return json({"call": await service.call_view(made, public=False)})


@admin.post(ONE + "/publish")
@openapi.tag("opinions")
@returns(s.CallAnswer)
@staff_required("opinions.write")
async def publish_call(request: Request, call_id: int) -> HTTPResponse:
    """Make the call visible to residents."""
    made = await service.publish_call(actor=actor_of(request), call_id=call_id)
    return json({"call": await service.call_view(made, public=False)})


def _attachment_limit() -> int:
    return get_consultation_settings().max_attachment_bytes


@admin.post(ONE + "/attachments", stream=True)
@openapi.tag("opinions")
@openapi.body({"multipart/form-data": PHOTO_FORM})
@returns(s.AttachmentOut, status=201)
@staff_required("opinions.write")
@limited_body(_attachment_limit, "附件不能超过 20 MB")
async def attach(request: Request, call_id: int) -> HTTPResponse:
    """Attach a document (multipart field `file`: PDF, docx or xlsx, 20 MB at most)."""
    upload = uploaded_file(request)
    if upload is None:
        raise Invalid("请选择要上传的文件", fields={"file": "必填"})
    row = await service.add_attachment(
        actor=actor_of(request), call_id=call_id, filename=upload[0], data=upload[1]
    )
    return json(
        {
            "id": row.id,
            "filename": row.filename,
            "url": service.attachment_url(row),
            "size": row.size,
        },
        status=201,
    )


@admin.delete(ONE + "/attachments/<attachment_id:int>")
@openapi.tag("opinions")
@returns(None, status=204, description="已删除")
@staff_required("opinions.write")
async def detach(request: Request, call_id: int, attachment_id: int) -> HTTPResponse:
    """Remove an attachment."""
    await service.remove_attachment(
        actor=actor_of(request), call_id=call_id, attachment_id=attachment_id
    )
    return empty()


@admin.get(ONE + "/comments")
@openapi.tag("opinions")
@query(s.CommentQuery)
@returns(s.StaffCommentPage)
@staff_required("opinions.read")
async def staff_comments(request: Request, call_id: int) -> HTTPResponse:
    """Every comment with its moderation state and the sensitive words it contains."""
    q = parse_query(request, s.CommentQuery)
    await service.get_for_staff(actor=actor_of(request), call_id=call_id)
    state = CommentState(q.state) if q.state else None
    return json(
        await service.list_comments(
            call_id=call_id, state=state, public=False, page=q.page, per_page=q.per_page
        )
    )


@admin.post("/opinion-comments/<comment_id:int>/moderation")
@openapi.tag("opinions")
@json_body(s.ModerationBody)
@returns(s.StaffCommentAnswer)
@staff_required("opinions.moderate")
async def moderate(request: Request, comment_id: int) -> HTTPResponse:
    """Approve (show) or hide a comment."""
    body = parse_body(request, s.ModerationBody)
    row = await service.moderate(
        actor=actor_of(request), comment_id=comment_id, approve=body.approve
    )
    return json({"comment": service.staff_comment_view(row)})


@admin.post("/opinion-comments/<comment_id:int>/adoption")
@openapi.tag("opinions")
@json_body(s.AdoptionBody)
@returns(s.StaffCommentAnswer)
@staff_required("opinions.write")
async def adoption(request: Request, comment_id: int) -> HTTPResponse:
    """Record whether a comment was adopted, partly adopted or not (with the reason)."""
    body = parse_body(request, s.AdoptionBody)
    row = await service.decide_adoption(
        actor=actor_of(request), comment_id=comment_id, adoption=body.adoption, reason=body.reason
    )
    return json({"comment": service.staff_comment_view(row)})


@admin.post(ONE + "/adoption-summary")
@openapi.tag("opinions")
@json_body(s.SummaryBody)
@returns(s.CallAnswer)
@staff_required("opinions.write")
async def summary(request: Request, call_id: int) -> HTTPResponse:
    """Publish the adoption summary (after the close, every shown comment decided)."""
    body = parse_body(request, s.SummaryBody)
    made = await service.publish_summary(
        actor=actor_of(request), call_id=call_id, summary=body.summary
    )
    return json({"call": await service.call_view(made, public=False)})
