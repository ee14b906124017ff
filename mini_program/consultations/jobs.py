"""Background work of the consultation queue: messages to followers, re-segmentation, cleanup."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from gateway.clock import now
from gateway.config import get_settings
from gateway.errors import ApiError, Conflict
from gateway.jobs import PermanentError, job, periodic, set_progress
from matrix import service as matrix
from mini_program.consultations import photos, words
from mini_program.consultations.models import Consultation, ConsultationPhoto, Delivery
from mini_program.consultations.service.common import Actor, names
from mini_program.consultations.service.common import excerpt as shorten

# A customer-service text is short; the full answer is one tap away on the answer page.
FOLLOWER_ANSWER_CHARS = 400
RETOKENIZE_BATCH = 500
UNCLAIMED_PHOTO_HOURS = 24


def answer_page(row: Consultation) -> str:
    """Where a follower or a hall visitor reads the answer (no login; an unguessable link)."""
    return f"{get_settings().public_base_url.rstrip('/')}/consultations/r/{row.public_token}"


async def _ack_text(row: Consultation) -> str:
    n = await names()
    department = n.department(row.department_code)
    who = department["name"] if department else "相关部门"
    return (
        f"您的留言已登记为咨询，编号 {row.reference}，将由{who}在 {row.due_date:%m月%d日} 前答复。"
        f"答复会通过本公众号发给您；超过 48 小时无法送达时，请打开此链接查看办理进度和答复："
        f"{answer_page(row)}"
    )


def _answer_text(row: Consultation) -> str:
    body = shorten(row.answer_text or "", FOLLOWER_ANSWER_CHARS)
    return f"您咨询的问题（编号 {row.reference}）已答复：\n{body}\n完整答复：{answer_page(row)}"


async def _send_ack(row: Consultation, actor: list[Any]) -> Delivery:
    message_id = int(row.inbox_message_id or 0)
    text = await _ack_text(row)
    staff = Actor(id=actor[0] if actor else None, name=str(actor[1]) if actor else "system")
    try:
        # Through the inbox's own reply, so the inbox shows the message answered and linked.
        await matrix.reply_message(message_id=message_id, text=text, actor=staff)
    except Conflict as exc:
        if exc.code == "already_replied":
            return Delivery(await matrix.message_follower(message_id=message_id, text=text))
        if exc.code == "reply_window_closed":
            return Delivery.WINDOW_CLOSED
        raise PermanentError(exc.message) from exc
    return Delivery.SENT


@job("consultations.deliver")
async def deliver(payload: dict[str, Any]) -> dict[str, Any]:
    """Tell the follower behind a converted message: the acknowledgement, then the answer."""
    row = await Consultation.get_or_none(id=int(payload["consultation_id"]))
    if row is None or row.inbox_message_id is None:
        return {"skipped": "no follower message"}
    what = str(payload.get("what"))
    field = "ack_delivery" if what == "ack" else "answer_delivery"
    try:
        if what == "ack":
            outcome = await _send_ack(row, list(payload.get("actor") or []))
        else:
            outcome = Delivery(
                await matrix.message_follower(
                    message_id=row.inbox_message_id, text=_answer_text(row)
                )
            )
    except (ApiError, PermanentError):
        await Consultation.filter(id=row.id).update(**{field: Delivery.FAILED})
        raise
    await Consultation.filter(id=row.id).update(**{field: outcome})
    return {what: outcome.value}


def _segment(texts: list[str]) -> list[str]:
    return [words.tokens_of(t) for t in texts]


@job("consultations.retokenize", timeout=3600)
async def retokenize(payload: dict[str, Any]) -> dict[str, Any]:
    """Segment stored questions again after the county dictionary changed."""
    version = await words.refresh_dictionary(force=True)
    stale = Consultation.filter(tokens_version__not=version)
    total = await stale.count()
    done = 0
    while True:
        rows = await stale.order_by("id").limit(RETOKENIZE_BATCH).only("id", "text")
        if not rows:
            break
        tokens = await asyncio.to_thread(_segment, [r.text for r in rows])
        for row, segmented in zip(rows, tokens, strict=True):
            row.tokens, row.tokens_version = segmented, version
        await Consultation.bulk_update(rows, fields=["tokens", "tokens_version"], batch_size=200)
        done += len(rows)
        await set_progress(None, done * 100 // max(1, total), f"{done}/{total}")
        if await words.dictionary_version() != version:
            break  # a newer edit's job takes over with the newer dictionary
    return {"retokenized": done, "version": version}


@periodic("consultations.prune_photos", 3600)
async def prune_photos(payload: dict[str, Any]) -> dict[str, Any]:
    """Photos uploaded but never attached to a question are deleted after a day."""
    cutoff = now() - timedelta(hours=UNCLAIMED_PHOTO_HOURS)
    rows = await ConsultationPhoto.filter(consultation_id__isnull=True, created_at__lt=cutoff)
    for row in rows:
        photos.remove(row.path)
    await ConsultationPhoto.filter(id__in=[r.id for r in rows]).delete()
    return {"deleted": len(rows)}
