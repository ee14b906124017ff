"""The county pronunciation list: admins edit it, synthesis applies it.

Each process keeps the compiled list for a few seconds (synthesis and the residents' "listen"
apply it to every text); its own edits drop the copy at once, other processes see them
within PRONUNCIATION_TTL seconds.
"""

from __future__ import annotations

import time
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from broadcast.models import Pronunciation
from broadcast.service.common import Actor
from broadcast.speakable.pronounce import Matcher, apply, compile_list
from gateway import audit
from gateway.clock import to_iso
from gateway.errors import Conflict, NotFound
from gateway.paging import fetch_page

PRONUNCIATION_TTL = 5.0
_cache: tuple[float, Matcher] | None = None


def to_dict(row: Pronunciation) -> dict[str, Any]:
    return {
        "id": row.id,
        "term": row.term,
        "reading": row.reading,
        "note": row.note,
        "updated_by": row.updated_by,
        "updated_at": to_iso(row.updated_at),
    }


async def list_pronunciations(
    *, q: str | None = None, page: int = 1, per_page: int = 100
) -> tuple[list[Pronunciation], int]:
    """One page of the list by term, and how many entries match; `q` filters by term."""
    query = Pronunciation.all()
    if q:
        query = query.filter(term__contains=q)
    return await fetch_page(query.order_by("term"), page=page, per_page=per_page)


async def get_pronunciation(*, entry_id: int) -> Pronunciation:
    row = await Pronunciation.get_or_none(id=entry_id)
    if row is None:
        raise NotFound("没有这个读音词条", code="pronunciation_not_found")
    return row


def _forget() -> None:
    global _cache
    _cache = None


async def create_pronunciation(
    *, term: str, reading: str, note: str = "", actor: Actor
) -> Pronunciation:
    """Add a term and its reading (a term is listed once)."""
    try:
        async with in_transaction():
            row = await Pronunciation.create(
                term=term, reading=reading, note=note, updated_by=actor.name
            )
    except IntegrityError as exc:
        raise Conflict(
            "该词条已在读音表中", code="pronunciation_exists", fields={"term": "该词条已存在"}
        ) from exc
    _forget()
    await _audit(actor, "broadcast.pronunciation.create", row)
    return row


async def update_pronunciation(
    *, entry_id: int, reading: str | None = None, note: str | None = None, actor: Actor
) -> Pronunciation:
    """Change a term's reading and/or note (what is None stays as it is)."""
    row = await get_pronunciation(entry_id=entry_id)
    values: dict[str, Any] = {"updated_by": actor.name}
    if reading is not None:
        values["reading"] = reading
    if note is not None:
        values["note"] = note
    await Pronunciation.filter(id=row.id).update(**values)
    _forget()
    row = await get_pronunciation(entry_id=entry_id)
    await _audit(actor, "broadcast.pronunciation.update", row)
    return row


async def delete_pronunciation(*, entry_id: int, actor: Actor) -> None:
    row = await get_pronunciation(entry_id=entry_id)
    await Pronunciation.filter(id=row.id).delete()
    _forget()
    await _audit(actor, "broadcast.pronunciation.delete", row)


async def _audit(actor: Actor, action: str, row: Pronunciation) -> None:
    await audit.record(
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        target_type="broadcast_pronunciation",
        target_id=row.id,
        detail={"term": row.term, "reading": row.reading},
        ip=actor.ip,
    )


async def matcher() -> Matcher:
    """The compiled list, reloaded at most every PRONUNCIATION_TTL seconds."""
    global _cache
    now = time.monotonic()
    if _cache is not None and now - _cache[0] < PRONUNCIATION_TTL:
        return _cache[1]
    rows = await Pronunciation.all().values_list("term", "reading")
    compiled = compile_list((str(t), str(r)) for t, r in rows)
    _cache = (now, compiled)
    return compiled


async def engine_text(spoken_text: str) -> str:
    """The spoken text as the engine gets it: every listed term replaced by its reading."""
    pattern, table = await matcher()
    return apply(spoken_text, pattern, table)
