"""The applicant's letters stored with the application, and files staff attach to answers."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import date
from pathlib import PurePath
from typing import Any

from gateway.config import get_settings
from gateway.errors import ApiError, Conflict, Invalid
from gateway.org import get_department
from mini_program.applications import letters
from mini_program.applications.deadline import Calculation, Event, EventKind
from mini_program.applications.models import Application, ApplicationFile
from mini_program.applications.service.common import Actor, get_for_staff, record, valid_id
from mini_program.applications.vocab import (
    DELIVERY_LABELS,
    FILE_KIND_LABELS,
    FINISHED_STATES,
    Delivery,
    FileKind,
    Result,
    reason_of,
)

# What staff may attach to an answer, by extension (the applicant's phone opens these).
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
LETTER_PREFIX = {
    FileKind.ANSWER_LETTER: "答",
    FileKind.CORRECTION_NOTICE: "补",
    FileKind.EXTENSION_NOTICE: "延",
    FileKind.CLOSURE_NOTICE: "终",
}
TEMPLATE = {
    FileKind.ANSWER_LETTER: "answer",
    FileKind.CORRECTION_NOTICE: "correction_notice",
    FileKind.EXTENSION_NOTICE: "extension_notice",
    FileKind.CLOSURE_NOTICE: "closure_notice",
}


async def letter_context(
    app: Application, calc: Calculation, on: date, **extra: Any
) -> dict[str, Any]:
    """What every letter template may use, plus the step's own values."""
    department = await get_department(app.department_code)
    name = department.name if department else app.department_code
    return {
        "name": app.name,
        "receipt_no": app.receipt_no,
        "description": app.description,
        "received_cn": letters.cn_date(calc.day0 or calc.received_on),
        "department_name": name,
        "date_cn": letters.cn_date(on),
        "delivery_label": DELIVERY_LABELS[Delivery(app.delivery)],
        "year": on.year,
        **extra,
    }


async def store_letter(
    app: Application, kind: FileKind, context: dict[str, Any], *, actor: Actor
) -> ApplicationFile:
    """Render a letter to PDF (in a thread: it is CPU work) and keep it with the application."""
    context = {
        **context,
        "letter_no": f"依申请公开{LETTER_PREFIX[kind]}〔{context['year']}〕第 {app.receipt_no} 号",
    }
    pdf = await asyncio.to_thread(letters.render_pdf, TEMPLATE[kind], context)
    return await ApplicationFile.create(
        application=app,
        kind=kind,
        name=f"{FILE_KIND_LABELS[kind]}-{app.receipt_no}.pdf",
        content_type="application/pdf",
        size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
        content=pdf,
        published=True,
        uploaded_by=actor.id,
    )


def _reason_text(result: Result, codes: list[str]) -> str:
    found = [reason_of(result, code) for code in codes]
    return "；".join(r.letter for r in found if r is not None)


async def issue_letter(
    app: Application,
    calc: Calculation,
    *,
    kind: EventKind,
    on: date,
    detail: dict[str, Any],
    events: list[Event],
    actor: Actor,
    attachments: str = "",
) -> ApplicationFile | None:
    """The letter the regulation requires for a step (correction notice, extension notice,
    answer, closure notice), or None for steps without one or when the calendar is missing."""
    if kind == EventKind.CORRECTION_REQUESTED:
        if calc.correction_due is None:
            return None  # no due date without the calendar; staff are shown the error
        context = await letter_context(
            app,
            calc,
            on,
            period=detail.get("period"),
            due_cn=letters.cn_date(calc.correction_due),
            missing=detail.get("missing", ""),
        )
        return await store_letter(app, FileKind.CORRECTION_NOTICE, context, actor=actor)
    if kind == EventKind.EXTENDED:
        if calc.deadline is None:
            return None
        context = await letter_context(
            app,
            calc,
            on,
            reason=detail.get("reason", ""),
            base_deadline_cn=letters.cn_date(calc.base_deadline),
            deadline_cn=letters.cn_date(calc.deadline),
        )
        return await store_letter(app, FileKind.EXTENSION_NOTICE, context, actor=actor)
    if kind == EventKind.ANSWERED:
        result = Result(detail["result"])
        extension = next((e for e in events if e.kind == EventKind.EXTENDED), None)
        context = await letter_context(
            app,
            calc,
            on,
            result=str(result),
            reasons=_reason_text(result, list(detail.get("reasons") or [])),
            explanation=detail.get("explanation", ""),
            attachments=attachments,
            extended=extension is not None,
            extended_cn=letters.cn_date(extension.on) if extension else "",
        )
        return await store_letter(app, FileKind.ANSWER_LETTER, context, actor=actor)
    if kind == EventKind.CLOSED:
        requested = next((e for e in events if e.kind == EventKind.CORRECTION_REQUESTED), None)
        context = await letter_context(
            app,
            calc,
            on,
            requested_cn=letters.cn_date(requested.on if requested else None),
            due_cn=letters.cn_date(calc.correction_due),
        )
        return await store_letter(app, FileKind.CLOSURE_NOTICE, context, actor=actor)
    return None


def attachment_type(name: str) -> str:
    suffix = PurePath(name).suffix.lower()
    found = ATTACHMENT_TYPES.get(suffix)
    if found is None:
        allowed = "、".join(sorted({s.lstrip(".") for s in ATTACHMENT_TYPES}))
        raise Invalid(fields={"file": f"只能上传以下格式的文件：{allowed}"})
    return found


def clean_name(name: str) -> str:
    """A file name without folders or control characters, at most 150 characters."""
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '/\\:*?"<>|')
    if not base or base.startswith("."):
        raise Invalid(fields={"file": "文件名无效"})
    stem, dot, suffix = base.rpartition(".")
    return (stem[: 150 - len(suffix) - 1] + dot + suffix) if dot and stem else base[:150]


async def upload_attachment(
    *, app_id: int, actor: Actor, name: str, body: bytes
) -> ApplicationFile:
    """Keep a file staff will attach to the answer (shown to the applicant once answered)."""
    app = await get_for_staff(app_id, actor)
    if app.state in FINISHED_STATES:
        raise Conflict("申请已办结，不能再上传附件", code="application_finished")
    name = clean_name(name)
    content_type = attachment_type(name)
    if not body:
        raise Invalid(fields={"file": "文件是空的"})
    if len(body) > get_settings().max_body_bytes:
        raise ApiError("文件太大", status=413, code="payload_too_large")
    row = await ApplicationFile.create(
        application=app,
        kind=FileKind.ATTACHMENT,
        name=name,
        content_type=content_type,
        size=len(body),
        sha256=hashlib.sha256(body).hexdigest(),
        content=body,
        published=False,
        uploaded_by=actor.id,
    )
    await record(actor, "upload", app, {"file_id": row.id, "size": len(body)})
    return row


async def file_of(app: Application, file_id: int, *, published_only: bool) -> ApplicationFile:
    """One file of this application (404 for another application's or an unpublished one)."""
    from gateway.errors import NotFound

    query = ApplicationFile.filter(id=file_id, application_id=app.id)
    if published_only:
        query = query.filter(published=True)
    row = await query.first() if valid_id(file_id) else None
    if row is None:
        raise NotFound("没有这个文件", code="file_not_found")
    return row


async def files_of(app_ids: list[int], *, published_only: bool) -> dict[int, list[ApplicationFile]]:
    """Files of several applications without their contents (for lists and details)."""
    query = ApplicationFile.filter(application_id__in=app_ids)
    if published_only:
        query = query.filter(published=True)
    rows = await query.order_by("id").only(
        "id", "application_id", "kind", "name", "content_type", "size", "published", "created_at"
    )
    out: dict[int, list[ApplicationFile]] = {}
    for row in rows:
        out.setdefault(row.application_id, []).append(row)  # type: ignore[attr-defined]
    return out
