"""Articles attached to the shared review (gateway.review, 三审): what a reviewer signs, what
counts as approved, and the check at dispatch that what goes out is still what was approved."""

from __future__ import annotations

from typing import Any

from gateway import review
from gateway.auth.models import StaffUser
from gateway.clock import to_iso
from gateway.paging import page_answer
from gateway.review import ReviewRoutes
from push.models import Article, PushPlan
from push.service.articles import fields_hash, get_article, list_articles, publishable_fields
from push.service.common import StaffRef

KIND = "article"
review.register_kind(KIND, label="文章", levels=("初审", "复审", "终审"))


def reviewable(article: Article) -> review.Reviewable:
    fields = publishable_fields(article)
    return review.Reviewable(
        kind=KIND,
        object_id=article.id,
        version=article.version,
        content_hash=fields_hash(fields),
        author_id=article.created_by_id,
        snapshot=fields,
    )


async def load_for_review(article_id: int, staff: StaffUser) -> review.Reviewable:
    return reviewable(await get_article(article_id=article_id))


# POST /api/v1/admin/articles/{id}/submit and .../review, and the console's review panel.
reviews = ReviewRoutes(
    kind=KIND,
    path="/articles/<article_id:int>",
    load=load_for_review,
    submit_permission="push.write",
    review_permission="push.review",
    read_permission="push.read",
)


def review_actor(who: StaffRef) -> review.Actor:
    return review.Actor(id=who.id or 0, name=who.name, ip=who.ip)


async def on_edit(article: Article, who: StaffRef) -> None:
    """A saved change to what would be sent: the review starts again."""
    await review.on_edit(item=reviewable(article), actor=review_actor(who))


async def state(article: Article) -> dict[str, Any]:
    """The review of the article's current version, level by level (for answers and pages)."""
    current = await review.state(item=reviewable(article))
    return current.model_dump()


async def statuses(articles: list[Article]) -> dict[int, str]:
    """draft / in_review / rejected / approved per article (list pages)."""
    found = await review.statuses(
        kind=KIND,
        versions={a.id: (a.version, fields_hash(publishable_fields(a))) for a in articles},
    )
    return {int(k): v for k, v in found.items()}


def level_names() -> str:
    """The review levels in force for articles, as the refusals name them (初审、复审、终审)."""
    return "、".join(review.levels_for(KIND))


async def article_list(
    *, q: str | None, state: str | None, page: int, per_page: int
) -> dict[str, Any]:
    """A page of articles, most recently edited first, each with its review status."""
    ids = None
    if state:
        every, _ = await list_articles(q=q, page=1, per_page=100000)
        found = await statuses(every)
        ids = [a.id for a in every if found.get(a.id) == state]
    rows, total = await list_articles(q=q, page=page, per_page=per_page, ids=ids)
    found = await statuses(rows)
    items = [
        {
            "id": a.id,
            "title": a.title,
            "author": a.author,
            "version": a.version,
            "review": {"status": found.get(a.id, "draft")},
            "updated_at": to_iso(a.updated_at),
            "created_by": a.created_by_name,
        }
        for a in rows
    ]
    return page_answer(items, total=total, page=page, per_page=per_page)


async def approved_fields(article: Article) -> dict[str, Any] | None:
    """The article's current fields if exactly this version passed every level, else None."""
    fields = publishable_fields(article)
    approved = await review.is_approved(
        kind=KIND, object_id=article.id, version=article.version, content_hash=fields_hash(fields)
    )
    return fields if approved else None


async def still_approved(plan: PushPlan) -> str | None:
    """Why a plan's version may no longer go out (edited since, approval missing), or None."""
    article = await Article.get_or_none(id=plan.article_id)
    if article is None:
        return "文章已被删除，本次投递已停止"
    if article.version != plan.article_version:
        return (
            f"文章在排期后已修改（排期时为第 {plan.article_version} 版，"
            f"现为第 {article.version} 版），为保证"
            "发出的内容与审核通过的一致，本次投递已停止；新版本审核通过后请重新排期"
        )
    if not await review.is_approved(
        kind=KIND,
        object_id=plan.article_id,
        version=plan.article_version,
        content_hash=plan.content_hash,
    ):
        return "文章的这一版本没有完整通过审核，本次投递已停止"
    return None


async def queue_for(who: StaffRef) -> list[dict[str, Any]]:
    """Articles waiting for a level this reviewer may sign, oldest submission first."""
    pending = await review.pending_for(actor=review_actor(who), kind=KIND)
    ids = [int(p["object_id"]) for p in pending]
    titles = dict(await Article.filter(id__in=ids).values_list("id", "title")) if ids else {}
    return [
        {**p, "article_id": int(p["object_id"]), "title": titles.get(int(p["object_id"]), "")}
        for p in pending
        if int(p["object_id"]) in titles
    ]
