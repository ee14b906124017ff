"""Publishing answered questions as public Q&A (常见问答), masked and checked by staff.

Only questions the resident did not mark private are published. The question and answer are
masked automatically (names, phones, ID numbers, addresses), shown to staff who may edit
them, and masked again on publishing whatever staff sent, so no edit can put a phone or an
ID number back. Published Q&A is indexed in the catalogue's search (kind "qa").
"""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from gateway.clock import now, to_iso
from gateway.errors import Conflict, NotFound
from mini_program.catalogue import search
from mini_program.catalogue import text as catalogue_text
from mini_program.consultations.masking import leaks, mask_personal_data
from mini_program.consultations.models import Consultation, QaEntry, Status
from mini_program.consultations.service.audit import record
from mini_program.consultations.service.common import Actor, Names, names
from mini_program.consultations.service.queue import get_for_staff

QA_KIND = "qa"


async def _present_hits(ids: list[int], words: list[str]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for entry in await QaEntry.filter(id__in=ids):
        out[entry.id] = {
            "type": QA_KIND,
            "id": entry.id,
            "title": catalogue_text.highlight(entry.question, words, width=60),
            "snippet": catalogue_text.highlight(entry.answer, words, width=80),
            "domain_ids": [entry.domain_id] if entry.domain_id else [],
            "doc_no": None,
        }
    return out


search.register_kind(QA_KIND, public=True, presenter=_present_hits)


def _known_names(row: Consultation) -> list[str]:
    return [row.contact_name] if row.contact_name else []


def _mask(text: str, row: Consultation) -> tuple[str, list[dict[str, str]]]:
    masked, findings = mask_personal_data(text, known_names=_known_names(row))
    shown = [
        {"kind": f.kind, "text": text[f.start : f.end], "replacement": f.replacement}
        for f in findings
    ]
    return masked, shown


async def _publishable(actor: Actor, consultation_id: int) -> Consultation:
    row = await get_for_staff(actor=actor, consultation_id=consultation_id)
    if row.private:
        raise Conflict("居民选择了不公开，不能发布为常见问答", code="private_consultation")
    if row.status != Status.ANSWERED or not row.answer_text:
        raise Conflict("答复后才能发布", code="not_answered")
    return row


async def preview(*, actor: Actor, consultation_id: int) -> dict[str, Any]:
    """The question and answer as they would be published, and what was masked."""
    row = await get_for_staff(actor=actor, consultation_id=consultation_id)
    qa = await QaEntry.get_or_none(consultation_id=row.id)
    question, found_q = _mask(qa.question if qa else row.text, row)
    answer, found_a = _mask(qa.answer if qa else row.answer_text or "", row)
    return {
        "question": question,
        "answer": answer,
        "findings": found_q + found_a,
        "private": row.private,
    }


async def publish(
    *, actor: Actor, consultation_id: int, question: str | None, answer: str | None
) -> QaEntry:
    """Publish (or republish with staff's edits) a question and its answer as public Q&A."""
    row = await _publishable(actor, consultation_id)
    masked_q, _ = _mask(question if question is not None else row.text, row)
    masked_a, _ = _mask(answer if answer is not None else row.answer_text or "", row)
    left = leaks(masked_q) + leaks(masked_a)
    if left:  # the masking above should leave none; never publish if it did
        raise Conflict("内容中仍有电话或证件号码，请删除后再发布", code="personal_data_left")
    async with in_transaction():
        entry, created = await QaEntry.update_or_create(
            consultation_id=row.id,
            defaults={
                "domain_id": row.domain_id,
                "department_code": row.department_code,
                "question": masked_q,
                "answer": masked_a,
                "published_by": actor.name,
                "published_at": now(),
            },
        )
        await Consultation.filter(id=row.id).update(published=True)
        await record(
            actor,
            "consultations.publish",
            "consultation",
            row.id,
            {"qa_id": entry.id, "republished": not created},
        )
    await search.index_entries(
        QA_KIND,
        [(entry.id, [entry.domain_id] if entry.domain_id else [], entry.question, entry.answer)],
    )
    return entry


async def unpublish(*, actor: Actor, consultation_id: int) -> None:
    """Take a published Q&A down."""
    row = await get_for_staff(actor=actor, consultation_id=consultation_id)
    entry = await QaEntry.get_or_none(consultation_id=row.id)
    if entry is None:
        raise NotFound("该咨询没有发布", code="not_published")
    async with in_transaction():
        await entry.delete()
        await Consultation.filter(id=row.id).update(published=False)
        await record(actor, "consultations.unpublish", "consultation", row.id, {"qa_id": entry.id})
    await search.remove(QA_KIND, [entry.id])


def qa_view(entry: QaEntry, n: Names) -> dict[str, Any]:
    return {
        "id": entry.id,
        "domain": n.domain(entry.domain_id),
        "department": n.department(entry.department_code),
        "question": entry.question,
        "answer": entry.answer,
        "published_at": to_iso(entry.published_at),
    }


async def list_qa(
    *, domain_id: int | None, q: str | None, page: int, per_page: int
) -> dict[str, Any]:
    """常见问答: published Q&A of a domain (0: 其他), newest first, or the search's best."""
    n = await names()
    if q and q.strip():
        hits = await search.ranked_refs(
            q=q, kinds=(QA_KIND,), domain_id=domain_id or None, limit=500
        )
        ids = [ref for _, ref in hits]
        if domain_id == 0:
            others = await _other_ids(ids)
            ids = [e for e in ids if e in others]
        total = len(ids)
        page_ids = ids[(page - 1) * per_page : page * per_page]
        found = {e.id: e for e in await QaEntry.filter(id__in=page_ids)}
        rows = [found[i] for i in page_ids if i in found]
    else:
        query = QaEntry.all()
        if domain_id is not None:
            query = (
                query.filter(domain_id=domain_id)
                if domain_id
                else query.filter(domain_id__isnull=True)
            )
        total = await query.count()
        rows = list(
            await query.order_by("-published_at", "-id")
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    return {
        "items": [qa_view(e, n) for e in rows],
        "total": total,
        "page": page,
        "per_page": per_page,
    }


async def _other_ids(ids: list[int]) -> set[int]:
    rows = await QaEntry.filter(id__in=ids, domain_id__isnull=True).values_list("id", flat=True)
    return {int(str(i)) for i in rows}


async def get_qa(*, qa_id: int) -> dict[str, Any]:
    entry = await QaEntry.get_or_none(id=qa_id)
    if entry is None:
        raise NotFound("没有这条问答", code="qa_not_found")
    return qa_view(entry, await names())
