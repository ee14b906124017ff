"""Residents who follow an article's domains hear about it once, when its plan first goes out."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from gateway.clock import now as clock_now
from gateway.jobs import enqueue
from push.models import Delivery, PushPlan

NOTIFY_JOB = "push.notify"


async def on_published(delivery: Delivery) -> None:
    """After a delivery is published: the plan's follower notification, once per plan."""
    plan_id = delivery.plan_id  # type: ignore[attr-defined]
    async with in_transaction():
        taken = await PushPlan.filter(
            id=plan_id, notify_followers=True, notified_at__isnull=True
        ).update(notified_at=clock_now())
        if taken:
            await enqueue(NOTIFY_JOB, {"plan_id": plan_id}, key=f"{NOTIFY_JOB}:{plan_id}")
