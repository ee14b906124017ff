"""What the consultation services share: names of domains and departments, deadlines, shapes."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from gateway import org
from gateway.clock import local_date, now, to_iso
from gateway.config import get_settings
from gateway.workdays import workdays_between
from matrix.service import Actor
from mini_program.catalogue import service as catalogue
from mini_program.consultations.config import get_consultation_settings
from mini_program.consultations.models import (
    CHANNEL_LABELS,
    KIND_LABELS,
    OPEN_STATUSES,
    RATING_LABELS,
    STATUS_LABELS,
    Consultation,
    ConsultationPhoto,
    Rating,
    Status,
)

__all__ = ["Actor", "Names", "deadline", "names", "today"]

OTHER = "其他"
NAMES_TTL = 60.0


class Names:
    """Catalogue domain names by id and department names by code, refreshed every minute."""

    def __init__(self) -> None:
        self.domains: dict[int, str] = {}
        self.departments: dict[str, str] = {}
        self.loaded_at = -NAMES_TTL

    async def refresh(self) -> Names:
        if time.monotonic() - self.loaded_at < NAMES_TTL:
            return self
        self.domains = {int(d["id"]): str(d["name"]) for d in await catalogue.list_domains()}
        self.departments = {d.code: d.name for d in await org.list_departments()}
        self.loaded_at = time.monotonic()
        return self

    def domain(self, domain_id: int | None) -> dict[str, Any]:
        if not domain_id:
            return {"id": None, "name": OTHER}
        return {"id": domain_id, "name": self.domains.get(domain_id, OTHER)}

    def department(self, code: str | None) -> dict[str, str] | None:
        if not code:
            return None
        return {"code": code, "name": self.departments.get(code, code)}


_names = Names()


async def names() -> Names:
    return await _names.refresh()


def forget_names() -> None:
    """Drop the cached names (after the organisation or the catalogue changed)."""
    _names.loaded_at = -NAMES_TTL


@lru_cache(maxsize=8192)
def _workdays(a: date, b: date) -> int:
    # A page of long-overdue questions would otherwise count each day of a year, row by row.
    # Keyed by both dates, so a new day (and with it a reloaded calendar) uses fresh entries.
    return workdays_between(a, b)


def today() -> date:
    return local_date(now())


def deadline(row: Consultation, on: date | None = None) -> dict[str, Any]:
    """Due date, working days left (negative: overdue by) and a label to show."""
    on = on or today()
    due = row.due_date
    if row.status not in OPEN_STATUSES:
        used = row.answer_workdays
        late = row.on_time is False
        label = "已答复" + (f"，用时 {used} 个工作日" if used is not None else "")
        return {
            "due_date": due.isoformat(),
            "workdays_left": None,
            "overdue": False,
            "label": label + ("（超期）" if late else ""),
        }
    if on > due:
        late_by = max(1, _workdays(due, on))
        return {
            "due_date": due.isoformat(),
            "workdays_left": -late_by,
            "overdue": True,
            "label": f"已超期 {late_by} 个工作日",
        }
    left = _workdays(on, due)
    return {
        "due_date": due.isoformat(),
        "workdays_left": left,
        "overdue": False,
        "label": "今天到期" if left == 0 else f"剩余 {left} 个工作日",
    }


def photo_url(token: str, *, expires: int | None = None) -> str:
    """A signed, expiring link to a photo (images load without the resident's token)."""
    expires = expires or int(time.time()) + get_consultation_settings().photo_link_seconds
    query = urlencode({"expires": expires, "sig": photo_signature(token, expires)})
    return f"/consultations/photos/{token}?{query}"


def photo_signature(token: str, expires: int) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"photo:{token}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]


def photo_link_valid(token: str, expires: int, signature: str) -> bool:
    if expires < time.time():
        return False
    return hmac.compare_digest(photo_signature(token, expires), signature)


async def photos_of(consultation_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    rows = await ConsultationPhoto.filter(consultation_id__in=consultation_ids).order_by(
        "position", "id"
    )
    for p in rows:
        out.setdefault(int(p.consultation_id or 0), []).append(
            {"id": p.token, "url": photo_url(p.token), "width": p.width, "height": p.height}
        )
    return out


def rating_of(row: Consultation) -> dict[str, Any] | None:
    if row.rating is None:
        return None
    rating = Rating(row.rating)
    return {
        "value": rating.value,
        "label": RATING_LABELS[rating],
        "comment": row.rating_comment or "",
        "rated_at": to_iso(row.rated_at),
    }


def _head(row: Consultation, n: Names) -> dict[str, Any]:
    """What every view of a question starts with: who, which channel, kind, state, topic."""
    return {
        "id": row.id,
        "reference": row.reference or "",
        "channel": row.channel.value,
        "channel_label": CHANNEL_LABELS[row.channel],
        "kind": row.kind.value,
        "kind_label": KIND_LABELS[row.kind],
        "status": row.status.value,
        "status_label": STATUS_LABELS[row.status],
        "domain": n.domain(row.domain_id),
    }


def resident_view(
    row: Consultation, n: Names, photos: list[dict[str, Any]], on: date | None = None
) -> dict[str, Any]:
    """A consultation as the resident who asked it sees it."""
    answered = row.status == Status.ANSWERED
    return {
        **_head(row, n),
        "text": row.text,
        "photos": photos,
        "phone_masked": row.phone_masked,
        "private": row.private,
        "received_at": to_iso(row.received_at),
        "deadline": deadline(row, on),
        "answer": {
            "text": row.answer_text or "",
            "answered_at": to_iso(row.answered_at),
            "department": n.department(row.department_code),
            "workdays": row.answer_workdays,
            "on_time": row.on_time,
        }
        if answered
        else None,
        "rating": rating_of(row),
        "can_rate": answered and row.rating is None,
        "published": row.published,
    }


def excerpt(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def staff_item(row: Consultation, n: Names, on: date | None = None) -> dict[str, Any]:
    """One row of the queue."""
    return {
        **_head(row, n),
        "department": n.department(row.department_code),
        "excerpt": excerpt(row.text),
        "received_at": to_iso(row.received_at),
        "deadline": deadline(row, on),
        "rating": RATING_LABELS[Rating(row.rating)] if row.rating else None,
        "published": row.published,
        "private": row.private,
    }
