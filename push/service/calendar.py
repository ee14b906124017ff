"""The calendar across all accounts: what is scheduled and sent each day (Asia/Shanghai), and
what deserves a second look: one account twice in a day, group sends near their quota, and an
account heading for the 14-day no-update line with nothing planned before it."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from gateway.clock import SHANGHAI, local_date, to_iso
from gateway.clock import now as clock_now
from push.models import MODE_LABELS, Delivery, DeliveryMode, DeliveryStatus
from push.service import accounts, quotas

# National inspections fail an account with no update in the two weeks before the check; an
# account is "near the line" from 10 days without an update (the matrix's health warning).
STALE_DAYS = 14
NEAR_DAYS = 10
# A service account using this many of its four monthly group sends is "under pressure".
SERVICE_PRESSURE = 3
LIVE = (DeliveryStatus.SCHEDULED, DeliveryStatus.SENDING, DeliveryStatus.PUBLISHED)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time.min, SHANGHAI),
        datetime.combine(end + timedelta(days=1), time.min, SHANGHAI),
    )


def _conflict(kind: str, day: date, target: accounts.Target, message: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "day": day.isoformat(),
        "account": target.code,
        "account_name": target.name,
        "message": message,
    }


def _same_day(rows: list[Delivery], targets: dict[str, accounts.Target]) -> list[dict[str, Any]]:
    per_day: dict[tuple[str, date], int] = defaultdict(int)
    for row in rows:
        if row.status in LIVE:
            per_day[(row.account_code, local_date(row.at))] += 1
    out: list[dict[str, Any]] = []
    for (code, day), n in sorted(per_day.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if n > 1 and code in targets:
            out.append(
                _conflict("same_day", day, targets[code], f"{targets[code].name}当天有 {n} 次推送")
            )
    return out


def _pressure(rows: list[Delivery], targets: dict[str, accounts.Target]) -> list[dict[str, Any]]:
    per_month: dict[tuple[str, str], list[date]] = defaultdict(list)
    for row in rows:
        if row.mode == DeliveryMode.MASS and row.status in LIVE:
            target = targets.get(row.account_code)
            if target is not None and target.kind == "service":
                per_month[(row.account_code, quotas.period_of("service", row.at))].append(
                    local_date(row.at)
                )
    out: list[dict[str, Any]] = []
    for (code, month), days in sorted(per_month.items()):
        used = len(days)
        if used >= SERVICE_PRESSURE:
            limit = quotas.LIMITS["service"]
            message = f"{targets[code].name}{month[5:]}月群发已排 {used}/{limit} 次"
            out.extend(_conflict("quota", day, targets[code], message) for day in sorted(set(days)))
    return out


def _stale(
    activity: dict[str, list[date]],
    targets: dict[str, accounts.Target],
    start: date,
    end: date,
    today: date,
) -> list[dict[str, Any]]:
    """Accounts near the 14-day line (10 days or more without an update today) with nothing
    planned before it: marked on the day they reach it, or today if they are past it."""
    out: list[dict[str, Any]] = []
    first = max(start, today)
    for code, target in targets.items():
        dates = set(activity.get(code, []))
        if target.last_published_at is not None:
            dates.add(local_date(target.last_published_at))
        if not dates:
            if first <= end:
                out.append(_conflict("stale", first, target, f"{target.name}从未发布，且没有排期"))
            continue
        ordered = sorted(dates)
        for before, after in zip(ordered, [*ordered[1:], None], strict=True):
            line = before + timedelta(days=STALE_DAYS)
            if after is not None and after <= max(line, today):
                continue  # updated in time, or a gap that is over
            day = max(line, today)
            if not first <= day <= end or (day - today).days > STALE_DAYS - NEAR_DAYS:
                continue  # outside the view, or not near the line yet
            days = (day - before).days
            if line < today:
                message = (
                    f"{target.name}已 {days} 天未更新（上次 {before.isoformat()}），且没有排期"
                )
            else:
                message = (
                    f"{target.name}距上次更新（{before.isoformat()}）满 {STALE_DAYS} 天，"
                    "此前没有排期"
                )
            out.append(_conflict("stale", day, target, message))
    return out


def _entry(row: Delivery, title: str) -> dict[str, Any]:
    return {
        "delivery_id": row.id,
        "plan_id": row.plan_id,  # type: ignore[attr-defined]
        "account": row.account_code,
        "account_name": row.account_name,
        "at": to_iso(row.at),
        "mode": str(row.mode),
        "mode_label": MODE_LABELS[DeliveryMode(row.mode)],
        "status": str(row.status),
        "title": row.title or title,
    }


async def calendar(*, start: date, end: date) -> dict[str, Any]:
    """Every delivery from `start` to `end` (local dates, inclusive), day by day, with conflicts."""
    targets = {t.code: t for t in await accounts.official_accounts()}
    low, high = _bounds(start, end)
    # Quota periods reach a month either side; the stale line looks back two weeks.
    wide_low = low - timedelta(days=31)
    rows = (
        await Delivery.filter(at__gte=wide_low, at__lt=high + timedelta(days=31))
        .exclude(status=DeliveryStatus.CANCELLED)
        .select_related("plan")
        .order_by("at", "id")
    )
    in_range = [r for r in rows if low <= r.at < high]
    activity: dict[str, list[date]] = defaultdict(list)
    for row in rows:
        if row.status in LIVE:
            activity[row.account_code].append(local_date(row.at))
    today = local_date(clock_now())
    conflicts = (
        _same_day(in_range, targets)
        + [c for c in _pressure(rows, targets) if start.isoformat() <= c["day"] <= end.isoformat()]
        + _stale(activity, targets, start, end, today)
    )
    days = []
    day = start
    while day <= end:
        key = day.isoformat()
        days.append(
            {
                "day": key,
                "entries": [_entry(r, r.plan.title) for r in in_range if local_date(r.at) == day],
                "conflicts": [c for c in conflicts if c["day"] == key],
            }
        )
        day += timedelta(days=1)
    return {"from": start.isoformat(), "to": end.isoformat(), "days": days, "conflicts": conflicts}
