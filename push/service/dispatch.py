"""Dispatch: each delivery is a chain of durable jobs driving a step machine persisted on the
delivery row, so that a worker killed at any point leaves enough for the next one to resume
without sending anything twice.

    new ──stage──▶ staged ──(at its time)──▶ submitting ──▶ submitted ──▶ done
         cover (permanent material), inline      publish_id / msg_id   PUBLISHJOBFINISH,
         images (uploadimg), draft/add           recorded first         MASSSENDJOBFINISH or a poll

- Staging runs `stage_lead_seconds` before the delivery's time, so at the time itself only
  `freepublish/submit` (or the group send) remains.
- Before the publish call the step becomes `submitting`; the answer's `publish_id` is the next
  thing written. A worker that finds `submitting` without a publish_id does not submit again:
  it looks for WeChat's evidence (a PUBLISHJOBFINISH nobody claimed, or the article in the
  published list) and only after `reconcile_seconds` without any concludes that the first
  submit never reached WeChat.
- A group send carries a clientmsgid fixed per delivery: repeating it is safe (45065 = it was
  sent, with the earlier msg_id; 45066 = wait a minute).
- Transient failures (-1, network errors, 45011, 45066, refused tokens, Redis) are retried with
  jittered backoff for `retry_window_seconds`; anything else fails at once with WeChat's errcode.
- Every job of a chain carries the delivery's generation: a reschedule or retry starts a new
  generation and the older chain stops at its next step.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis import exceptions as redis_errors
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from gateway.clock import now as clock_now
from gateway.errors import ApiError
from gateway.jobs import enqueue
from matrix import service as matrix
from matrix.wechat import service as wechat
from matrix.wechat.errors import (
    BusyError,
    NetworkError,
    RetryLaterError,
    TokenError,
    WeChatError,
)
from push import content as body_rules
from push.models import (
    FINAL_STATUSES,
    ArticleImage,
    Delivery,
    DeliveryMode,
    DeliveryStatus,
    PushPlan,
    Step,
    WeChatMaterial,
)
from push.service import approval, followers, quotas
from push.service.articles import fields_hash
from push.service.images import default_cover, read_image
from push.settings import push_settings

log = logging.getLogger("govmatrix.push.dispatch")

JOB_KIND = "push.deliver"
DISCARD_KIND = "push.discard_draft"
PUBLISH_STATUS_LABELS = {
    1: "发布中",
    2: "原创声明审核未通过",
    3: "发布失败",
    4: "平台审核不通过",
    5: "发布后已被删除",
    6: "文章已被封禁",
}
TRANSIENT_ERRCODES = frozenset({-1, 45011, 45066})
# 45066 asks to wait a minute before the same clientmsgid is tried again.
RETRY_LATER_SECONDS = 61.0


class Transient(Exception):
    """A failure worth retrying (WeChat busy, the network, Redis)."""

    def __init__(self, errcode: int | None, message: str, *, at_least: float = 0.0) -> None:
        super().__init__(message)
        self.errcode = errcode
        self.message = message
        self.at_least = at_least


class Refused(Exception):
    """A failure retrying cannot fix (content refused, credentials wrong, quota used)."""

    def __init__(self, errcode: int | None, message: str) -> None:
        super().__init__(message)
        self.errcode = errcode
        self.message = message


def classify(exc: WeChatError) -> Transient | Refused:
    text = f"{exc.user_message}（{exc.errmsg}）" if exc.errmsg else exc.user_message
    if isinstance(exc, RetryLaterError):
        return Transient(exc.errcode, text, at_least=RETRY_LATER_SECONDS)
    if isinstance(exc, BusyError | NetworkError | TokenError) or exc.errcode in TRANSIENT_ERRCODES:
        return Transient(exc.errcode, text)
    return Refused(exc.errcode, text)


@dataclass
class Outcome:
    """What one run of a delivery's job did (the job's result, for the jobs console)."""

    delivery_id: int
    did: str
    status: str

    def as_dict(self) -> dict[str, Any]:
        return {"delivery_id": self.delivery_id, "did": self.did, "status": self.status}


# --- the chain of jobs -------------------------------------------------------------------


async def schedule_next(delivery: Delivery, run_at: datetime) -> str:
    """Enqueue the next job of this delivery's chain (inside the caller's transaction)."""
    delivery.job_seq += 1
    key = f"{JOB_KIND}:{delivery.id}:{delivery.generation}:{delivery.job_seq}"
    delivery.job_key = key
    await Delivery.filter(id=delivery.id).update(job_seq=delivery.job_seq, job_key=key)
    await enqueue(
        JOB_KIND,
        {"delivery_id": delivery.id, "generation": delivery.generation, "seq": delivery.job_seq},
        run_at=run_at,
        key=key,
        max_attempts=5,
    )
    return key


def first_run_at(at: datetime) -> datetime:
    """When a delivery's chain starts: its staging lead before its time (or now)."""
    lead = timedelta(seconds=push_settings().stage_lead_seconds)
    return max(clock_now(), at - lead)


async def run(*, delivery_id: int, generation: int, seq: int) -> dict[str, Any]:
    """One job of a delivery's chain: advance its step machine as far as it can go now."""
    delivery = await Delivery.get_or_none(id=delivery_id)
    if delivery is None or delivery.generation != generation or delivery.job_seq != seq:
        return {"delivery_id": delivery_id, "did": "stale", "status": "-"}
    if delivery.status in FINAL_STATUSES:
        return Outcome(delivery.id, "nothing", delivery.status).as_dict()
    try:
        did = await _advance(delivery)
    except WeChatError as exc:
        verdict = classify(exc)
        did = await _handle(delivery, verdict)
    except (Transient, Refused) as verdict:
        did = await _handle(delivery, verdict)
    except (redis_errors.ConnectionError, redis_errors.TimeoutError) as exc:
        # The shared token lives in Redis: a restart costs a retry, never the delivery.
        did = await _handle(delivery, Transient(None, f"Redis 暂不可用（{type(exc).__name__}）"))
    except ApiError as exc:
        # The registry refused (account removed, AppSecret missing): no retry will help.
        did = await _handle(delivery, Refused(None, exc.message))
    return Outcome(delivery.id, did, str(delivery.status)).as_dict()


async def _handle(delivery: Delivery, verdict: Transient | Refused) -> str:
    if isinstance(verdict, Transient):
        return await _retry_later(delivery, verdict)
    await fail(delivery, verdict.errcode, verdict.message)
    return "failed"


# --- the steps ---------------------------------------------------------------------------


async def _advance(delivery: Delivery) -> str:
    plan = await PushPlan.get(id=delivery.plan_id)  # type: ignore[attr-defined]
    fresh = False  # whether this run itself is about to make the submit (not a resumed one)
    if delivery.status == DeliveryStatus.SCHEDULED and clock_now() >= delivery.at:
        # Its time has come: from here on it is sending (and can no longer be cancelled).
        problem = await approval.still_approved(plan) or await _account_problem(delivery)
        if problem:
            raise Refused(None, problem)
        values: dict[str, Any] = {"status": DeliveryStatus.SENDING}
        if delivery.step == Step.STAGED:
            # Prepared ahead, so the submit follows at once: one write for both steps.
            check_integrity(delivery, plan)
            values.update(step=Step.SUBMITTING, submit_started_at=clock_now())
        started = await Delivery.filter(
            id=delivery.id,
            generation=delivery.generation,
            status=DeliveryStatus.SCHEDULED,
            step=delivery.step,
        ).update(**values)
        if not started:
            return "stale"
        for name, value in values.items():
            setattr(delivery, name, value)
        fresh = delivery.step == Step.SUBMITTING
    if delivery.step == Step.NEW:
        await _stage(delivery, plan)
    if delivery.status == DeliveryStatus.SCHEDULED:
        async with in_transaction():
            await schedule_next(delivery, delivery.at)
        return "staged"
    if delivery.mode == DeliveryMode.PUBLISH:
        return await _publish(delivery, plan, fresh=fresh)
    return await _mass(delivery, plan)


async def _account_problem(delivery: Delivery) -> str | None:
    account = await matrix.find_account(code=delivery.account_code)
    if account is None:
        return f"账号 {delivery.account_code} 已不在新媒体矩阵中"
    if not account.is_active:
        return f"{account.name}（{account.code}）已停用，本次投递已停止"
    return None


def article_fields(delivery: Delivery, plan: PushPlan) -> dict[str, Any]:
    """What this delivery sends: the approved snapshot with this account's overrides."""
    snap = plan.snapshot
    return {
        "title": delivery.title or snap["title"],
        "author": delivery.author if delivery.author is not None else snap["author"],
        "digest": delivery.digest if delivery.digest is not None else snap["digest"],
        "content": snap["content"],
        "cover_media_id": snap["cover_media_id"],
        "source_url": snap["source_url"],
    }


def check_integrity(delivery: Delivery, plan: PushPlan) -> None:
    """Exactly the approved version, with exactly the overrides planned, or nothing."""
    if fields_hash(plan.snapshot) != plan.content_hash:
        raise Refused(None, "计划中的文章内容与审核通过的版本不一致，已停止发送")
    if fields_hash(article_fields(delivery, plan)) != delivery.payload_hash:
        raise Refused(None, "投递内容与排期时确定的内容不一致，已停止发送")


async def _stage(delivery: Delivery, plan: PushPlan) -> None:
    """Upload the cover and inline images (once per account), add the draft, record it."""
    check_integrity(delivery, plan)
    creds = await matrix.get_credentials(code=delivery.account_code)
    fields = article_fields(delivery, plan)
    cover_id = fields["cover_media_id"]
    if not cover_id:
        cover_id = (
            await default_cover(
                account_code=delivery.account_code, account_name=delivery.account_name
            )
        ).id
    for attempt in (1, 2):
        thumb = await _material(creds, delivery.account_code, cover_id, "cover")
        urls = {
            image_id: await _material(creds, delivery.account_code, image_id, "inline")
            for image_id in body_rules.image_ids(fields["content"])
        }
        article = {
            "title": fields["title"],
            "author": fields["author"],
            "digest": fields["digest"],
            "content": body_rules.with_image_urls(fields["content"], urls),
            "content_source_url": fields["source_url"],
            "thumb_media_id": thumb,
            "need_open_comment": 0,
            "only_fans_can_comment": 0,
        }
        try:
            media_id = await wechat.add_draft(
                appid=creds.appid, secret=creds.secret, articles=[article]
            )
        except WeChatError as exc:
            # Our cached material was removed on WeChat's side: upload it again, once.
            if exc.errcode == 40007 and attempt == 1:
                await WeChatMaterial.filter(account_code=delivery.account_code).delete()
                continue
            raise
        break
    await Delivery.filter(id=delivery.id, generation=delivery.generation, step=Step.NEW).update(
        step=Step.STAGED, draft_media_id=media_id, cover_wx_media_id=thumb
    )
    delivery.step, delivery.draft_media_id, delivery.cover_wx_media_id = (
        Step.STAGED,
        media_id,
        thumb,
    )


async def _material(creds: matrix.Credentials, account_code: str, image_id: str, kind: str) -> str:
    """The cover's permanent media_id or an inline image's URL in this account's WeChat."""
    cached = await WeChatMaterial.get_or_none(
        account_code=account_code, image_id=image_id, kind=kind
    )
    if cached is not None:
        return (cached.media_id if kind == "cover" else cached.url) or ""
    image = await ArticleImage.get_or_none(id=image_id)
    try:
        data = await read_image(image) if image is not None else b""
    except FileNotFoundError:
        data = b""
    if image is None or not data:
        raise Refused(None, f"图片 {image_id} 的文件已丢失，请在文章中重新上传后重新排期")
    filename = f"{image.id}.{image.ext}"
    if kind == "cover":
        made = await wechat.add_material(
            appid=creds.appid, secret=creds.secret, content=data, filename=filename
        )
        media_id, url = str(made["media_id"]), str(made.get("url") or "")
    else:
        media_id = None
        url = await wechat.upload_image(
            appid=creds.appid, secret=creds.secret, content=data, filename=filename
        )
    try:
        await WeChatMaterial.create(
            account_code=account_code, image_id=image_id, kind=kind, media_id=media_id, url=url
        )
    except IntegrityError:  # another worker uploaded the same image at the same moment
        pass
    return (media_id if kind == "cover" else url) or ""


async def _publish(delivery: Delivery, plan: PushPlan, *, fresh: bool) -> str:
    creds = await matrix.get_credentials(code=delivery.account_code)
    if delivery.step == Step.STAGED:
        if not await _mark_submitting(delivery, plan):
            return "stale"
        fresh = True
    if delivery.step == Step.SUBMITTING and fresh:
        try:
            publish_id = await wechat.publish(
                appid=creds.appid, secret=creds.secret, media_id=delivery.draft_media_id or ""
            )
        except NetworkError:
            # The submit may have reached WeChat: never repeat it blindly (see reconcile).
            raise
        except WeChatError:
            # WeChat answered with an error: nothing was submitted, the draft is still ours.
            await _back_to_staged(delivery)
            raise
        # Before anything else: freepublish has no idempotency key.
        await _mark_submitted(delivery, publish_id=publish_id)
        await _poll_later(delivery)
        return "submitted"
    if delivery.step == Step.SUBMITTING:
        return await _reconcile_publish(delivery, creds)
    return await _poll_publish(delivery, creds)


async def _mark_submitting(delivery: Delivery, plan: PushPlan) -> bool:
    """Checked once more, then recorded as being sent; False if another chain moved it."""
    check_integrity(delivery, plan)
    started = clock_now()
    moved = await Delivery.filter(
        id=delivery.id, generation=delivery.generation, step=Step.STAGED
    ).update(step=Step.SUBMITTING, submit_started_at=started)
    if moved:
        delivery.step, delivery.submit_started_at = Step.SUBMITTING, started
    return bool(moved)


async def _back_to_staged(delivery: Delivery) -> None:
    await Delivery.filter(id=delivery.id, step=Step.SUBMITTING).update(step=Step.STAGED)
    delivery.step = Step.STAGED


async def _mark_submitted(
    delivery: Delivery, *, publish_id: str | None = None, msg_id: str | None = None
) -> None:
    values: dict[str, Any] = {"step": Step.SUBMITTED, "polls": 0}
    if publish_id is not None:
        values["publish_id"] = publish_id
    if msg_id is not None:
        values["msg_id"] = msg_id
    await Delivery.filter(id=delivery.id).update(**values)
    delivery.step, delivery.polls = Step.SUBMITTED, 0
    delivery.publish_id = publish_id or delivery.publish_id
    delivery.msg_id = msg_id or delivery.msg_id


async def _poll_later(delivery: Delivery) -> None:
    settings = push_settings()
    delay = min(settings.poll_cap_seconds, settings.poll_first_seconds * 2**delivery.polls)
    async with in_transaction():
        await schedule_next(delivery, clock_now() + timedelta(seconds=delay))


async def _wait_longer(delivery: Delivery, give_up_message: str) -> str:
    """Still in progress at WeChat: ask again later, or give up (visibly) after a day."""
    started = delivery.submit_started_at or delivery.updated_at
    if clock_now() - started >= timedelta(seconds=push_settings().poll_give_up_seconds):
        await fail(delivery, None, give_up_message)
        return "failed"
    await Delivery.filter(id=delivery.id).update(polls=delivery.polls + 1)
    delivery.polls += 1
    await _poll_later(delivery)
    return "polling"


async def _poll_publish(delivery: Delivery, creds: matrix.Credentials) -> str:
    if delivery.publish_id is None:
        raise Refused(None, "缺少 publish_id，无法查询发布结果")
    status = await wechat.get_publish_status(
        appid=creds.appid, secret=creds.secret, publish_id=delivery.publish_id
    )
    code = int(status["publish_status"])
    if code == 0:
        urls = [u for u in status["article_urls"] if u]
        await close_published(
            delivery_id=delivery.id,
            url=urls[0] if urls else None,
            wx_article_id=status["article_id"],
        )
        return "published"
    if code == 1:
        return await _wait_longer(delivery, "提交发布后长时间没有结果，请到公众号后台核实")
    await close_failed_publish(delivery_id=delivery.id, publish_status=code)
    return "failed"


async def _reconcile_publish(delivery: Delivery, creds: matrix.Credentials) -> str:
    """`submitting` without a publish_id: did the earlier submit reach WeChat?"""
    since = (delivery.submit_started_at or clock_now()) - timedelta(seconds=60)
    claimed = await _unclaimed_publish_event(delivery, since)
    if claimed is not None:
        await _mark_submitted(delivery, publish_id=claimed)
        return await _poll_publish(delivery, creds)
    sent_title = delivery.title or (await PushPlan.get(id=delivery.plan_id)).title  # type: ignore[attr-defined]
    for entry in await wechat.list_published(appid=creds.appid, secret=creds.secret):
        if entry["update_time"] < since.timestamp():
            continue
        for item in entry["items"]:
            if (
                item["title"] == sent_title
                and not await Delivery.filter(
                    account_code=delivery.account_code, wx_article_id=entry["article_id"]
                ).exists()
            ):
                await Delivery.filter(id=delivery.id).update(step=Step.SUBMITTED)
                await close_published(
                    delivery_id=delivery.id, url=item["url"], wx_article_id=entry["article_id"]
                )
                return "published"
    waited = clock_now() - (delivery.submit_started_at or clock_now())
    wait_for = timedelta(seconds=push_settings().reconcile_seconds)
    if waited < wait_for:
        async with in_transaction():
            delay = min(wait_for - waited, timedelta(seconds=push_settings().poll_first_seconds))
            await schedule_next(delivery, clock_now() + delay)
        return "reconciling"
    log.warning("delivery %s: no trace of the earlier submit; submitting again", delivery.id)
    await _back_to_staged(delivery)
    plan = await PushPlan.get(id=delivery.plan_id)  # type: ignore[attr-defined]
    return await _publish(delivery, plan, fresh=False)


async def _unclaimed_publish_event(delivery: Delivery, since: datetime) -> str | None:
    events = await matrix.list_platform_events(
        event_type="PUBLISHJOBFINISH", account_code=delivery.account_code, since=since
    )
    for event in events:
        info = event["payload"].get("PublishEventInfo")
        publish_id = str(info.get("publish_id") or "") if isinstance(info, dict) else ""
        if (
            publish_id
            and not await Delivery.filter(
                account_code=delivery.account_code, publish_id=publish_id
            ).exists()
        ):
            return publish_id
    return None


async def _mass(delivery: Delivery, plan: PushPlan) -> str:
    creds = await matrix.get_credentials(code=delivery.account_code)
    if delivery.step == Step.STAGED and not await _mark_submitting(delivery, plan):
        return "stale"
    if delivery.step == Step.SUBMITTING:
        # Safe to repeat after a crash or a lost answer: the clientmsgid makes WeChat dedupe.
        try:
            sent = await wechat.mass_send_all(
                appid=creds.appid,
                secret=creds.secret,
                media_id=delivery.draft_media_id or "",
                clientmsgid=delivery.clientmsgid,
            )
        except (NetworkError, RetryLaterError):
            raise
        except WeChatError:
            await _back_to_staged(delivery)
            raise
        await _mark_submitted(delivery, msg_id=sent["msg_id"])
        if sent.get("msg_data_id") is not None:
            await Delivery.filter(id=delivery.id).update(msg_data_id=str(sent["msg_data_id"]))
        await _poll_later(delivery)
        return "sent"
    if delivery.msg_id is None:
        raise Refused(None, "缺少 msg_id，无法查询群发结果")
    state = await wechat.get_mass_status(
        appid=creds.appid, secret=creds.secret, msg_id=delivery.msg_id
    )
    if state["msg_status"] == "SEND_SUCCESS":
        await close_published(delivery_id=delivery.id, url=None, wx_article_id=None)
        return "published"
    if state["msg_status"] in ("SEND_FAIL", "DELETE"):
        await fail(delivery, None, f"群发失败（{state['msg_status']}）")
        return "failed"
    return await _wait_longer(delivery, "群发后长时间没有结果，请到公众号后台核实")


# --- outcomes ----------------------------------------------------------------------------


async def _retry_later(delivery: Delivery, verdict: Transient) -> str:
    settings = push_settings()
    now = clock_now()
    deadline = delivery.retry_deadline or max(now, delivery.at) + timedelta(
        seconds=settings.retry_window_seconds
    )
    attempts = delivery.attempts + 1
    if now >= deadline:
        await fail(
            delivery, verdict.errcode, f"重试 {delivery.attempts} 次仍未成功：{verdict.message}"
        )
        return "failed"
    delay = min(settings.retry_cap_seconds, settings.retry_base_seconds * 2 ** (attempts - 1))
    delay = max(delay * random.uniform(0.75, 1.25), verdict.at_least, 1.0)
    retry_at = min(now + timedelta(seconds=delay), deadline)
    async with in_transaction():
        await Delivery.filter(id=delivery.id).update(
            attempts=attempts,
            errcode=verdict.errcode,
            error=verdict.message[:512],
            next_attempt_at=retry_at,
            retry_deadline=deadline,
        )
        await schedule_next(delivery, retry_at)
    log.info(
        "delivery %s: transient %s (%s), attempt %s, retry at %s",
        delivery.id,
        verdict.errcode,
        verdict.message,
        attempts,
        retry_at.isoformat(),
    )
    return "retrying"


async def fail(delivery: Delivery, errcode: int | None, message: str) -> bool:
    """Mark a delivery failed (visibly, with WeChat's errcode); its group-send slot is freed
    unless the send went out."""
    now = clock_now()
    async with in_transaction():
        moved = (
            await Delivery.filter(id=delivery.id, generation=delivery.generation)
            .exclude(status__in=list(FINAL_STATUSES))
            .update(
                status=DeliveryStatus.FAILED,
                errcode=errcode,
                error=message[:512],
                failed_at=now,
                next_attempt_at=None,
            )
        )
        if moved and delivery.msg_id is None:
            await quotas.release(delivery.id)
    if moved:
        log.warning("delivery %s failed: %s %s", delivery.id, errcode, message)
    return bool(moved)


async def close_published(
    *, delivery_id: int, url: str | None, wx_article_id: str | None, at: datetime | None = None
) -> bool:
    """A delivery went out: published with its URL; the account's last publication moves."""
    at = at or clock_now()
    values: dict[str, Any] = {
        "status": DeliveryStatus.PUBLISHED,
        "step": Step.DONE,
        "published_at": at,
        "next_attempt_at": None,
        "errcode": None,
        "error": None,
    }
    if url:
        values["url"] = url[:1024]
    if wx_article_id:
        values["wx_article_id"] = str(wx_article_id)[:128]
    # One transaction: the delivery is published if and only if its article's follower
    # notification (when the plan asks for one) is queued with it.
    async with in_transaction():
        moved = await Delivery.filter(
            id=delivery_id, status__in=[DeliveryStatus.SENDING, DeliveryStatus.FAILED]
        ).update(**values)
        if not moved:
            if url:  # already closed by the other path (poll or event): keep the better record
                await Delivery.filter(id=delivery_id, url__isnull=True).update(url=url[:1024])
            return False
        delivery = await Delivery.get(id=delivery_id)
        await matrix.record_publication(at=at, code=delivery.account_code)
        await followers.on_published(delivery)
    return True


async def close_failed_publish(*, delivery_id: int, publish_status: int) -> None:
    """WeChat reported the publish as failed: nothing is out, so a retry may submit again."""
    delivery = await Delivery.get(id=delivery_id)
    label = PUBLISH_STATUS_LABELS.get(publish_status, "发布失败")
    message = (
        f"微信发布失败：{label}（publish_status={publish_status}，"
        f"publish_id={delivery.publish_id}）"
    )
    if await fail(delivery, None, message):
        await Delivery.filter(id=delivery.id, status=DeliveryStatus.FAILED).update(
            step=Step.STAGED, publish_id=None
        )


async def discard_draft(*, delivery_id: int) -> bool:
    """Remove a cancelled delivery's draft from the account's draft box (once it is final)."""
    delivery = await Delivery.get_or_none(id=delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.CANCELLED:
        return False
    if not delivery.draft_media_id:
        return False
    creds = await matrix.get_credentials(code=delivery.account_code)
    await wechat.delete_draft(
        appid=creds.appid, secret=creds.secret, media_id=delivery.draft_media_id
    )
    await Delivery.filter(id=delivery.id).update(draft_media_id=None)
    return True
