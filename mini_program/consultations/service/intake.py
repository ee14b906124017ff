"""Questions come in: the mini-program (with photos), the hall's help desk, the inbox."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from gateway import crypto
from gateway.clock import local_date, now
from gateway.errors import Conflict, Invalid, RateLimited
from gateway.jobs import enqueue
from gateway.redis import get_redis
from gateway.workdays import add_workdays
from matrix import service as matrix
from mini_program.consultations import photos, words
from mini_program.consultations import text as rules
from mini_program.consultations.config import get_consultation_settings
from mini_program.consultations.models import (
    Channel,
    Consultation,
    ConsultationPhoto,
    Delivery,
    Kind,
    ReassignmentRequest,
    Status,
)
from mini_program.consultations.schemas import ConvertBody, DeskBody, SubmitBody
from mini_program.consultations.service.audit import record
from mini_program.consultations.service.common import Actor, names
from mini_program.consultations.service.settings import department_for, reply_limits


async def upload_photo(*, resident_id: int, data: bytes) -> dict[str, Any]:
    """Check, clean and keep one photo for the resident's next question; its id."""
    clean = await photos.clean_photo_async(data)
    token, relative = photos.store(clean)
    await ConsultationPhoto.create(
        token=token,
        resident_id=resident_id,
        path=relative,
        width=clean.width,
        height=clean.height,
        size=len(clean.jpeg),
    )
    return {"id": token, "width": clean.width, "height": clean.height, "size": len(clean.jpeg)}


def reference_for(row: Consultation) -> str:
    """ZX + the county date of receipt + the id: unique, and says when it came in."""
    return f"ZX{local_date(row.received_at):%Y%m%d}{row.id:06d}"


async def _check_domain(domain_id: int | None) -> None:
    if domain_id and domain_id not in (await names()).domains:
        raise Invalid(fields={"domain_id": "没有这个领域"})


async def create_consultation(
    *,
    channel: Channel,
    kind: Kind,
    domain_id: int | None,
    text: str,
    received_at: datetime,
    department_code: str | None = None,
    phone: str | None = None,
    **columns: Any,
) -> Consultation:
    """Write one question with its route, due date and analysis tokens (in the caller's
    transaction). The topic's routing rule names the department unless one is given."""
    limits = await reply_limits()
    department = await department_for(domain_id) or department_code
    version = await words.refresh_dictionary()
    row = await Consultation.create(
        public_token=secrets.token_hex(16),
        channel=channel,
        kind=kind,
        status=Status.ASSIGNED if department else Status.PENDING,
        domain_id=domain_id,
        department_code=department,
        text=text,
        text_length=len(text),
        tokens=words.tokens_of(text),
        tokens_version=version,
        phone_encrypted=crypto.encrypt(phone) if phone else None,
        phone_masked=rules.masked_phone(phone) if phone else "",
        received_at=received_at,
        due_date=add_workdays(local_date(received_at), limits[kind]),
        **columns,
    )
    row.reference = reference_for(row)
    await Consultation.filter(id=row.id).update(reference=row.reference)
    return row


async def _count_submission(resident_id: int) -> None:
    # One atomic INCR per resident and county day: parallel submissions cannot slip past.
    limit = get_consultation_settings().daily_submissions
    key = f"consultations:submitted:{resident_id}:{local_date(now()):%Y%m%d}"
    redis = get_redis()
    count = int(await redis.incr(key))
    if count == 1:
        await redis.expire(key, 2 * 24 * 3600)
    if count > limit:
        raise RateLimited(f"每天最多提交 {limit} 个问题，请明天再来", code="too_many_questions")


async def submit(*, resident_id: int, body: SubmitBody) -> tuple[Consultation, bool]:
    """A resident's question from the mini-program; (question, created).

    The same client_key again (a double tap, a retry after a lost answer) returns the first
    question: the unique (resident, client_key) constraint decides even under a race.
    """
    existing = await Consultation.get_or_none(resident_id=resident_id, client_key=body.client_key)
    if existing is not None:
        return existing, False
    await _check_domain(body.domain_id)
    await _count_submission(resident_id)
    try:
        async with in_transaction():
            row = await create_consultation(
                channel=Channel.MINI_PROGRAM,
                kind=body.kind,
                domain_id=body.domain_id,
                text=body.text,
                received_at=now(),
                phone=body.phone,
                resident_id=resident_id,
                client_key=body.client_key,
                private=body.private,
            )
            await _attach_photos(row.id, resident_id, body.photos)
    except IntegrityError:
        existing = await Consultation.get_or_none(
            resident_id=resident_id, client_key=body.client_key
        )
        if existing is None:
            raise
        return existing, False
    return row, True


async def _attach_photos(consultation_id: int, resident_id: int, tokens: list[str]) -> None:
    if not tokens:
        return
    # One conditional UPDATE: only the uploader's photos that no question has claimed yet.
    claimed = await ConsultationPhoto.filter(
        token__in=tokens, resident_id=resident_id, consultation_id__isnull=True
    ).update(consultation_id=consultation_id)
    if claimed != len(tokens):
        raise Invalid(fields={"photos": "有照片已失效或已用于其他问题，请重新上传"})
    for position, token in enumerate(tokens):
        await ConsultationPhoto.filter(token=token).update(position=position)


async def record_desk_visit(*, actor: Actor, body: DeskBody) -> Consultation:
    """What a visitor asked at the service hall's help desk, entered by staff."""
    await _check_domain(body.domain_id)
    async with in_transaction():
        row = await create_consultation(
            channel=Channel.HALL,
            kind=body.kind,
            domain_id=body.domain_id,
            text=body.text,
            received_at=now(),
            phone=body.phone,
            contact_name=body.contact_name,
            private=body.private,
            recorded_by=actor.name,
        )
        await record(
            actor, "consultations.desk", "consultation", row.id, {"reference": row.reference}
        )
    return row


async def _carry_over_reassignment(row: Consultation, pending: Any) -> None:
    """A department's pending request to move the message becomes the question's request, so
    the dispatcher decides it once, in the queue (the acknowledgement that answers the message
    closes the inbox's request as the inbox closes any request of an answered message)."""
    if not isinstance(pending, dict) or pending.get("status") != "pending":
        return
    await ReassignmentRequest.create(
        consultation_id=row.id,
        open_consultation_id=row.id,
        from_department=str(pending.get("from_department") or row.department_code or ""),
        to_department=pending.get("to_department") or None,
        reason=str(pending.get("reason") or ""),
        requested_by=str(pending.get("requested_by") or ""),
    )


async def convert_message(*, actor: Actor, body: ConvertBody) -> Consultation:
    """Turn a follower's message from the inbox into a consultation, linked to it.

    The follower is told at once (customer-service message, while WeChat's 48-hour window is
    open) the reference, the due date and where the answer will be; a job sends it.
    """
    message = await matrix.inbox_message(message_id=body.message_id, actor=actor)
    text = rules.clean(str(message.get("content") or ""))
    if message.get("msg_type") != "text" or not rules.word_chars(text):
        raise Invalid("只能把文字留言转为咨询", code="not_a_text_message")
    earlier = await Consultation.get_or_none(inbox_message_id=body.message_id)
    if earlier is not None:
        raise Conflict(f"该留言已转为咨询 {earlier.reference}", code="already_converted")
    await _check_domain(body.domain_id)
    try:
        async with in_transaction():
            row = await create_consultation(
                channel=Channel.WECHAT,
                kind=body.kind,
                domain_id=body.domain_id,
                text=text[: rules.MAX_CHARS],
                received_at=datetime.fromisoformat(str(message["received_at"])),
                department_code=message.get("responsible_department"),
                inbox_message_id=body.message_id,
                account_code=message.get("account_code"),
                recorded_by=actor.name,
                ack_delivery=Delivery.QUEUED,
            )
            await _carry_over_reassignment(row, message.get("reassignment"))
            await enqueue(
                "consultations.deliver",
                {"consultation_id": row.id, "what": "ack", "actor": [actor.id, actor.name]},
                key=f"consultations.deliver:ack:{row.id}",
            )
            await record(
                actor,
                "consultations.convert",
                "consultation",
                row.id,
                {"reference": row.reference, "inbox_message_id": body.message_id},
            )
    except IntegrityError as exc:
        raise Conflict("该留言已转为咨询", code="already_converted") from exc
    return row
