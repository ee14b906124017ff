"""Residents' notifications: follows, subscribe-message grants, and notify() for other domains.

    from mini_program.notify import service as notify

    await notify.notify(
        purpose="article_published",
        object_key=f"article:{article.id}",
        domain_ids=article.domain_ids,                       # or resident_ids=[...]
        data={"title": article.title, "department": "县教育局", "time": published_at},
        page=f"pages/article/index?id={article.id}",
    )

notify() writes a campaign and its fan-out job in the caller's transaction and returns at once;
workers send (mini_program/notify/fanout.py). See the package docstring for the rules.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from gateway.errors import Invalid
from gateway.jobs import enqueue
from mini_program.catalogue import service as catalogue
from mini_program.notify import fields
from mini_program.notify.models import (
    Answer,
    Campaign,
    Follow,
    Grant,
    GrantAnswer,
    GrantState,
    Message,
    MessageState,
)
from mini_program.notify.purposes import Purpose, by_template, get_purpose, purposes

# A resident cannot pile up more unused grants than this per template (each costs a send).
MAX_UNUSED_GRANTS = 50
OBJECT_KEY = re.compile(r"^[\w.:\-/]{1,128}$", re.ASCII)
# WeChat's page rule: a registered page path, optionally with a query string.
PAGE = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*(\?[A-Za-z0-9_\-=&%.,~!*]*)?$")


# --- templates and grants ------------------------------------------------------------------


def templates() -> list[dict[str, str]]:
    """The templates the mini-program asks residents for, one per purpose."""
    return [
        {"purpose": p.code, "label": p.label, "title": p.title, "template_id": p.template_id}
        for p in purposes().values()
    ]


async def outstanding(*, resident_id: int) -> dict[str, int]:
    """Unused one-time grants of a resident, per purpose (zero for every purpose without)."""
    rows = (
        await Grant.filter(resident_id=resident_id, state=GrantState.UNUSED)
        .annotate(n=Count("id"))
        .group_by("purpose")
        .values_list("purpose", "n")
    )
    counts = dict.fromkeys(purposes(), 0)
    counts.update({purpose: n for purpose, n in rows if purpose in counts})
    return counts


async def record_grants(*, resident_id: int, answers: Mapping[str, str]) -> dict[str, Any]:
    """Record WeChat's answers to wx.requestSubscribeMessage: each accept is one grant."""
    recorded: list[dict[str, Any]] = []
    async with in_transaction():
        for template_id, result in answers.items():
            purpose = by_template(template_id)
            if purpose is None:
                raise Invalid(fields={template_id: "未知的订阅消息模板"})
            answer = Answer(result)
            await GrantAnswer.create(
                resident_id=resident_id,
                template_id=template_id,
                purpose=purpose.code,
                answer=answer,
            )
            granted = answer == Answer.ACCEPT and (
                await Grant.filter(
                    resident_id=resident_id, template_id=template_id, state=GrantState.UNUSED
                ).count()
                < MAX_UNUSED_GRANTS
            )
            if granted:
                await Grant.create(
                    resident_id=resident_id, template_id=template_id, purpose=purpose.code
                )
            recorded.append(
                {
                    "template_id": template_id,
                    "purpose": purpose.code,
                    "result": answer.value,
                    "granted": granted,
                }
            )
    return {"recorded": recorded, "grants": await outstanding(resident_id=resident_id)}


# --- follows -------------------------------------------------------------------------------


async def _domain_names() -> dict[int, str]:
    return {int(d["id"]): str(d["name"]) for d in await catalogue.list_domains()}


async def get_follows(*, resident_id: int) -> dict[str, Any]:
    """The catalogue domains a resident follows."""
    rows: list[int] = await Follow.filter(resident_id=resident_id).values_list(
        "domain_id", flat=True
    )  # type: ignore[assignment]  # flat values_list is a list of the column's values
    ids = sorted(rows)
    names = await _domain_names() if ids else {}
    domains = [{"id": i, "name": names[i]} for i in ids if i in names]
    return {"domain_ids": [d["id"] for d in domains], "domains": domains}


async def set_follows(*, resident_id: int, domain_ids: Iterable[int]) -> dict[str, Any]:
    """Replace the domains a resident follows; unknown domain ids are field errors."""
    wanted = sorted(set(domain_ids))
    names = await _domain_names()
    unknown = [i for i in wanted if i not in names]
    if unknown:
        raise Invalid(
            "有不存在的公开领域",
            fields={"domain_ids": "没有这些领域：" + "、".join(str(i) for i in unknown)},
        )
    async with in_transaction():
        await Follow.filter(resident_id=resident_id).exclude(domain_id__in=wanted).delete()
        have = set(await Follow.filter(resident_id=resident_id).values_list("domain_id", flat=True))
        new = [Follow(resident_id=resident_id, domain_id=i) for i in wanted if i not in have]
        if new:
            await Follow.bulk_create(new, ignore_conflicts=True)
    return await get_follows(resident_id=resident_id)


async def follower_count(*, domain_ids: Iterable[int]) -> int:
    """How many residents follow at least one of these domains (e.g. "reaches N residents")."""
    ids = list(set(domain_ids))
    if not ids:
        return 0
    rows = await Follow.filter(domain_id__in=ids).distinct().values_list("resident_id", flat=True)
    return len(rows)


# --- sending -------------------------------------------------------------------------------


def _target(
    resident_ids: Iterable[int] | None, domain_ids: Iterable[int] | None
) -> dict[str, list[int]]:
    if (resident_ids is None) == (domain_ids is None):
        raise ValueError("notify() takes resident_ids or domain_ids, exactly one of them")
    if resident_ids is not None:
        return {"resident_ids": sorted({int(i) for i in resident_ids})}
    return {"domain_ids": sorted({int(i) for i in domain_ids or ()})}


def _checked_page(purpose: Purpose, page: str | None) -> str:
    page = (page or purpose.page).lstrip("/")
    if len(page) > 512 or not PAGE.match(page):
        raise ValueError(f"not a mini-program page WeChat accepts: {page!r}")
    return page


async def notify(
    *,
    purpose: str,
    object_key: str,
    data: Mapping[str, Any],
    page: str | None = None,
    resident_ids: Iterable[int] | None = None,
    domain_ids: Iterable[int] | None = None,
) -> dict[str, Any]:
    """Queue one subscribe message per resident about one object; returns at once.

    Targets are `resident_ids`, or `domain_ids` (every resident following one of them). Only
    residents holding an unused grant for the purpose's template get a message, each at most
    once per (purpose, object_key) whatever the number of calls. Call it inside the
    transaction that saves the state it announces: the job commits or rolls back with it.
    Returns {"campaign_id", "created"}; the same call again returns the first campaign.
    Programming mistakes (unknown purpose or field, bad page, bad value) raise ValueError.
    """
    spec = get_purpose(purpose)
    if not OBJECT_KEY.match(object_key):
        raise ValueError(f"object_key must be 1–128 of [A-Za-z0-9_.:-/]: {object_key!r}")
    target = _target(resident_ids, domain_ids)
    rendered = fields.render(spec, data)
    page_path = _checked_page(spec, page)
    key = hashlib.sha256(
        json.dumps([purpose, object_key, target], sort_keys=True).encode()
    ).hexdigest()
    existing = await Campaign.get_or_none(key=key)
    if existing is not None:
        return {"campaign_id": existing.id, "created": False}
    try:
        async with in_transaction():
            campaign = await Campaign.create(
                purpose=purpose,
                object_key=object_key,
                template_id=spec.template_id,
                page=page_path,
                data=rendered,
                target=target,
                key=key,
            )
            await enqueue(
                "notify.fan_out", {"campaign_id": campaign.id}, key=f"notify.fan_out:{campaign.id}"
            )
    except IntegrityError:
        found = await Campaign.get_or_none(key=key)
        if found is None:
            raise
        return {"campaign_id": found.id, "created": False}
    return {"campaign_id": campaign.id, "created": True}


def _state_counts(rows: Iterable[tuple[str, int]]) -> dict[str, int]:
    counts = {str(s): 0 for s in MessageState}
    for state, n in rows:
        counts[str(state)] += n
    return counts


async def campaign_status(*, campaign_id: int) -> dict[str, Any] | None:
    """A campaign's progress: state, recipients, and messages by outcome."""
    campaign = await Campaign.get_or_none(id=campaign_id)
    if campaign is None:
        return None
    rows = (
        await Message.filter(campaign_id=campaign_id)
        .annotate(n=Count("id"))
        .group_by("state")
        .values_list("state", "n")
    )
    return {
        "campaign_id": campaign.id,
        "purpose": campaign.purpose,
        "object_key": campaign.object_key,
        "state": str(campaign.state),
        "recipients": campaign.recipients,
        "counts": _state_counts(rows),
    }


async def object_counts(*, purpose: str, object_key: str) -> dict[str, int]:
    """Messages about one object by outcome (sent, refused, ...), over all its campaigns."""
    rows = (
        await Message.filter(purpose=purpose, object_key=object_key)
        .annotate(n=Count("id"))
        .group_by("state")
        .values_list("state", "n")
    )
    return _state_counts(rows)


async def statistics() -> list[dict[str, Any]]:
    """Per purpose: messages by outcome, grants outstanding, residents' answers."""
    sent = (
        await Message.annotate(n=Count("id"))
        .group_by("purpose", "state")
        .values_list("purpose", "state", "n")
    )
    grants = (
        await Grant.filter(state=GrantState.UNUSED)
        .annotate(n=Count("id"))
        .group_by("purpose")
        .values_list("purpose", "n")
    )
    answers = (
        await GrantAnswer.annotate(n=Count("id"))
        .group_by("purpose", "answer")
        .values_list("purpose", "answer", "n")
    )
    out = []
    outstanding_by = dict(grants)
    for code, spec in purposes().items():
        counts = _state_counts((s, n) for p, s, n in sent if p == code)
        out.append(
            {
                "purpose": code,
                "label": spec.label,
                "template_id": spec.template_id,
                "fields": spec.fields,
                "messages": counts,
                "grants_outstanding": outstanding_by.get(code, 0),
                "answers": {
                    str(a): sum(n for p, ans, n in answers if p == code and ans == a)
                    for a in Answer
                },
            }
        )
    return out


async def refusals_by_errcode() -> list[dict[str, Any]]:
    """Refused and failed messages by purpose and WeChat errcode (the console's list)."""
    rows = (
        await Message.filter(state__in=[MessageState.REFUSED, MessageState.FAILED])
        .annotate(n=Count("id"))
        .group_by("purpose", "errcode")
        .values_list("purpose", "errcode", "n")
    )
    labels = {code: p.label for code, p in purposes().items()}
    return [
        {"purpose": p, "label": labels.get(p, p), "errcode": e, "error": "", "count": n}
        for p, e, n in sorted(rows, key=lambda r: (r[0], r[1] or 0))
    ]
