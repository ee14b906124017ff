"""What a resident does with their own questions: read them, their photos, rate the answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gateway.clock import now
from gateway.errors import Conflict, NotFound
from mini_program.consultations import photos
from mini_program.consultations.models import (
    OPEN_STATUSES,
    Consultation,
    ConsultationPhoto,
    Rating,
    Status,
)
from mini_program.consultations.service.common import (
    names,
    photo_link_valid,
    photos_of,
    resident_view,
    today,
)


async def get_mine(*, resident_id: int, consultation_id: int) -> Consultation:
    """One of the resident's own questions; anyone else's is a 404, like one that is not."""
    row = await Consultation.get_or_none(id=consultation_id, resident_id=resident_id)
    if row is None:
        raise NotFound("没有这个咨询", code="consultation_not_found")
    return row


async def view(row: Consultation) -> dict[str, Any]:
    photos = (await photos_of([row.id])).get(row.id, [])
    return resident_view(row, await names(), photos)


async def list_mine(*, resident_id: int, page: int, per_page: int) -> dict[str, Any]:
    """我的咨询: newest first, each with its state and answer."""
    query = Consultation.filter(resident_id=resident_id)
    total = await query.count()
    rows = await query.order_by("-received_at", "-id").offset((page - 1) * per_page).limit(per_page)
    pictures = await photos_of([r.id for r in rows])
    n = await names()
    on = today()
    return {
        "items": [resident_view(r, n, pictures.get(r.id, []), on) for r in rows],
        "total": total,
        "page": page,
        "per_page": per_page,
    }


async def rate(
    *, resident_id: int, consultation_id: int, rating: Rating, comment: str
) -> Consultation:
    """满意 / 基本满意 / 不满意 with an optional comment; once, after the answer."""
    row = await get_mine(resident_id=resident_id, consultation_id=consultation_id)
    if row.status in OPEN_STATUSES:
        raise Conflict("答复后才能评价", code="not_answered")
    # Conditional: a double tap rates once.
    updated = await Consultation.filter(
        id=row.id, status=Status.ANSWERED, rating__isnull=True
    ).update(rating=rating, rating_comment=comment or None, rated_at=now())
    if not updated:
        raise Conflict("您已评价过这次答复", code="already_rated")
    await row.refresh_from_db()
    return row


async def photo_path(*, token: str, expires: int, signature: str) -> Path:
    """The file behind a signed photo link (404 when the link is wrong or expired)."""
    if not photo_link_valid(token, expires, signature):
        raise NotFound("链接已失效", code="photo_not_found")
    photo = await ConsultationPhoto.get_or_none(token=token)
    if photo is None or (photo.consultation_id is None and photo.resident_id is None):
        raise NotFound("没有这张照片", code="photo_not_found")
    path = photos.path_of(photo.path)
    if not path.is_file():
        raise NotFound("没有这张照片", code="photo_not_found")
    return path
