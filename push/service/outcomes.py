"""How deliveries learn their outcome from WeChat's events (PUBLISHJOBFINISH,
MASSSENDJOBFINISH, stored by the matrix's callback intake), and the periodic sweep that makes
sure no delivery is ever left without a next step."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from gateway.clock import now as clock_now
from gateway.jobs import Job, JobState
from matrix import service as matrix
from push.models import FINAL_STATUSES, Delivery, DeliveryStatus
from push.service import dispatch

log = logging.getLogger("govmatrix.push.outcomes")

PLATFORM_EVENTS = ("PUBLISHJOBFINISH", "MASSSENDJOBFINISH")
# A chain whose last job finished this long ago while its delivery is still open is repaired.
STALLED_AFTER = timedelta(minutes=5)


def _items(value: Any) -> list[dict[str, Any]]:
    """XML lists arrive as a dict for one element and a list for several."""
    if isinstance(value, dict):
        inner = value.get("item", value)
        return [inner] if isinstance(inner, dict) else [i for i in inner if isinstance(i, dict)]
    if isinstance(value, list):
        return [i for i in value if isinstance(i, dict)]
    return []


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


async def _publish_finished(account_code: str, payload: dict[str, Any]) -> bool:
    info = payload.get("PublishEventInfo")
    if not isinstance(info, dict):
        return False
    publish_id = str(info.get("publish_id") or "")
    delivery = await Delivery.get_or_none(account_code=account_code, publish_id=publish_id)
    if delivery is None:
        return False  # not ours, or its publish_id not recorded yet (a poll will close it)
    status = _int(info.get("publish_status"))
    if status == 0:
        detail = info.get("article_detail")
        urls = [str(i.get("article_url")) for i in _items(detail) if i.get("article_url")]
        if isinstance(detail, dict) and not urls:
            urls = [str(i.get("article_url")) for i in _items(detail.get("item")) if i]
        return await dispatch.close_published(
            delivery_id=delivery.id,
            url=urls[0] if urls else None,
            wx_article_id=str(info.get("article_id") or "") or None,
        )
    if status is not None and status != 1:
        await dispatch.close_failed_publish(delivery_id=delivery.id, publish_status=status)
        return True
    return False


async def _mass_finished(account_code: str, payload: dict[str, Any]) -> bool:
    msg_id = str(payload.get("MsgID") or payload.get("MsgId") or "")
    delivery = await Delivery.get_or_none(account_code=account_code, msg_id=msg_id)
    if delivery is None:
        return False
    status = str(payload.get("Status") or "").lower().replace(" ", "")
    if status == "sendsuccess":
        result = payload.get("ArticleUrlResult")
        urls: list[str] = []
        if isinstance(result, dict):
            urls = [str(i.get("ArticleUrl")) for i in _items(result.get("ResultList")) if i]
        return await dispatch.close_published(
            delivery_id=delivery.id, url=urls[0] if urls else None, wx_article_id=None
        )
    await dispatch.fail(delivery, None, f"微信群发失败（{payload.get('Status')}）")
    return True


async def handle_platform_event(*, event_id: int) -> bool:
    """Close the delivery a stored platform event is about; True if one was closed."""
    event = await matrix.get_platform_event(event_id=event_id)
    if event is None or event["processed_at"] is not None:
        return False
    payload = event["payload"] if isinstance(event["payload"], dict) else {}
    closed = False
    if event["event_type"] == "PUBLISHJOBFINISH":
        closed = await _publish_finished(event["account_code"], payload)
    elif event["event_type"] == "MASSSENDJOBFINISH":
        closed = await _mass_finished(event["account_code"], payload)
    await matrix.mark_platform_event_processed(event_id=event_id)
    return closed


async def sweep() -> dict[str, int]:
    """Events no signal delivered, and deliveries whose chain broke: nothing is left behind."""
    handled = 0
    for event_type in PLATFORM_EVENTS:
        for event in await matrix.list_platform_events(
            event_type=event_type, unprocessed_only=True, limit=500
        ):
            handled += int(await handle_platform_event(event_id=event["id"]))
    repaired = failed = 0
    open_rows = await Delivery.exclude(status__in=list(FINAL_STATUSES)).exclude(job_key=None)
    jobs = {j.key: j for j in await Job.filter(key__in=[d.job_key for d in open_rows if d.job_key])}
    now = clock_now()
    for delivery in open_rows:
        job = jobs.get(delivery.job_key or "")
        if job is not None and job.state == JobState.DEAD:
            reason = (job.last_error or "").strip().splitlines()[-1:] or ["后台任务多次中断"]
            if await dispatch.fail(delivery, None, f"后台任务无法完成：{reason[0][:300]}"):
                failed += 1
        elif job is None or (
            job.state == JobState.SUCCEEDED and now - job.updated_at > STALLED_AFTER
        ):
            log.warning("delivery %s had no live job; resuming its chain", delivery.id)
            await dispatch.schedule_next(delivery, now)
            repaired += 1
    return {"events": handled, "repaired": repaired, "failed": failed}


def is_waiting(delivery: Delivery) -> bool:
    return delivery.status in (DeliveryStatus.SCHEDULED, DeliveryStatus.SENDING)
