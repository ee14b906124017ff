"""Residents who follow an article's domains hear about it once, when it first goes out
(mini_program.notify: one subscribe message per resident holding a grant, never twice for
one article, opening the article's page in the mini-program)."""

from __future__ import annotations

from typing import Any

from gateway.clock import now as clock_now
from mini_program.notify import service as notify
from push import content as body_rules
from push.models import Article, Delivery, PushPlan

PURPOSE = "article_published"


def article_page(article_id: int) -> str:
    return f"pages/article/index?id={article_id}"


def object_key(article_id: int) -> str:
    """The notification's object: the article (not the plan, not the delivery)."""
    return f"article:{article_id}"


async def on_published(delivery: Delivery) -> None:
    """A delivery was just marked published: queue the article's follower notification.

    Called inside the transaction that publishes the delivery, so the notification is queued
    exactly when the state changes. One notification per article: the first published
    delivery of a plan with notify_followers starts it; every later delivery, and every later
    plan of the same article, finds it started (the plan's `notified_at`, the article's
    campaign on an earlier plan) and only points at it. notify() itself keeps each resident to
    one message per article even if two plans race here.
    """
    plan_id = delivery.plan_id  # type: ignore[attr-defined]
    now = clock_now()
    taken = await PushPlan.filter(
        id=plan_id, notify_followers=True, notified_at__isnull=True
    ).update(notified_at=now)
    if not taken:
        return  # the plan notifies no one, or an earlier delivery of it already did
    plan = await PushPlan.get(id=plan_id)
    earlier = (
        await PushPlan.filter(article_id=plan.article_id, notify_campaign_id__isnull=False)
        .exclude(id=plan_id)
        .first()
    )
    if earlier is not None:
        await PushPlan.filter(id=plan_id).update(notify_campaign_id=earlier.notify_campaign_id)
        return
    article = await Article.get_or_none(id=plan.article_id)
    domain_ids = list(article.domain_ids or []) if article else []
    if not domain_ids:
        return  # an article without domains has no followers to tell
    snap = plan.snapshot
    started = await notify.notify(
        purpose=PURPOSE,
        object_key=object_key(plan.article_id),
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
