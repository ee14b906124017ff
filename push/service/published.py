"""Articles as residents read them in the mini-program: only what has gone out, exactly as it
went out (the approved snapshot of the plan that published it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.functions import Min

from gateway.clock import to_iso
from gateway.config import get_settings
from gateway.errors import NotFound
from push import content as body_rules
from push.models import Article, Delivery, DeliveryStatus, PushPlan
from push.service.articles import cover_url, linked_documents, linked_domains


def _absolute(path: str | None) -> str | None:
    if not path:
        return None
    return get_settings().public_base_url.rstrip("/") + path


async def _published_plans() -> dict[int, tuple[int, datetime]]:
    """article id → (its latest published plan id, when that article first went out)."""
    rows = (
        await Delivery.filter(status=DeliveryStatus.PUBLISHED)
        .group_by("plan_id")
        .annotate(first=Min("published_at"))
        .values("plan_id", "first")
    )
    firsts = {int(r["plan_id"]): r["first"] for r in rows}
    out: dict[int, tuple[int, datetime]] = {}
    if not firsts:
        return out
    plans = await PushPlan.filter(id__in=list(firsts)).order_by("id").values("id", "article_id")
    for plan in plans:
        article_id, plan_id = int(plan["article_id"]), int(plan["id"])
        first = firsts[plan_id]
        earlier = out.get(article_id)
        out[article_id] = (plan_id, min(first, earlier[1]) if earlier else first)
    return out


async def get_published(*, article_id: int) -> dict[str, Any]:
    """One article as it was published; 404 if it has not gone out."""
    found = (await _published_plans()).get(article_id) if 0 < article_id < 2**31 else None
    article = await Article.get_or_none(id=article_id) if found else None
    if found is None or article is None:
        raise NotFound("没有这篇文章，或文章尚未发布", code="article_not_found")
    plan = await PushPlan.get(id=found[0])
    snap = plan.snapshot
    base = get_settings().public_base_url
    return {
        "id": article.id,
        "title": snap["title"],
        "author": snap["author"],
        "digest": snap["digest"] or body_rules.plain_text(snap["content"], 54),
        "content": body_rules.absolute_images(snap["content"], base),
        "cover_url": _absolute(await cover_url(snap["cover_media_id"])),
        "published_at": to_iso(found[1]),
        "domains": await linked_domains(article),
        "documents": await linked_documents(article),
        "source_url": snap["source_url"],
    }


async def list_published(
    *, domain_id: int | None = None, page: int = 1, per_page: int = 20
) -> dict[str, Any]:
    """Published articles, newest first, optionally of one domain."""
    found = await _published_plans()
    articles = await Article.filter(id__in=list(found)) if found else []
    if domain_id is not None:
        articles = [a for a in articles if domain_id in (a.domain_ids or [])]
    articles.sort(key=lambda a: found[a.id][1], reverse=True)
    window = articles[(page - 1) * per_page : page * per_page]
    plans = {p.id: p for p in await PushPlan.filter(id__in=[found[a.id][0] for a in window])}
    items = []
    for article in window:
        snap = plans[found[article.id][0]].snapshot
        items.append(
            {
                "id": article.id,
                "title": snap["title"],
                "digest": snap["digest"] or body_rules.plain_text(snap["content"], 54),
                "cover_url": _absolute(await cover_url(snap["cover_media_id"])),
                "published_at": to_iso(found[article.id][1]),
            }
        )
    return {"items": items, "total": len(articles), "page": page, "per_page": per_page}
