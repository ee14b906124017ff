"""Account health as national inspections see it: updates, replies, tokens and followers."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from redis.exceptions import RedisError
from tortoise.transactions import in_transaction

from matrix.models import CALLBACK_PLATFORMS, WECHAT_PLATFORMS, Account, FollowerDaily, Platform
from matrix.service.common import local_date, today_local
from matrix.service.inbox import REPLY_LIMIT_WORKDAYS, unanswered_counts
from matrix.service.registry import account_to_dict, department_names
from matrix.wechat import service as wechat

log = logging.getLogger("govmatrix.matrix.health")

# National inspections fail an account with no update in the two weeks before the check.
PUBLICATION_WARNING_DAYS = 10
PUBLICATION_FAILING_DAYS = 14
TREND_DAYS = 30
LEVELS = ("ok", "warning", "failing")
LEVEL_LABELS = {"ok": "正常", "warning": "预警", "failing": "不合格", "n/a": "不适用"}


def _worse(a: str, b: str) -> str:
    return a if LEVELS.index(a) >= LEVELS.index(b) else b


async def token_states(accounts: list[Account]) -> dict[str, dict[str, Any]]:
    """The shared access token's state per appid, as the WeChat client keeps it in Redis."""
    out: dict[str, dict[str, Any]] = {}
    for account in accounts:
        if account.appid and Platform(account.platform) in WECHAT_PLATFORMS:
            try:
                out[account.appid] = await wechat.token_state(appid=account.appid)
            except RedisError as exc:  # shown as unknown, never breaks the page
                log.warning("token state of %s unavailable: %s", account.code, type(exc).__name__)
                out[account.appid] = {"state": "unknown", "expires_in": 0}
    return out


def assess(
    account: Account,
    *,
    today: date,
    unanswered: int,
    overdue: int,
    token_state: dict[str, Any] | None,
) -> dict[str, Any]:
    """One account's health: level (ok / warning / failing) and the reasons, in Chinese."""
    problems: list[str] = []
    level = "ok"
    publication = "n/a"
    days = None
    if Platform(account.platform) in CALLBACK_PLATFORMS:
        if account.last_published_at is None:
            publication = "failing"
            problems.append("从未发布内容")
        else:
            days = (today - local_date(account.last_published_at)).days
            if days >= PUBLICATION_FAILING_DAYS:
                publication = "failing"
                problems.append(f"已 {days} 天未更新（满 {PUBLICATION_FAILING_DAYS} 天即不合格）")
            elif days >= PUBLICATION_WARNING_DAYS:
                publication = "warning"
                problems.append(f"已 {days} 天未更新")
            else:
                publication = "ok"
        if publication != "n/a":
            level = _worse(level, publication)
    if overdue:
        level = _worse(level, "warning")
        problems.append(f"{overdue} 条留言超过 {REPLY_LIMIT_WORKDAYS} 个工作日未回复")
    return {
        "level": level,
        "level_label": LEVEL_LABELS[level],
        "problems": problems,
        "days_since_publication": days,
        "publication": publication,
        "unanswered_messages": unanswered,
        "overdue_messages": overdue,
        "token_state": token_state,
    }


async def follower_trends(
    account_ids: list[int], *, days: int = TREND_DAYS
) -> dict[int, list[tuple[date, int]]]:
    """Daily follower counts per account for the last `days` days, oldest first."""
    since = today_local() - timedelta(days=days - 1)
    rows = (
        await FollowerDaily.filter(account_id__in=account_ids, day__gte=since)
        .order_by("day")
        .values_list("account_id", "day", "follower_count")
    )
    out: dict[int, list[tuple[date, int]]] = {i: [] for i in account_ids}
    for account_id, day, count in rows:
        out.setdefault(account_id, []).append((day, count))
    return out


async def matrix_health(*, department_code: str | None = None) -> list[dict[str, Any]]:
    """Every account with its public fields, token state, health and 30-day follower trend."""
    query = Account.all().order_by("id")
    if department_code:
        query = query.filter(department_code=department_code)
    accounts = await query
    names = await department_names()
    counts = await unanswered_counts()
    tokens = await token_states(accounts)
    trends = await follower_trends([a.id for a in accounts])
    today = today_local()
    out = []
    for account in accounts:
        c = counts.get(account.id, {"unanswered": 0, "overdue": 0})
        token = tokens.get(account.appid or "")
        health = assess(
            account,
            today=today,
            unanswered=c["unanswered"],
            overdue=c["overdue"],
            token_state=token,
        )
        row = account_to_dict(
            account,
            department_name=names.get(account.department_code or ""),
            token_state=token,
            health=health,
        )
        row["follower_trend"] = [
            {"day": d.isoformat(), "followers": n} for d, n in trends.get(account.id, [])
        ]
        out.append(row)
    return out


def summarise(rows: list[dict[str, Any]]) -> dict[str, int]:
    summary = {level: 0 for level in LEVELS}
    for row in rows:
        summary[row["health"]["level"]] += 1
    summary["accounts"] = len(rows)
    summary["followers"] = sum(r["follower_count"] for r in rows)
    summary["overdue_messages"] = sum(r["health"]["overdue_messages"] for r in rows)
    return summary


async def snapshot_followers(*, day: date | None = None) -> int:
    """Write the day's (default: today's) follower count of every account (the hourly job;
    subscribes update it too)."""
    today = day or today_local()
    written = 0
    for account in await Account.all():
        async with in_transaction():
            row = await FollowerDaily.get_or_none(account=account, day=today)
            if row is None:
                await FollowerDaily.create(
                    account=account, day=today, follower_count=account.follower_count
                )
                written += 1
            elif row.follower_count != account.follower_count:
                await FollowerDaily.filter(id=row.id).update(follower_count=account.follower_count)
                written += 1
    return written
