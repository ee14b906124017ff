"""notify(): one subscribe message per resident holding a grant, sent through the sandbox."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from gateway.config import get_settings
from mini_program.notify import fanout, service
from mini_program.notify.models import Campaign, Grant, GrantState, Message, MessageState
from tests.mini_program.notify.helpers import (
    allow,
    domain_ids,
    follow,
    make_residents,
    received,
    run_notify_jobs,
    tag,
)

pytestmark = pytest.mark.usefixtures("db")

TITLE = "关于2026年秋季学期城区义务教育阶段学校招生工作的通知"
ARTICLE = {"title": TITLE, "department": "县教育局"}


async def notify_followers(ids: list[int], key: str, **extra: object) -> dict:
    return await service.notify(
        purpose="article_published",
        object_key=key,
        domain_ids=ids,
        data={**ARTICLE, "time": datetime(2026, 7, 1, 2, 30, tzinfo=UTC)},
        page="pages/document/index?id=12",
        **extra,  # type: ignore[arg-type]
    )


async def test_every_follower_holding_a_grant_gets_exactly_one_message(
    sandbox: httpx.AsyncClient,
) -> None:
    first, second = await domain_ids(2)
    holders = await make_residents(12)
    await follow(holders[:8], [first])
    await follow(holders[8:], [first, second])  # following both domains: still one message
    await allow(sandbox, holders)
    without_grant = await make_residents(3)
    await follow(without_grant, [first])
    not_following = await make_residents(2)
    await allow(sandbox, not_following)

    queued = await notify_followers([first, second], f"article:{tag()}")
    assert queued["created"]
    assert await run_notify_jobs() >= 2

    got = await received(sandbox, holders)
    assert got == {"messages": 12, "recipients": 12, "most_to_one_recipient": 1}
    assert (await received(sandbox, without_grant))["messages"] == 0
    assert (await received(sandbox, not_following))["messages"] == 0
    status = await service.campaign_status(campaign_id=queued["campaign_id"])
    assert status is not None
    assert status["state"] == "done"
    assert status["recipients"] == 12
    assert status["counts"]["sent"] == 12
    used = await Grant.filter(resident_id__in=[r.id for r in holders]).values_list(
        "state", flat=True
    )
    assert set(used) == {GrantState.USED}
    # The message opens the given page, with the data fitted to WeChat's rules.
    one = await received(sandbox, holders, openid=holders[0].openid)
    content = one["messages"][0]["content"]
    assert content["page"] == "pages/document/index?id=12"
    assert content["data"]["thing1"]["value"] == TITLE[:19] + "…"
    assert len(content["data"]["thing1"]["value"]) == 20
    assert content["data"]["thing2"]["value"] == "县教育局"
    assert content["data"]["time3"]["value"] == "2026-07-01 10:30"


async def test_one_resident_is_never_notified_twice_about_one_object(
    sandbox: httpx.AsyncClient,
) -> None:
    (domain,) = await domain_ids(1)
    residents = await make_residents(4)
    await follow(residents, [domain])
    await allow(sandbox, residents, wechat=3)
    await allow(sandbox, residents, wechat=0)  # a second grant on our side too
    key = f"article:{tag()}"
    await notify_followers([domain], key)
    await run_notify_jobs()
    # The same call again is the same campaign; another call about the same object (other
    # targets) finds every resident already notified.
    again = await notify_followers([domain], key)
    assert not again["created"]
    other = await service.notify(
        purpose="article_published",
        object_key=key,
        resident_ids=[r.id for r in residents],
        data={"title": "同一篇文章"},
    )
    assert other["created"]
    await run_notify_jobs()
    assert (await received(sandbox, residents))["most_to_one_recipient"] == 1
    assert await service.object_counts(purpose="article_published", object_key=key) == {
        **dict.fromkeys(("pending", "sending", "refused", "failed", "no_grant", "unknown"), 0),
        "sent": 4,
    }
    # Each resident keeps the grant the second call did not need.
    left = await service.outstanding(resident_id=residents[0].id)
    assert left["article_published"] == 1


async def test_43101_voids_the_grant_and_is_not_retried(sandbox: httpx.AsyncClient) -> None:
    residents = await make_residents(2)
    # The app told us "accept", but WeChat holds no grant for them (used up elsewhere).
    await allow(sandbox, residents, "consultation_answered", wechat=0)
    path = "/cgi-bin/message/subscribe/send"
    earlier = (await sandbox.get("/sandbox/calls", params={"path": path})).json()["calls"]
    since = earlier[-1]["id"] if earlier else 0
    queued = await service.notify(
        purpose="consultation_answered",
        object_key=f"consultation:{tag()}",
        resident_ids=[r.id for r in residents],
        data={"topic": "低保申请", "ref_no": "ZX-2026-0001"},
    )
    await run_notify_jobs()
    calls = (await sandbox.get("/sandbox/calls", params={"path": path, "since": since})).json()
    assert [c["errcode"] for c in calls["calls"]] == [43101, 43101], "one call each, no retry"
    messages = await Message.filter(campaign_id=queued["campaign_id"])
    assert {(m.state, m.errcode) for m in messages} == {(MessageState.REFUSED, 43101)}
    grants = await Grant.filter(resident_id__in=[r.id for r in residents])
    assert {g.state for g in grants} == {GrantState.VOID}
    assert (await service.outstanding(resident_id=residents[0].id))["consultation_answered"] == 0


async def test_a_resident_without_a_grant_gets_nothing(sandbox: httpx.AsyncClient) -> None:
    residents = await make_residents(1)
    await allow(sandbox, residents, "open_day_result", ours=False)  # WeChat yes, never told us
    queued = await service.notify(
        purpose="open_day_result",
        object_key=f"registration:{tag()}",
        resident_ids=[residents[0].id],
        data={"event": "政府开放日", "result": "候补转正"},
    )
    await run_notify_jobs()
    status = await service.campaign_status(campaign_id=queued["campaign_id"])
    assert status is not None
    assert status["recipients"] == 0
    assert status["state"] == "done"
    assert (await received(sandbox, residents, "open_day_result"))["messages"] == 0


async def test_busy_wechat_is_retried_with_backoff_until_sent(sandbox: httpx.AsyncClient) -> None:
    residents = await make_residents(3)
    await allow(sandbox, residents, "application_status")
    path = "/cgi-bin/message/subscribe/send"
    fault = {"appid": get_settings().mp_appid, "path": path, "rate_minus1": 1.0, "times": 4}
    assert (await sandbox.post("/sandbox/faults", json=fault)).status_code == 201
    try:
        queued = await service.notify(
            purpose="application_status",
            object_key=f"application:{tag()}",
            resident_ids=[r.id for r in residents],
            data={"title": "关于公开2025年财政预算的申请", "status": "已办结"},
        )
        await run_notify_jobs()
    finally:
        await sandbox.delete("/sandbox/faults", params={"appid": get_settings().mp_appid})
    messages = await Message.filter(campaign_id=queued["campaign_id"])
    assert {m.state for m in messages} == {MessageState.SENT}
    assert sum(m.attempts for m in messages) == 3 + 4  # four busy answers, each retried
    assert (await received(sandbox, residents, "application_status"))["messages"] == 3


async def test_parallel_senders_never_spend_one_grant_twice(sandbox: httpx.AsyncClient) -> None:
    residents = await make_residents(10)
    # WeChat would accept five messages each: only our grant (one each) may limit them.
    await allow(sandbox, residents, "open_day_reminder", wechat=5)
    campaigns = [
        await service.notify(
            purpose="open_day_reminder",
            object_key=f"open_day:{tag()}",
            resident_ids=[r.id for r in residents],
            data={"event": f"开放日 {n}", "place": "县政务服务中心"},
        )
        for n in range(3)
    ]
    for c in campaigns:
        await fanout.fan_out(c["campaign_id"])
    chunks = []
    for c in campaigns:
        ids = await Message.filter(campaign_id=c["campaign_id"]).values_list("id", flat=True)
        chunks.append((c["campaign_id"], min(ids), max(ids)))
    # Every chunk twice at once (as if a lease were taken over while its worker still ran).
    await asyncio.gather(*(fanout.send_chunk(*chunk) for chunk in chunks * 2))

    got = await received(sandbox, residents, "open_day_reminder")
    assert got["messages"] == 10
    assert got["most_to_one_recipient"] == 1
    states = await Message.filter(
        campaign_id__in=[c["campaign_id"] for c in campaigns]
    ).values_list("state", flat=True)
    assert states.count(MessageState.SENT) + states.count(MessageState.UNKNOWN) >= 10
    assert MessageState.PENDING not in states
    assert MessageState.SENDING not in states
    assert set(
        await Grant.filter(resident_id__in=[r.id for r in residents]).values_list(
            "state", flat=True
        )
    ) == {GrantState.USED}


async def test_content_refused_by_wechat_keeps_the_grant_and_the_errcode(
    sandbox: httpx.AsyncClient,
) -> None:
    residents = await make_residents(1)
    await allow(sandbox, residents)
    appid = get_settings().mp_appid
    fault = {
        "appid": appid,
        "path": "/cgi-bin/message/subscribe/send",
        "errcode": 47003,
        "rate": 1.0,
        "times": 1,
    }
    assert (await sandbox.post("/sandbox/faults", json=fault)).status_code == 201
    try:
        queued = await service.notify(
            purpose="article_published",
            object_key=f"article:{tag()}",
            resident_ids=[residents[0].id],
            data={"title": "测试"},
        )
        await run_notify_jobs()
    finally:
        await sandbox.delete("/sandbox/faults", params={"appid": appid})
    message = await Message.get(campaign_id=queued["campaign_id"])
    assert (message.state, message.errcode) == (MessageState.REFUSED, 47003)
    assert message.attempts == 1
    # WeChat did not take the grant: the resident keeps it for the next message.
    assert (await service.outstanding(resident_id=residents[0].id))["article_published"] == 1


async def test_notify_refuses_programming_mistakes_at_once() -> None:
    with pytest.raises(LookupError):
        await service.notify(purpose="nope", object_key="x:1", resident_ids=[1], data={})
    with pytest.raises(ValueError, match="no field"):
        await service.notify(
            purpose="article_published", object_key="x:1", resident_ids=[1], data={"foo": 1}
        )
    with pytest.raises(ValueError, match="exactly one"):
        await service.notify(purpose="article_published", object_key="x:1", data={"title": "t"})
    with pytest.raises(ValueError, match="page"):
        await service.notify(
            purpose="article_published",
            object_key="x:1",
            resident_ids=[1],
            data={"title": "t"},
            page="https://example.com/",
        )
    assert not await Campaign.exists(object_key="x:1")
