"""Residents who follow an article's domains hear about it once, when its plan first goes out
(mini_program.notify: one subscribe message per resident holding a grant, never twice for
one article, opening the article's page in the mini-program)."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from gateway.clock import now as clock_now
from mini_program.notify import service as notify
from push import content as body_rules
from push.models import Article, Delivery, PushPlan

PURPOSE = "article_published"


def article_page(article_id: int) -> str:
    return f"pages/article/index?id={article_id}"


async def on_published(delivery: Delivery) -> None:
    """After a delivery is published: the plan's follower notification, once per plan (and,
    through the notification's own key, once per resident and article)."""
    plan_id = delivery.plan_id  # type: ignore[attr-defined]
    wanted = PushPlan.filter(id=plan_id, notify_followers=True, notified_at__isnull=True)
    if not await wanted.exists():
        return  # a read first: most plans notify no one, and a write would take the lock
    async with in_transaction():
        now = clock_now()
        taken = await PushPlan.filter(
            id=plan_id, notify_followers=True, notified_at__isnull=True
        ).update(notified_at=now)
        if not taken:
            return
        plan = await PushPlan.get(id=plan_id)
        article = await Article.get_or_none(id=plan.article_id)
        domain_ids = list(article.domain_ids or []) if article else []
        if not domain_ids:
            return  # an article without domains has no followers to tell
        snap = plan.snapshot
        started = await notify.notify(
            purpose=PURPOSE,
            object_key=f"article:{plan.article_id}",
            domain_ids=domain_ids,
            data={
                "title": snap["title"],
                "department": delivery.account_name,
                "time": delivery.published_at or now,
                "note": snap["digest"] or body_rules.plain_text(snap["content"], 40),
            },
            page=article_page(plan.article_id),
        )
        await PushPlan.filter(id=plan_id).update(notify_campaign_id=started["campaign_id"])


async def notification_of(plan: PushPlan) -> dict[str, Any] | None:
    """The plan's notification as the console and API show it (recipients and outcomes)."""
    if plan.notify_campaign_id is None:
        return None
    return await notify.campaign_status(campaign_id=plan.notify_campaign_id)
