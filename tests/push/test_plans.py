"""Planning: refusals name the delivery (past times, unknown or inactive accounts, unapproved
articles, quotas with the first date that fits); groups with a stagger; one plan per key;
cancel, reschedule and retry rules."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta

import httpx
import pytest

from gateway.clock import SHANGHAI, local_date
from gateway.clock import now as clock_now
from tests.conftest import assert_error
from tests.push.push_helpers import (
    EDITOR,
    Staff,
    approved_article,
    at,
    create_article,
    new_account,
    plan,
)

# One "today" for the whole module (Shanghai), taken once: a test that runs across midnight
# still names the same days in its plans and in what it expects (make test-midnight).
TODAY = local_date(clock_now())


def _local_day(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


def _noon(days: int) -> str:
    """Noon (Shanghai) `days` after the module's today: always ahead, never near midnight."""
    return datetime.combine(TODAY + timedelta(days=days), time(12), SHANGHAI).isoformat()


async def test_refusals_name_each_delivery(api: httpx.AsyncClient, staff: Staff) -> None:
    article = await approved_article(api, staff)
    good, inactive = await new_account(), await new_account(active=False)
    response = await plan(
        api,
        staff,
        article["id"],
        [
            {"account": good, "at": at(-3600), "mode": "publish"},
            {"account": "nosuchaccount", "at": at(3600), "mode": "publish"},
            {"account": inactive, "at": at(3600), "mode": "publish"},
        ],
    )
    fields = assert_error(response, 422, "invalid")["fields"]
    assert "已经过去" in fields["deliveries.0.at"]
    assert fields["deliveries.1.account"] == "没有公众号 nosuchaccount"
    assert "已停用" in fields["deliveries.2.account"]
    naive = await plan(api, staff, article["id"], [{"account": good, "at": "2026-05-01T09:00:00"}])
    assert "须带时区" in assert_error(naive, 422)["fields"]["deliveries.0.at"]


async def test_only_a_fully_approved_version_can_be_planned(
    api: httpx.AsyncClient, staff: Staff
) -> None:
    draft = await create_article(api, staff)
    account = await new_account()
    response = await plan(api, staff, draft["id"], [{"account": account, "at": at(3600)}])
    assert "尚未通过全部审核" in assert_error(response, 422)["fields"]["article_id"]

    approved = await approved_article(api, staff)
    edited = await api.patch(
        f"/api/v1/admin/articles/{approved['id']}",
        headers=await staff(EDITOR),
        json={"digest": "改过的摘要"},
    )
    assert edited.json()["article"]["review"]["status"] == "draft"
    response = await plan(api, staff, approved["id"], [{"account": account, "at": at(3600)}])
    assert "尚未通过全部审核" in assert_error(response, 422)["fields"]["article_id"]
    missing = await plan(api, staff, 99999999, [{"account": account, "at": at(3600)}])
    assert assert_error(missing, 422)["fields"]["article_id"] == "没有这篇文章"


@pytest.mark.dates
async def test_subscription_accounts_group_send_once_a_day(
    api: httpx.AsyncClient, staff: Staff
) -> None:
    article = await approved_article(api, staff)
    account = await new_account("subscription")
    first = await plan(
        api, staff, article["id"], [{"account": account, "at": _noon(2), "mode": "mass"}]
    )
    assert first.status_code == 201, first.text
    same_day = await plan(
        api, staff, article["id"], [{"account": account, "at": _noon(2), "mode": "mass"}]
    )
    message = assert_error(same_day, 422)["fields"]["deliveries.0.mode"]
    assert "每天 1 次" in message
    assert f"最早可排 {_local_day(3)}" in message
    # Publishing (not a group send) uses no quota.
    publish = await plan(
        api, staff, article["id"], [{"account": account, "at": _noon(2), "mode": "publish"}]
    )
    assert publish.status_code == 201


@pytest.mark.dates
async def test_service_accounts_group_send_four_times_a_month(
    api: httpx.AsyncClient, staff: Staff
) -> None:
    article = await approved_article(api, staff)
    account = await new_account("service")
    # Four sends in the month of a day 40 days ahead: that month is then full.
    base = TODAY + timedelta(days=40)
    first_day = datetime.combine(base.replace(day=1), time(10), SHANGHAI)
    for n in range(4):
        ok = await plan(
            api,
            staff,
            article["id"],
            [
                {
                    "account": account,
                    "at": (first_day + timedelta(days=n)).isoformat(),
                    "mode": "mass",
                }
            ],
        )
        assert ok.status_code == 201, ok.text
    fifth = await plan(
        api,
        staff,
        article["id"],
        [{"account": account, "at": (first_day + timedelta(days=10)).isoformat(), "mode": "mass"}],
    )
    message = assert_error(fifth, 422)["fields"]["deliveries.0.mode"]
    next_month = (first_day + timedelta(days=32)).replace(day=1).date().isoformat()
    assert "每月 4 次" in message
    assert f"最早可排 {next_month}" in message


@pytest.mark.dates
async def test_parallel_plans_cannot_share_the_last_group_send(
    api: httpx.AsyncClient, staff: Staff
) -> None:
    article = await approved_article(api, staff)
    account = await new_account("subscription")
    await staff(EDITOR)
    answers = await asyncio.gather(
        *[
            plan(api, staff, article["id"], [{"account": account, "at": _noon(5), "mode": "mass"}])
            for _ in range(6)
        ]
    )
    assert sorted(r.status_code for r in answers).count(201) == 1, [r.text for r in answers]
    assert all(r.status_code in (201, 409, 422) for r in answers)


async def test_a_double_submitted_plan_creates_one_plan(
    api: httpx.AsyncClient, staff: Staff
) -> None:
    article = await approved_article(api, staff)
    account = await new_account()
    body = [{"account": account, "at": at(7200)}]
    await staff(EDITOR)
    answers = await asyncio.gather(
        *[plan(api, staff, article["id"], body, key="form-3f9a2c") for _ in range(5)]
    )
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 200, 200, 200, 201], [r.text for r in answers]
    assert len({r.json()["plan"]["id"] for r in answers}) == 1
    reused = await plan(
        api, staff, article["id"], [{"account": account, "at": at(9000)}], key="form-3f9a2c"
    )
    assert assert_error(reused, 409, "idempotency_key_reused")["fields"]["key"]


@pytest.mark.dates
async def test_a_group_at_one_time_with_a_stagger(api: httpx.AsyncClient, staff: Staff) -> None:
    article = await approved_article(api, staff)
    codes = [await new_account() for _ in range(3)]
    headers = await staff(EDITOR)
    group = await api.post(
        "/api/v1/admin/account-groups",
        headers=headers,
        json={"name": f"组{codes[0]}", "accounts": codes},
    )
    assert group.status_code == 201, group.text
    group_id = group.json()["group"]["id"]
    groups = (await api.get("/api/v1/admin/account-groups", headers=headers)).json()["groups"]
    assert groups[0]["id"] == "all"
    assert len(groups[0]["accounts"]) >= 27
    assert any(g["id"] == "system:education" and "mcjy" in g["accounts"] for g in groups)

    start = _noon(3)
    response = await plan(
        api,
        staff,
        article["id"],
        [],
        groups=[{"group": group_id, "at": start, "stagger_minutes": 10, "mode": "publish"}],
        notify_followers=True,
    )
    assert response.status_code == 201, response.text
    deliveries = response.json()["plan"]["deliveries"]
    assert [d["account"] for d in deliveries] == codes
    minutes = [d["at"][11:16] for d in deliveries]
    assert minutes == ["12:00", "12:10", "12:20"]
    assert all(d["status"] == "scheduled" for d in deliveries)

    unknown = await plan(
        api, staff, article["id"], [], groups=[{"group": "saved:999999", "at": start}]
    )
    assert assert_error(unknown, 422)["fields"]["groups.0.group"] == "没有这个账号分组"
    nothing = await plan(api, staff, article["id"], [])
    assert assert_error(nothing, 422)["fields"]["deliveries"] == "请至少选择一个账号"


@pytest.mark.dates
async def test_cancel_and_reschedule_before_the_time(api: httpx.AsyncClient, staff: Staff) -> None:
    article = await approved_article(api, staff)
    account = await new_account("subscription")
    other = await new_account("subscription")
    created = await plan(
        api,
        staff,
        article["id"],
        [
            {"account": account, "at": _noon(4), "mode": "mass"},
            {"account": other, "at": _noon(4), "mode": "publish"},
        ],
    )
    plan_id = created.json()["plan"]["id"]
    mass = next(d for d in created.json()["plan"]["deliveries"] if d["account"] == account)
    headers = await staff(EDITOR)
    base = f"/api/v1/admin/pushes/{plan_id}/deliveries/{mass['id']}"

    moved = await api.post(f"{base}/reschedule", headers=headers, json={"at": _noon(6)})
    assert moved.status_code == 200, moved.text
    assert moved.json()["delivery"]["at"].startswith(_local_day(6))
    # Its group-send slot moved with it: day 4 is free again, day 6 is taken.
    again = await plan(
        api, staff, article["id"], [{"account": account, "at": _noon(4), "mode": "mass"}]
    )
    assert again.status_code == 201
    taken = await plan(
        api, staff, article["id"], [{"account": account, "at": _noon(6), "mode": "mass"}]
    )
    assert "最早可排" in assert_error(taken, 422)["fields"]["deliveries.0.mode"]

    past = await api.post(f"{base}/reschedule", headers=headers, json={"at": at(-7200)})
    assert assert_error(past, 422)["fields"]["at"] == "新的发送时间已经过去"

    cancelled = await api.post(f"{base}/cancel", headers=headers)
    assert cancelled.json()["delivery"]["status"] == "cancelled"
    assert_error(await api.post(f"{base}/cancel", headers=headers), 409, "delivery_not_cancellable")
    assert_error(await api.post(f"{base}/retry", headers=headers), 409, "delivery_not_retryable")
    freed = await plan(
        api, staff, article["id"], [{"account": account, "at": _noon(6), "mode": "mass"}]
    )
    assert freed.status_code == 201

    reviewer = await staff("reviewer")
    assert_error(await api.post(f"{base}/cancel", headers=reviewer), 403)
    assert_error(
        await api.post(
            f"/api/v1/admin/pushes/{plan_id}/deliveries/99999999/cancel", headers=headers
        ),
        404,
    )
