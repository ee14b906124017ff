"""Opinion calls: drafts put out for comment, moderation, and the adoption summary.

A call is visible to residents once published; it takes comments from its opening date to
its closing date (county dates, both included). Every comment waits for a moderator; the
county's sensitive words flag it for them. After the close the department decides on each
shown comment (adopted, partly, not adopted with its reason) and publishes the summary,
which the mini-program shows with the counts.
"""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from gateway.clock import now, to_iso
from gateway.config import get_settings
from gateway.errors import Conflict, Forbidden, Invalid, NotFound
from gateway.org import get_department
from mini_program.consultations import words
from mini_program.consultations.masking import mask_personal_data
from mini_program.consultations.models import WordList
from mini_program.consultations.opinions.models import (
    ADOPTION_LABELS,
    Adoption,
    CommentState,
    OpinionAttachment,
    OpinionCall,
    OpinionComment,
)
from mini_program.consultations.opinions.schemas import CallBody
from mini_program.consultations.service.audit import record
from mini_program.consultations.service.common import Actor, names, today

STATE_LABELS = {
    "draft": "未发布",
    "upcoming": "即将开始",
    "open": "征集中",
    "closed": "已截止",
    "summarised": "已公布采纳情况",
}
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def state_of(call: OpinionCall, on: date | None = None) -> str:
    on = on or today()
    if not call.published:
        return "draft"
    if on < call.opens_on:
        return "upcoming"
    if on <= call.closes_on:
        return "open"
    return "summarised" if call.summary_published_at else "closed"


def _scope(actor: Actor) -> Q:
    return Q() if actor.department_scope is None else Q(department_code=actor.department_scope)


async def get_for_staff(*, actor: Actor, call_id: int) -> OpinionCall:
    """A call the actor may manage (department staff: their department's only; else 404)."""
    call = await OpinionCall.filter(_scope(actor), id=call_id).first()
    if call is None:
        raise NotFound("没有这个意见征集", code="opinion_call_not_found")
    return call


async def _published(call_id: int) -> OpinionCall:
    call = await OpinionCall.get_or_none(id=call_id, published=True)
    if call is None:
        raise NotFound("没有这个意见征集", code="opinion_call_not_found")
    return call


async def _department(actor: Actor, code: str | None) -> str:
    if actor.department_scope is not None:
        if code and code != actor.department_scope:
            raise Forbidden("只能发起本部门的意见征集", code="other_department")
        return actor.department_scope
    if not code:
        raise Invalid(fields={"department_code": "请选择发起部门"})
    if await get_department(code) is None:
        raise Invalid(fields={"department_code": "没有这个部门"})
    return code


async def create_call(*, actor: Actor, body: CallBody) -> OpinionCall:
    """A new draft call (not visible until published)."""
    department = await _department(actor, body.department_code)
    async with in_transaction():
        call = await OpinionCall.create(
            **body.model_dump(exclude={"department_code"}),
            department_code=department,
            created_by=actor.name,
        )
        await record(actor, "opinions.create", "opinion_call", call.id, {"title": body.title})
    return call


async def update_call(*, actor: Actor, call_id: int, body: CallBody) -> OpinionCall:
    """Edit a call that has not closed yet."""
    call = await get_for_staff(actor=actor, call_id=call_id)
    if state_of(call) in ("closed", "summarised"):
        raise Conflict("征集已截止，不能再修改草案", code="opinion_call_closed")
    department = await _department(actor, body.department_code or call.department_code)
    await OpinionCall.filter(id=call.id).update(
        **body.model_dump(exclude={"department_code"}), department_code=department
    )
    await record(actor, "opinions.update", "opinion_call", call.id)
    await call.refresh_from_db()
    return call


async def publish_call(*, actor: Actor, call_id: int) -> OpinionCall:
    """Make a draft visible to residents (comments open on its opening date)."""
    call = await get_for_staff(actor=actor, call_id=call_id)
    if call.published:
        return call
    if call.closes_on < today():
        raise Conflict("截止日期已过，请先修改日期", code="opinion_call_closed")
    await OpinionCall.filter(id=call.id).update(published=True)
    await record(actor, "opinions.publish", "opinion_call", call.id)
    await call.refresh_from_db()
    return call


def _attachment_type(name: str, data: bytes) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in ATTACHMENT_TYPES:
        raise Invalid(
            "附件只能是 PDF、Word（docx）或 Excel（xlsx）文件", fields={"file": "格式不支持"}
        )
    if suffix == ".pdf":
        ok = data.startswith(b"%PDF-")
    else:
        marker = "word/document.xml" if suffix == ".docx" else "xl/workbook.xml"
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                ok = marker in archive.namelist()
        except (zipfile.BadZipFile, ValueError):
            ok = False
    if not ok:
        raise Invalid("附件内容与文件格式不符", fields={"file": "文件已损坏或格式不符"})
    return ATTACHMENT_TYPES[suffix]


def _safe_name(name: str) -> str:
    base = _UNSAFE_NAME.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    stem, suffix = Path(base).stem[:80] or "附件", Path(base).suffix.lower()
    return f"{stem}{suffix}"


def attachment_url(row: OpinionAttachment) -> str:
    return "/media/" + "/".join(quote(part) for part in row.path.split("/"))


async def add_attachment(
    *, actor: Actor, call_id: int, filename: str, data: bytes
) -> OpinionAttachment:
    """Attach the draft's documents (PDF, docx, xlsx; checked by content)."""
    call = await get_for_staff(actor=actor, call_id=call_id)
    if not data:
        raise Invalid("请选择要上传的文件", fields={"file": "必填"})
    name = _safe_name(filename)
    content_type = _attachment_type(name, data)
    relative = f"opinions/{call.id}/{secrets.token_hex(4)}/{name}"
    target = get_settings().media_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    row = await OpinionAttachment.create(
        call_id=call.id, filename=name, path=relative, content_type=content_type, size=len(data)
    )
    await record(actor, "opinions.attach", "opinion_call", call.id, {"file": name})
    return row


async def remove_attachment(*, actor: Actor, call_id: int, attachment_id: int) -> None:
    call = await get_for_staff(actor=actor, call_id=call_id)
    row = await OpinionAttachment.get_or_none(id=attachment_id, call_id=call.id)
    if row is None:
        raise NotFound("没有这个附件", code="attachment_not_found")
    (get_settings().media_dir / row.path).unlink(missing_ok=True)
    await row.delete()
    await record(actor, "opinions.detach", "opinion_call", call.id, {"file": row.filename})


async def _comment_counts(call_ids: list[int]) -> dict[int, dict[str, int]]:
    rows = (
        await OpinionComment.filter(call_id__in=call_ids)
        .annotate(n=Count("id"))
        .group_by("call_id", "state")
        .values_list("call_id", "state", "n")
    )
    out: dict[int, dict[str, int]] = {}
    for call_id, state, n in rows:
        out.setdefault(int(call_id), {})[str(state)] = int(n)
    return out


async def call_summary(
    call: OpinionCall, counts: dict[str, int], *, public: bool = False
) -> dict[str, Any]:
    """A call as lists show it; residents see only the comments moderators approved counted."""
    state = state_of(call)
    out = {
        "id": call.id,
        "title": call.title,
        "summary": call.summary,
        "department": (await names()).department(call.department_code),
        "opens_on": call.opens_on.isoformat(),
        "closes_on": call.closes_on.isoformat(),
        "state": state,
        "state_label": STATE_LABELS[state],
        "comment_count": sum(counts.values()),
        "counts": counts,
    }
    if public:
        out["comment_count"] = counts.get(CommentState.APPROVED.value, 0)
        del out["counts"]
    return out


async def list_calls(
    *, actor: Actor | None, state: str | None, page: int, per_page: int
) -> dict[str, Any]:
    """Calls, newest first: the published ones for residents (actor None), else the actor's."""
    query = OpinionCall.all() if actor is not None else OpinionCall.filter(published=True)
    if actor is not None:
        query = query.filter(_scope(actor))
    on = today()
    if state == "open":
        query = query.filter(published=True, opens_on__lte=on, closes_on__gte=on)
    elif state == "closed":
        query = query.filter(published=True, closes_on__lt=on)
    elif state == "upcoming":
        query = query.filter(published=True, opens_on__gt=on)
    total = await query.count()
    calls = await query.order_by("-opens_on", "-id").offset((page - 1) * per_page).limit(per_page)
    counts = await _comment_counts([c.id for c in calls])
    items = [await call_summary(c, counts.get(c.id, {}), public=actor is None) for c in calls]
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def comment_view(c: OpinionComment, *, public: bool) -> dict[str, Any]:
    adoption = Adoption(c.adoption) if c.adoption else None
    text = mask_personal_data(c.text)[0] if public else c.text
    return {
        "id": c.id,
        "text": text,
        "created_at": to_iso(c.created_at),
        "adoption": adoption.value if adoption else None,
        "adoption_label": ADOPTION_LABELS[adoption] if adoption else None,
        "adoption_reason": c.adoption_reason,
    }


def staff_comment_view(c: OpinionComment) -> dict[str, Any]:
    """A comment as moderators see it: unmasked, with its state and the words it flagged."""
    return {
        **comment_view(c, public=False),
        "state": c.state.value,
        "state_label": label(c),
        "flagged": [w for w in c.flagged.split(",") if w],
        "moderated_by": c.moderated_by,
    }


def my_comment_view(c: OpinionComment) -> dict[str, Any]:
    """A comment as its author sees it: unmasked, with its moderation state."""
    return {**comment_view(c, public=False), "state": c.state.value, "state_label": label(c)}


async def call_view(call: OpinionCall, *, public: bool) -> dict[str, Any]:
    """A call with its text, attachments and, once published, the adoption summary."""
    counts = (await _comment_counts([call.id])).get(call.id, {})
    out = await call_summary(call, counts, public=public)
    attachments = await OpinionAttachment.filter(call_id=call.id).order_by("id")
    out.update(
        body=call.body,
        attachments=[
            {"id": a.id, "filename": a.filename, "url": attachment_url(a), "size": a.size}
            for a in attachments
        ],
        can_comment=out["state"] == "open",
        adoption_summary=None,
        adoption_counts=None,
        not_adopted=[],
    )
    if call.summary_published_at or not public:
        decided = await OpinionComment.filter(
            call_id=call.id, state=CommentState.APPROVED, adoption__isnull=False
        ).order_by("id")
        out["adoption_counts"] = {
            kind.value: sum(1 for c in decided if c.adoption == kind) for kind in Adoption
        }
        out["not_adopted"] = [
            comment_view(c, public=public)
            for c in decided
            if c.adoption in (Adoption.NOT_ADOPTED, Adoption.PARTLY)
        ]
        out["adoption_summary"] = call.adoption_summary
    if public:
        out["received_count"] = sum(counts.values())
    return out


async def get_public(*, call_id: int) -> dict[str, Any]:
    return await call_view(await _published(call_id), public=True)


async def list_comments(
    *, call_id: int, state: CommentState | None, public: bool, page: int, per_page: int
) -> dict[str, Any]:
    query = OpinionComment.filter(call_id=call_id)
    if state is not None:
        query = query.filter(state=state)
    total = await query.count()
    rows = await query.order_by("-id").offset((page - 1) * per_page).limit(per_page)
    items = [comment_view(c, public=True) if public else staff_comment_view(c) for c in rows]
    return {"items": items, "total": total, "page": page, "per_page": per_page}


async def public_comments(*, call_id: int, page: int, per_page: int) -> dict[str, Any]:
    """The comments moderators approved, masked like published Q&A."""
    await _published(call_id)
    return await list_comments(
        call_id=call_id, state=CommentState.APPROVED, public=True, page=page, per_page=per_page
    )


async def comment(
    *, resident_id: int, call_id: int, text: str, client_key: str
) -> tuple[OpinionComment, bool]:
    """A resident's comment on an open call; (comment, created). Waits for moderation."""
    call = await _published(call_id)
    state = state_of(call)
    if state == "upcoming":
        raise Conflict(
            f"征集 {call.opens_on} 开始，现在还不能发表意见", code="opinion_call_not_open"
        )
    if state != "open":
        raise Conflict("征集已截止，不能再发表意见", code="opinion_call_closed")
    existing = await OpinionComment.get_or_none(resident_id=resident_id, client_key=client_key)
    if existing is not None:
        return existing, False
    flagged = words.sensitive_hits(text, await words.list_words(WordList.SENSITIVE))
    try:
        row = await OpinionComment.create(
            call_id=call.id,
            resident_id=resident_id,
            client_key=client_key,
            text=text,
            flagged=",".join(flagged)[:255],
        )
    except IntegrityError:
        found = await OpinionComment.get_or_none(resident_id=resident_id, client_key=client_key)
        if found is None:
            raise
        return found, False
    return row, True


async def my_comments(*, resident_id: int, call_id: int) -> list[dict[str, Any]]:
    """The resident's own comments on a call, with whether they are shown."""
    await _published(call_id)
    rows = await OpinionComment.filter(call_id=call_id, resident_id=resident_id).order_by("-id")
    return [my_comment_view(c) for c in rows]


def label(c: OpinionComment) -> str:
    return {"pending": "审核中", "approved": "已公开", "hidden": "未公开"}[c.state.value]


async def _comment_for_staff(actor: Actor, comment_id: int) -> tuple[OpinionComment, OpinionCall]:
    row = await OpinionComment.get_or_none(id=comment_id)
    if row is None:
        raise NotFound("没有这条意见", code="comment_not_found")
    call = await get_for_staff(actor=actor, call_id=row.call_id)
    return row, call


async def moderate(*, actor: Actor, comment_id: int, approve: bool) -> OpinionComment:
    """Show (approve) or hide a comment."""
    row, call = await _comment_for_staff(actor, comment_id)
    state = CommentState.APPROVED if approve else CommentState.HIDDEN
    await OpinionComment.filter(id=row.id).update(
        state=state, moderated_by=actor.name, moderated_at=now()
    )
    await record(
        actor, "opinions.moderate", "opinion_comment", row.id, {"call": call.id, "to": state.value}
    )
    await row.refresh_from_db()
    return row


async def decide_adoption(
    *, actor: Actor, comment_id: int, adoption: Adoption, reason: str
) -> OpinionComment:
    """The department's decision on a shown comment, after the close."""
    row, call = await _comment_for_staff(actor, comment_id)
    if state_of(call) not in ("closed", "summarised"):
        raise Conflict("征集截止后才能填写采纳情况", code="opinion_call_open")
    if row.state != CommentState.APPROVED:
        raise Conflict("只有已公开的意见需要填写采纳情况", code="comment_not_shown")
    await OpinionComment.filter(id=row.id).update(adoption=adoption, adoption_reason=reason or None)
    await record(
        actor, "opinions.adoption", "opinion_comment", row.id, {"adoption": adoption.value}
    )
    await row.refresh_from_db()
    return row


async def publish_summary(*, actor: Actor, call_id: int, summary: str) -> OpinionCall:
    """Publish the adoption summary (采纳情况): after the close, every shown comment decided."""
    call = await get_for_staff(actor=actor, call_id=call_id)
    if state_of(call) in ("draft", "upcoming", "open"):
        raise Conflict("征集截止后才能公布采纳情况", code="opinion_call_open")
    undecided = await OpinionComment.filter(
        call_id=call.id, state=CommentState.APPROVED, adoption__isnull=True
    ).count()
    if undecided:
        raise Conflict(
            f"还有 {undecided} 条已公开的意见没有填写采纳情况", code="adoption_incomplete"
        )
    pending = await OpinionComment.filter(call_id=call.id, state=CommentState.PENDING).count()
    if pending:
        raise Conflict(f"还有 {pending} 条意见待审核", code="moderation_incomplete")
    await OpinionCall.filter(id=call.id).update(
        adoption_summary=summary, summary_published_at=now(), summary_published_by=actor.name
    )
    await record(actor, "opinions.summary", "opinion_call", call.id)
    await call.refresh_from_db()
    return call
