"""Plans: an approved article to many accounts at chosen times. Everything that would make a
delivery fail later is refused now, with a field error naming the delivery: an unknown or
inactive account, a time in the past, an unapproved article, a group send beyond WeChat's
quota (with the first date that would fit). A plan, its deliveries, their quota slots and
their first jobs are written in one transaction; the same idempotency key makes one plan."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count, Min
from tortoise.transactions import in_transaction

from gateway.audit import record_by
from gateway.clock import SHANGHAI, to_iso
from gateway.clock import now as clock_now
from gateway.errors import Conflict, Invalid, NotFound
from gateway.jobs import enqueue
from push.models import (
    FINAL_STATUSES,
    MODE_LABELS,
    STATUS_LABELS,
    Delivery,
    DeliveryMode,
    DeliveryStatus,
    PushPlan,
    Step,
)
from push.schemas import DeliveryIn, GroupIn, PlanCreate
from push.service import accounts, approval, dispatch, followers, quotas
from push.service.articles import fields_hash, get_article
from push.service.common import StaffRef

# "Now" is accepted a minute late: the form's "send now" is a minute old when it arrives.
PAST_GRACE = timedelta(seconds=60)
MAX_AHEAD = timedelta(days=366)


@dataclass
class Wanted:
    """One delivery the request asks for, with the field name errors about it go under."""

    where: str
    account: str
    at: datetime
    mode: DeliveryMode
    title: str | None = None
    author: str | None = None
    digest: str | None = None
    target: accounts.Target | None = None
    slot: int | None = None


@dataclass
class Problems:
    fields: dict[str, str] = field(default_factory=dict)

    def add(self, where: str, message: str) -> None:
        self.fields.setdefault(where, message)


def request_hash(data: PlanCreate) -> str:
    body = data.model_dump(mode="json", exclude={"key"})
    return fields_hash(body)


async def _expand(data: PlanCreate, problems: Problems) -> list[Wanted]:
    wanted: list[Wanted] = []
    for i, item in enumerate(data.deliveries):
        wanted.append(_from_delivery(f"deliveries.{i}", item))
    for j, group_in in enumerate(data.groups):
        wanted.extend(await _from_group(f"groups.{j}", group_in, problems))
    return wanted


def _from_delivery(where: str, item: DeliveryIn) -> Wanted:
    return Wanted(
        where=where,
        account=item.account,
        at=item.at,
        mode=DeliveryMode(item.mode),
        title=item.title,
        author=item.author,
        digest=item.digest,
    )


async def _from_group(where: str, item: GroupIn, problems: Problems) -> list[Wanted]:
    group = await accounts.resolve_group(item.group)
    if group is None:
        problems.add(f"{where}.group", "没有这个账号分组")
        return []
    if not group["accounts"]:
        problems.add(f"{where}.group", f"分组“{group['name']}”中没有可用的公众号")
        return []
    step = timedelta(minutes=item.stagger_minutes)
    return [
        Wanted(
            where=f"{where}.{code}",
            account=code,
            at=item.at + i * step,
            mode=DeliveryMode(item.mode),
        )
        for i, code in enumerate(group["accounts"])
    ]


async def _check(wanted: list[Wanted], problems: Problems) -> None:
    """Accounts, times, duplicates and quotas, each reported under its delivery."""
    known = await accounts.accounts_by_code(include_inactive=True)
    now = clock_now()
    seen: dict[str, str] = {}
    for item in wanted:
        target = known.get(item.account)
        if target is None:
            problems.add(f"{item.where}.account", f"没有公众号 {item.account}")
            continue
        item.target = target
        if not target.is_active:
            problems.add(f"{item.where}.account", f"{target.label}已停用，不能推送")
            continue
        if item.account in seen:
            problems.add(
                f"{item.where}.account",
                f"{target.label}在本计划中已有一次投递（{seen[item.account]}）",
            )
            continue
        seen[item.account] = item.where
        if item.at < now - PAST_GRACE:
            local = item.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
            problems.add(f"{item.where}.at", f"{target.label}的发送时间 {local} 已经过去")
            continue
        if item.at > now + MAX_AHEAD:
            problems.add(f"{item.where}.at", "发送时间最多排到一年以后")
            continue
        if item.mode == DeliveryMode.MASS:
            # One read decides: the slot found here is the one the plan's write takes (a
            # unique constraint refuses it if another plan took it in between).
            item.slot = await quotas.free_slot(target.kind, target.code, item.at)
            if item.slot is None:
                refusal = await quotas.check(target.kind, target.code, item.at)
                assert refusal is not None
                problems.add(f"{item.where}.mode", refusal.message(target.label, target.kind_label))


def _refuse(problems: Problems) -> Invalid:
    return Invalid(f"计划有 {len(problems.fields)} 处需要修改", fields=problems.fields)


async def _replay(key: str, digest: str) -> PushPlan | None:
    existing = await PushPlan.get_or_none(key=key)
    if existing is None:
        return None
    if existing.request_hash != digest:
        raise Conflict(
            "该幂等键已用于另一份不同的计划",
            code="idempotency_key_reused",
            fields={"key": "该幂等键已用于另一份不同的计划"},
        )
    return existing


async def create_plan(*, data: PlanCreate, who: StaffRef) -> tuple[PushPlan, bool]:
    """Plan a push; (plan, created). A repeated key returns the first plan (created=False)."""
    digest = request_hash(data)
    if data.key:
        existing = await _replay(data.key, digest)
        if existing is not None:
            return existing, False
    problems = Problems()
    article = None
    try:
        article = await get_article(article_id=data.article_id)
    except NotFound:
        problems.add("article_id", "没有这篇文章")
    snapshot = await approval.approved_fields(article) if article is not None else None
    if article is not None and snapshot is None:
        problems.add(
            "article_id",
            f"文章当前版本尚未通过全部审核（{approval.level_names()}），不能排期",
        )
    wanted = await _expand(data, problems)
    await _check(wanted, problems)
    if problems.fields:
        raise _refuse(problems)
    assert article is not None
    assert snapshot is not None
    try:
        plan = await _write(data, digest, article.id, article.version, snapshot, wanted, who)
    except IntegrityError as exc:
        if data.key:
            existing = await _replay(data.key, digest)
            if existing is not None:
                return existing, False
        # Another plan took a group-send slot between our check and our write.
        problems = Problems()
        await _check(wanted, problems)
        if problems.fields:
            raise _refuse(problems) from exc
        raise Conflict("群发配额刚被其他计划占用，请重试", code="quota_taken") from exc
    return plan, True


async def _write(
    data: PlanCreate,
    digest: str,
    article_id: int,
    version: int,
    snapshot: dict[str, Any],
    wanted: list[Wanted],
    who: StaffRef,
) -> PushPlan:
    async with in_transaction():
        plan = await PushPlan.create(
            key=data.key,
            request_hash=digest,
            article_id=article_id,
            article_version=version,
            content_hash=fields_hash(snapshot),
            snapshot=snapshot,
            title=snapshot["title"],
            notify_followers=data.notify_followers,
            created_by_id=who.id,
            created_by_name=who.name,
        )
        for item in sorted(wanted, key=lambda w: (w.at, w.account)):
            assert item.target is not None
            delivery = Delivery(
                plan=plan,
                account_code=item.account,
                account_name=item.target.name,
                account_kind=item.target.kind,
                mode=item.mode,
                at=item.at,
                title=item.title,
                author=item.author,
                digest=item.digest,
                payload_hash="",
                clientmsgid=uuid.uuid4().hex,
            )
            delivery.payload_hash = fields_hash(dispatch.article_fields(delivery, plan))
            await delivery.save()
            if item.mode == DeliveryMode.MASS:
                assert item.slot is not None  # _check refused the plan otherwise
                await quotas.take(item.target.kind, item.account, item.at, delivery.id, item.slot)
            await dispatch.schedule_next(delivery, dispatch.first_run_at(item.at))
        await record_by(
            who,
            action="push.plan.create",
            target_type="push_plan",
            target_id=plan.id,
            detail={
                "article_id": article_id,
                "version": version,
                "hash": plan.content_hash[:16],
                "deliveries": [
                    {"account": w.account, "at": to_iso(w.at), "mode": str(w.mode)} for w in wanted
                ],
                "notify_followers": data.notify_followers,
            },
        )
    return plan


# --- reading -----------------------------------------------------------------------------


def can_cancel(delivery: Delivery, now: datetime | None = None) -> bool:
    return delivery.status == DeliveryStatus.SCHEDULED and delivery.at > (now or clock_now())


def delivery_to_dict(delivery: Delivery, plan_title: str, now: datetime) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "plan_id": delivery.plan_id,  # type: ignore[attr-defined]
        "account": delivery.account_code,
        "account_name": delivery.account_name,
        "account_kind": delivery.account_kind,
        "mode": str(delivery.mode),
        "mode_label": MODE_LABELS[DeliveryMode(delivery.mode)],
        "at": to_iso(delivery.at),
        "title": delivery.title or plan_title,
        "status": str(delivery.status),
        "status_label": STATUS_LABELS[DeliveryStatus(delivery.status)],
        "step": str(delivery.step),
        "url": delivery.url,
        "errcode": delivery.errcode,
        "error": delivery.error,
        "attempts": delivery.attempts,
        "next_attempt_at": to_iso(delivery.next_attempt_at),
        "publish_id": delivery.publish_id,
        "msg_id": delivery.msg_id,
        "published_at": to_iso(delivery.published_at),
        "failed_at": to_iso(delivery.failed_at),
        "can_cancel": can_cancel(delivery, now),
        "can_retry": delivery.status == DeliveryStatus.FAILED,
    }


def counts_of(deliveries: list[Delivery]) -> dict[str, int]:
    counts = {str(s): 0 for s in DeliveryStatus}
    for d in deliveries:
        counts[str(d.status)] += 1
    counts["total"] = len(deliveries)
    return counts


async def get_plan(*, plan_id: int) -> PushPlan:
    plan = await PushPlan.get_or_none(id=plan_id) if 0 < plan_id < 2**31 else None
    if plan is None:
        raise NotFound("没有这个推送计划", code="plan_not_found")
    return plan


async def plan_to_dict(plan: PushPlan) -> dict[str, Any]:
    deliveries = await Delivery.filter(plan_id=plan.id).order_by("at", "id")
    now = clock_now()
    return {
        "id": plan.id,
        "key": plan.key,
        "article_id": plan.article_id,
        "article_version": plan.article_version,
        "content_hash": plan.content_hash,
        "title": plan.title,
        "notify_followers": plan.notify_followers,
        "notified_at": to_iso(plan.notified_at),
        "notification": await followers.notification_of(plan),
        "created_by": plan.created_by_name,
        "created_at": to_iso(plan.created_at),
        "counts": counts_of(deliveries),
        "deliveries": [delivery_to_dict(d, plan.title, now) for d in deliveries],
    }


async def list_plans(
    *, status: str | None = None, page: int = 1, per_page: int = 20
) -> dict[str, Any]:
    """Plans newest first; `status` keeps plans with at least one delivery in that state."""
    query = PushPlan.all()
    if status:
        ids = await Delivery.filter(status=status).distinct().values_list("plan_id", flat=True)
        query = query.filter(id__in=list(ids))
    total = await query.count()
    plans = await query.order_by("-created_at", "-id").offset((page - 1) * per_page).limit(per_page)
    plan_ids = [p.id for p in plans]
    rows = (
        await Delivery.filter(plan_id__in=plan_ids)
        .group_by("plan_id", "status")
        .annotate(n=Count("id"), first=Min("at"))
        .values("plan_id", "status", "n", "first")
    ) if plan_ids else []  # fmt: skip
    counts: dict[int, dict[str, int]] = {}
    firsts: dict[int, datetime] = {}
    for row in rows:
        per = counts.setdefault(row["plan_id"], {str(s): 0 for s in DeliveryStatus})
        per[str(row["status"])] = row["n"]
        per["total"] = per.get("total", 0) + row["n"]
        first = row["first"]
        if first is not None and (row["plan_id"] not in firsts or first < firsts[row["plan_id"]]):
            firsts[row["plan_id"]] = first
    return {
        "items": [
            {
                "id": p.id,
                "title": p.title,
                "article_id": p.article_id,
                "created_by": p.created_by_name,
                "created_at": to_iso(p.created_at),
                "first_at": to_iso(firsts.get(p.id)),
                "counts": counts.get(p.id, {str(s): 0 for s in DeliveryStatus} | {"total": 0}),
            }
            for p in plans
        ],
        "total": total,
        "page": page,
        "per_page": per_page,
    }


async def plans_of_article(*, article_id: int) -> list[dict[str, Any]]:
    """The plans of one article, newest first, with their deliveries counted by status."""
    rows = await PushPlan.filter(article_id=article_id).order_by("-created_at", "-id").limit(20)
    out = []
    for plan in rows:
        deliveries = await Delivery.filter(plan_id=plan.id)
        out.append(
            {
                "id": plan.id,
                "version": plan.article_version,
                "created_at": to_iso(plan.created_at),
                "created_by": plan.created_by_name,
                "counts": counts_of(deliveries),
            }
        )
    return out


async def get_delivery(*, plan_id: int, delivery_id: int) -> Delivery:
    found = (
        await Delivery.get_or_none(id=delivery_id, plan_id=plan_id)
        if 0 < delivery_id < 2**31 and 0 < plan_id < 2**31
        else None
    )
    if found is None:
        raise NotFound("没有这次投递", code="delivery_not_found")
    return found


async def recent_failures(*, days: int = 7, limit: int = 20) -> list[Delivery]:
    since = clock_now() - timedelta(days=days)
    return (
        await Delivery.filter(status=DeliveryStatus.FAILED, failed_at__gte=since)
        .order_by("-failed_at")
        .limit(limit)
    )


# --- changing deliveries -----------------------------------------------------------------


async def cancel_delivery(*, plan_id: int, delivery_id: int, who: StaffRef) -> Delivery:
    """Cancel a delivery before its time; its group-send slot is freed."""
    delivery = await get_delivery(plan_id=plan_id, delivery_id=delivery_id)
    if not can_cancel(delivery):
        raise Conflict("只有未到时间的投递可以取消", code="delivery_not_cancellable")
    async with in_transaction():
        moved = await Delivery.filter(
            id=delivery.id,
            generation=delivery.generation,
            status=DeliveryStatus.SCHEDULED,
            at__gt=clock_now(),
        ).update(
            status=DeliveryStatus.CANCELLED,
            generation=delivery.generation + 1,
            cancelled_at=clock_now(),
            changed_by_name=who.name,
        )
        if not moved:
            raise Conflict("该投递刚刚已开始发送或已被修改，请刷新", code="delivery_changed")
        await quotas.release(delivery.id)
        if delivery.draft_media_id:
            # Its draft is already in the account's draft box: take it out again.
            await enqueue(
                dispatch.DISCARD_KIND,
                {"delivery_id": delivery.id},
                key=f"{dispatch.DISCARD_KIND}:{delivery.id}",
            )
        await record_by(
            who,
            action="push.delivery.cancel",
            target_type="push_delivery",
            target_id=delivery.id,
            detail={
                "plan_id": plan_id,
                "account": delivery.account_code,
                "at": to_iso(delivery.at),
            },
        )
    await delivery.refresh_from_db()
    return delivery


async def _move_slot(delivery: Delivery, at: datetime, where: str) -> None:
    """Re-take the delivery's group-send slot in the period of its new time."""
    await quotas.release(delivery.id)
    slot = await quotas.free_slot(delivery.account_kind, delivery.account_code, at)
    if slot is None:
        refusal = await quotas.check(delivery.account_kind, delivery.account_code, at)
        assert refusal is not None
        label = f"{delivery.account_name}（{delivery.account_code}）"
        kind_label = accounts.KIND_LABELS.get(delivery.account_kind, "")
        raise Invalid(fields={where: refusal.message(label, kind_label)})
    await quotas.take(delivery.account_kind, delivery.account_code, at, delivery.id, slot)


async def reschedule_delivery(
    *, plan_id: int, delivery_id: int, at: datetime, who: StaffRef
) -> Delivery:
    """Move a delivery that has not gone out yet to another (future) time."""
    delivery = await get_delivery(plan_id=plan_id, delivery_id=delivery_id)
    if not can_cancel(delivery):
        raise Conflict("只有未到时间的投递可以改期", code="delivery_not_reschedulable")
    if at < clock_now() - PAST_GRACE:
        raise Invalid(fields={"at": "新的发送时间已经过去"})
    if at > clock_now() + MAX_AHEAD:
        raise Invalid(fields={"at": "发送时间最多排到一年以后"})
    try:
        async with in_transaction():
            moved = await Delivery.filter(
                id=delivery.id, generation=delivery.generation, status=DeliveryStatus.SCHEDULED
            ).update(at=at, generation=delivery.generation + 1, changed_by_name=who.name)
            if not moved:
                raise Conflict("该投递刚刚已开始发送或已被修改，请刷新", code="delivery_changed")
            old_at = delivery.at
            delivery.at, delivery.generation = at, delivery.generation + 1
            if delivery.mode == DeliveryMode.MASS:
                await _move_slot(delivery, at, "at")
            await dispatch.schedule_next(delivery, dispatch.first_run_at(at))
            await record_by(
                who,
                action="push.delivery.reschedule",
                target_type="push_delivery",
                target_id=delivery.id,
                detail={"from": to_iso(old_at), "to": to_iso(at), "account": delivery.account_code},
            )
    except IntegrityError as exc:
        raise Conflict("群发配额刚被其他计划占用，请重试", code="quota_taken") from exc
    await delivery.refresh_from_db()
    return delivery


async def retry_delivery(*, plan_id: int, delivery_id: int, who: StaffRef) -> Delivery:
    """Send a failed delivery again now, from its last recorded step."""
    delivery = await get_delivery(plan_id=plan_id, delivery_id=delivery_id)
    if delivery.status != DeliveryStatus.FAILED:
        raise Conflict("只有失败的投递可以重试", code="delivery_not_retryable")
    now = clock_now()
    values: dict[str, Any] = {
        "status": DeliveryStatus.SENDING,
        "generation": delivery.generation + 1,
        "errcode": None,
        "error": None,
        "attempts": 0,
        "retry_deadline": None,
        "next_attempt_at": None,
        "failed_at": None,
        "changed_by_name": who.name,
    }
    # From the last recorded step: a publish WeChat reported as failed was moved back to
    # `staged` (submitted again); one whose outcome is unknown stays `submitted` (asked again,
    # never submitted twice).
    if delivery.step == Step.SUBMITTED:
        values["submit_started_at"] = now
    try:
        async with in_transaction():
            moved = await Delivery.filter(
                id=delivery.id, generation=delivery.generation, status=DeliveryStatus.FAILED
            ).update(**values)
            if not moved:
                raise Conflict("该投递刚刚已被他人处理，请刷新", code="delivery_changed")
            delivery.generation += 1
            if delivery.mode == DeliveryMode.MASS and delivery.msg_id is None:
                await _move_slot(delivery, max(now, delivery.at), "mode")
            await dispatch.schedule_next(delivery, now)
            await record_by(
                who,
                action="push.delivery.retry",
                target_type="push_delivery",
                target_id=delivery.id,
                detail={
                    "account": delivery.account_code,
                    "errcode": delivery.errcode,
                    "error": (delivery.error or "")[:200],
                },
            )
    except IntegrityError as exc:
        raise Conflict("群发配额刚被其他计划占用，请重试", code="quota_taken") from exc
    await delivery.refresh_from_db()
    return delivery


def is_open(delivery: Delivery) -> bool:
    return delivery.status not in FINAL_STATUSES
