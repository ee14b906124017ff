"""The consultation queue's JSON API: residents (`/api/v1/mp/`) and staff (`/api/v1/admin/`)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty, file, json
from sanic_ext import openapi

from gateway.auth import staff_required
from gateway.auth.decorators import client_ip
from gateway.auth.resident import resident_required
from gateway.errors import Invalid, parse_body, parse_query, route_max_length
from gateway.openapi import json_body, query, returns
from gateway.paging import PageQuery
from mini_program.consultations import schemas as s
from mini_program.consultations.config import get_consultation_settings
from mini_program.consultations.models import KIND_LABELS, Consultation
from mini_program.consultations.service import (
    intake,
    publish,
    queue,
    ratings,
    resident,
    settings,
)
from mini_program.consultations.service.common import Actor, names
from mini_program.consultations.uploads import limited_body, uploaded_file

mp = Blueprint("consultations_mp", url_prefix="/api/v1/mp")
admin = Blueprint("consultations_admin", url_prefix="/api/v1/admin")
files = Blueprint("consultations_files", url_prefix="")
bp = Blueprint.group(mp, admin, files)

ONE = "/consultations/<consultation_id:int>"
# A photo link's token (ConsultationPhoto.token).
PHOTO_TOKEN_LENGTH = 32
PHOTO_FORM = {
    "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
}


def actor_of(request: Request) -> Actor:
    """The signed-in staff member as the services see them (with their department scope)."""
    return Actor.for_staff(request.ctx.staff, client_ip(request))


# --- residents --------------------------------------------------------------------------------


def _photo_limit() -> int:
    return get_consultation_settings().max_photo_bytes


@mp.post("/consultations/photos", stream=True)
@openapi.tag("mini-program")
@openapi.body({"multipart/form-data": PHOTO_FORM})
@returns(s.PhotoUploaded, status=201)
@resident_required
@limited_body(_photo_limit, "照片不能超过 5 MB")
async def upload_photo(request: Request) -> HTTPResponse:
    """Upload one photo (multipart field `file`, as wx.uploadFile sends it); answers its id.

    JPEG, PNG or WebP, 5 MB at most, checked by content and re-encoded without EXIF."""
    upload = uploaded_file(request)
    if upload is None:
        raise Invalid("请选择要上传的照片", fields={"file": "必填"})
    photo = await intake.upload_photo(resident_id=request.ctx.resident.id, data=upload[1])
    return json(photo, status=201)


@mp.post("/consultations")
@openapi.tag("mini-program")
@json_body(s.SubmitBody)
@returns(s.ConsultationCreated, status=201)
@returns(s.ConsultationCreated, status=200, description="同一提交编号已提交过")
@resident_required
async def submit(request: Request) -> HTTPResponse:
    """我要咨询: a question with its topic, photos (ids from the upload), phone and privacy."""
    body = parse_body(request, s.SubmitBody)
    row, created = await intake.submit(resident_id=request.ctx.resident.id, body=body)
    return json(
        {"consultation": await resident.view(row), "created": created},
        status=201 if created else 200,
    )


@mp.get("/consultations")
@openapi.tag("mini-program")
@query(PageQuery)
@returns(s.ConsultationPage)
@resident_required
async def mine(request: Request) -> HTTPResponse:
    """我的咨询: the resident's questions, newest first, each with its state and answer."""
    q = parse_query(request, PageQuery)
    return json(
        await resident.list_mine(
            resident_id=request.ctx.resident.id, page=q.page, per_page=q.per_page
        )
    )


@mp.get(ONE)
@openapi.tag("mini-program")
@returns(s.ConsultationAnswer)
@resident_required
async def my_consultation(request: Request, consultation_id: int) -> HTTPResponse:
    """One of the resident's questions (another resident's is a 404)."""
    row = await resident.get_mine(
        resident_id=request.ctx.resident.id, consultation_id=consultation_id
    )
    return json({"consultation": await resident.view(row)})


@mp.post(ONE + "/rating")
@openapi.tag("mini-program")
@json_body(s.RatingBody)
@returns(s.ConsultationAnswer)
@resident_required
async def rate(request: Request, consultation_id: int) -> HTTPResponse:
    """Rate the answer: satisfied, basically_satisfied or dissatisfied, with a comment."""
    body = parse_body(request, s.RatingBody)
    row = await resident.rate(
        resident_id=request.ctx.resident.id,
        consultation_id=consultation_id,
        rating=body.rating,
        comment=body.comment,
    )
    return json({"consultation": await resident.view(row)})


# Not an API operation but a file behind a signed link (an <image> sends no Bearer header), like
# /media: outside /api and the document.
@files.get("/consultations/photos/<token:str>")
@openapi.exclude()
@route_max_length(token=PHOTO_TOKEN_LENGTH)
async def photo(request: Request, token: str) -> HTTPResponse:
    """A question's photo through the signed, expiring link its answers carry."""
    try:
        expires = int(request.args.get("expires") or 0)
    except ValueError:
        expires = 0
    path = await resident.photo_path(
        token=token, expires=expires, signature=(request.args.get("sig") or "")[:64]
    )
    return await file(
        path,
        mime_type="image/jpeg",
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@mp.get("/consultation-options")
@openapi.tag("mini-program")
@returns(s.OptionsOut)
async def options(request: Request) -> HTTPResponse:
    """What the 我要咨询 form offers: kinds with their reply limits, photo limits."""
    limits = await settings.reply_limits()
    config = get_consultation_settings()
    return json(
        {
            "kinds": [
                {"value": k.value, "label": KIND_LABELS[k], "workdays": limits[k]} for k in limits
            ],
            "max_photos": config.max_photos,
            "max_photo_mb": config.max_photo_bytes // (1024 * 1024),
            "text_chars": {"min": 10, "max": 2000},
        }
    )


@mp.get("/qa")
@openapi.tag("mini-program")
@query(s.QaQuery)
@returns(s.QaPage)
async def qa(request: Request) -> HTTPResponse:
    """常见问答: published questions and answers of a domain, newest first (or searched)."""
    q = parse_query(request, s.QaQuery)
    return json(await publish.list_qa(domain_id=q.domain, q=q.q, page=q.page, per_page=q.per_page))


@mp.get("/qa/<qa_id:int>")
@openapi.tag("mini-program")
@returns(s.QaPublished)
async def qa_detail(request: Request, qa_id: int) -> HTTPResponse:
    """One published question and answer."""
    return json({"qa": await publish.get_qa(qa_id=qa_id)})


# --- staff ------------------------------------------------------------------------------------


async def _staff_answer(row: Consultation) -> HTTPResponse:
    return json({"consultation": await queue.staff_view(row)})


@admin.get("/consultations")
@openapi.tag("consultations")
@query(s.QueueQuery)
@returns(s.StaffConsultationPage)
@staff_required("consultations.read")
async def queue_list(request: Request) -> HTTPResponse:
    """The queue: every channel's questions; department staff see only their department's."""
    q = parse_query(request, s.QueueQuery)
    return json(await queue.list_consultations(actor=actor_of(request), query=q))


@admin.get(ONE)
@openapi.tag("consultations")
@returns(s.StaffConsultationAnswer)
@staff_required("consultations.read")
async def queue_detail(request: Request, consultation_id: int) -> HTTPResponse:
    """One question with its deadline, photos, answer, rating and reassignment requests."""
    row = await queue.get_for_staff(actor=actor_of(request), consultation_id=consultation_id)
    return await _staff_answer(row)


@admin.post(ONE + "/answer")
@openapi.tag("consultations")
@json_body(s.AnswerBody)
@returns(s.StaffConsultationAnswer)
@staff_required("consultations.answer")
async def answer(request: Request, consultation_id: int) -> HTTPResponse:
    """Answer: the resident is notified, a follower gets it by customer-service message."""
    body = parse_body(request, s.AnswerBody)
    row = await queue.answer(
        actor=actor_of(request), consultation_id=consultation_id, text=body.text
    )
    return await _staff_answer(row)


@admin.get(ONE + "/publish-preview")
@openapi.tag("consultations")
@returns(s.PublishPreview)
@staff_required("consultations.publish")
async def publish_preview(request: Request, consultation_id: int) -> HTTPResponse:
    """The Q&A as it would be published, with what the masking replaced."""
    return json(await publish.preview(actor=actor_of(request), consultation_id=consultation_id))


@admin.post(ONE + "/publish")
@openapi.tag("consultations")
@json_body(s.PublishBody)
@returns(s.QaPublished)
@staff_required("consultations.publish")
async def publish_qa(request: Request, consultation_id: int) -> HTTPResponse:
    """Publish as public Q&A (optionally with staff's checked texts; masked again)."""
    body = parse_body(request, s.PublishBody) if request.body else s.PublishBody.model_validate({})
    entry = await publish.publish(
        actor=actor_of(request),
        consultation_id=consultation_id,
        question=body.question,
        answer=body.answer,
    )
    return json({"qa": publish.qa_view(entry, await names())})


@admin.delete(ONE + "/publish")
@openapi.tag("consultations")
@returns(None, status=204, description="已撤下")
@staff_required("consultations.publish")
async def unpublish_qa(request: Request, consultation_id: int) -> HTTPResponse:
    """Take the published Q&A down."""
    await publish.unpublish(actor=actor_of(request), consultation_id=consultation_id)
    return empty()


@admin.post(ONE + "/assign")
@openapi.tag("consultations")
@json_body(s.AssignBody)
@returns(s.StaffConsultationAnswer)
@staff_required("consultations.assign")
async def assign(request: Request, consultation_id: int) -> HTTPResponse:
    """Hand the question to a department (admins), with a reason."""
    body = parse_body(request, s.AssignBody)
    row = await queue.assign(
        actor=actor_of(request),
        consultation_id=consultation_id,
        department_code=body.department_code,
        reason=body.reason,
    )
    return await _staff_answer(row)


@admin.post(ONE + "/classify")
@openapi.tag("consultations")
@json_body(s.ClassifyBody)
@returns(s.StaffConsultationAnswer)
@staff_required("consultations.assign")
async def classify(request: Request, consultation_id: int) -> HTTPResponse:
    """Correct the kind (its reply limit moves the due date) or the topic."""
    body = parse_body(request, s.ClassifyBody)
    row = await queue.classify(
        actor=actor_of(request),
        consultation_id=consultation_id,
        kind=body.kind,
        domain_id=body.domain_id,
        domain_given="domain_id" in body.model_fields_set,
    )
    return await _staff_answer(row)


@admin.post(ONE + "/reassignment-requests")
@openapi.tag("consultations")
@json_body(s.ReassignRequestBody)
@returns(s.ReassignmentAnswer, status=201)
@staff_required("consultations.reassign_request")
async def request_reassignment(request: Request, consultation_id: int) -> HTTPResponse:
    """申请改派: the department says why the question is not theirs (and whose it is)."""
    body = parse_body(request, s.ReassignRequestBody)
    made = await queue.request_reassignment(
        actor=actor_of(request),
        consultation_id=consultation_id,
        reason=body.reason,
        to_department=body.to_department,
    )
    return json({"request": queue.request_view(made, await names())}, status=201)


@admin.get("/consultation-reassignments")
@openapi.tag("consultations")
@query(s.ReassignmentQuery)
@returns(s.ReassignmentPage)
@staff_required("consultations.assign")
async def reassignments(request: Request) -> HTTPResponse:
    """Reassignment requests, newest first (admins decide the pending ones)."""
    q = parse_query(request, s.ReassignmentQuery)
    return json(await queue.list_requests(state=q.state, page=q.page, per_page=q.per_page))


@admin.post("/consultation-reassignments/<request_id:int>/decision")
@openapi.tag("consultations")
@json_body(s.DecisionBody)
@returns(s.ReassignmentAnswer)
@staff_required("consultations.assign")
async def decide(request: Request, request_id: int) -> HTTPResponse:
    """Approve (reassign) or reject a reassignment request."""
    body = parse_body(request, s.DecisionBody)
    made = await queue.decide_request(
        actor=actor_of(request),
        request_id=request_id,
        approve=body.approve,
        department_code=body.department_code,
        note=body.note,
    )
    return json({"request": queue.request_view(made, await names())})


@admin.get(ONE + "/similar")
@openapi.tag("consultations")
@query(s.SimilarQuery)
@returns(s.SimilarPage)
@staff_required("consultations.read")
async def similar(request: Request, consultation_id: int) -> HTTPResponse:
    """Answered questions like this one, to reuse their answers."""
    q = parse_query(request, s.SimilarQuery)
    items = await queue.similar_answered(
        actor=actor_of(request), consultation_id=consultation_id, q=q.q
    )
    return json({"items": items})


@admin.post(ONE + "/phone")
@openapi.tag("consultations")
@returns(s.PhoneOut)
@staff_required("consultations.answer")
async def phone(request: Request, consultation_id: int) -> HTTPResponse:
    """The full phone number to call the resident back (audited)."""
    number = await queue.reveal_phone(actor=actor_of(request), consultation_id=consultation_id)
    return json({"phone": number})


@admin.post("/consultations/desk")
@openapi.tag("consultations")
@json_body(s.DeskBody)
@returns(s.StaffConsultationAnswer, status=201)
@staff_required("consultations.intake")
async def desk(request: Request) -> HTTPResponse:
    """The help desk: what a visitor asked in person."""
    body = parse_body(request, s.DeskBody)
    row = await intake.record_desk_visit(actor=actor_of(request), body=body)
    return json({"consultation": await queue.staff_view(row)}, status=201)


@admin.post("/consultations/from-inbox")
@openapi.tag("consultations")
@json_body(s.ConvertBody)
@returns(s.StaffConsultationAnswer, status=201)
@staff_required("consultations.intake")
async def from_inbox(request: Request) -> HTTPResponse:
    """Turn an official-account message into a consultation (the follower is told where)."""
    body = parse_body(request, s.ConvertBody)
    row = await intake.convert_message(actor=actor_of(request), body=body)
    return json({"consultation": await queue.staff_view(row)}, status=201)


@admin.get("/consultations/overdue")
@openapi.tag("consultations")
@returns(s.OverdueOut)
@staff_required("consultations.read")
async def overdue(request: Request) -> HTTPResponse:
    """Unanswered questions past their due date: per department, oldest first."""
    return json(await queue.overdue(actor=actor_of(request), limit=50))


@admin.get("/consultations/satisfaction")
@openapi.tag("consultations")
@query(s.PeriodQuery)
@returns(s.SatisfactionOut)
@staff_required("consultations.read")
async def satisfaction(request: Request) -> HTTPResponse:
    """Satisfaction per department (and answers on time, overdue questions)."""
    q = parse_query(request, s.PeriodQuery)
    items = await ratings.satisfaction(
        actor=actor_of(request), date_from=q.date_from, date_to=q.date_to
    )
    return json({"items": items})


@admin.get("/consultation-settings")
@openapi.tag("consultations")
@returns(s.SettingsOut)
@staff_required("consultations.read")
async def get_settings(request: Request) -> HTTPResponse:
    """Reply limits per kind and the routing rules."""
    return await _settings_answer()


async def _settings_answer() -> HTTPResponse:
    limits = await settings.reply_limits()
    return json(
        {
            "limits": {k.value: v for k, v in limits.items()},
            "routing": await settings.routing_rules(),
        }
    )


@admin.put("/consultation-settings/limits")
@openapi.tag("consultations")
@json_body(s.LimitBody)
@returns(s.SettingsOut)
@staff_required("consultations.settings")
async def put_limit(request: Request) -> HTTPResponse:
    """Set one kind's reply limit in working days (applies to questions received from now)."""
    body = parse_body(request, s.LimitBody)
    await settings.set_reply_limit(kind=body.kind, workdays=body.workdays, actor=actor_of(request))
    return await _settings_answer()


@admin.put("/consultation-settings/routing")
@openapi.tag("consultations")
@json_body(s.RoutingBody)
@returns(s.SettingsOut)
@staff_required("consultations.settings")
async def put_routing(request: Request) -> HTTPResponse:
    """Route a topic (domain id, 0 for 其他) to a department, or clear it (null)."""
    body = parse_body(request, s.RoutingBody)
    await settings.set_routing_rule(
        domain_id=body.domain_id, department_code=body.department_code, actor=actor_of(request)
    )
    return await _settings_answer()
