"""A push with notify_followers: residents who follow one of the article's domains and hold
a grant get one subscribe message that opens the article's page, once per article."""

from __future__ import annotations

from datetime import datetime

import httpx

from gateway.clock import SHANGHAI
from mini_program.catalogue import service as catalogue
from mini_program.notify import service as notify
from tests.mini_program.notify.helpers import (
    allow,
    follow,
    make_residents,
    received,
    run_notify_jobs,
)
from tests.push.push_helpers import (
    EDITOR,
    Staff,
    approved_article,
    at,
    new_account,
    plan,
    settle,
)

LONG_TITLE = "蒙城县2026年义务教育阶段招生入学政策解读（含随迁子女入学办法）"
DIGEST = "今年起随迁子女凭居住证即可就近入学"


async def _domain(name: str) -> int:
    return next(int(d["id"]) for d in await catalogue.list_domains() if d["name"] == name)


async def test_a_follower_receives_the_article_once_with_its_title_account_time_and_page(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, staff: Staff
) -> None:
    domain = await _domain("社会救助")
    followers = await make_residents(4)
    await follow(followers, [domain])
    await allow(sandbox, followers, wechat=2)  # two grants each: the second must stay unused
    not_following = await make_residents(2)
    await allow(sandbox, not_following)
    article = await approved_article(
        api, staff, title=LONG_TITLE, digest=DIGEST, domain_ids=[domain]
    )

    # Two accounts in one plan: the article goes out twice, its followers hear once.
    first = await plan(
        api,
        staff,
        article["id"],
        [
            {"account": await new_account(), "at": at()},
            {"account": await new_account(), "at": at()},
        ],
        notify_followers=True,
    )
    done = await settle(api, staff, first.json()["plan"]["id"])
    assert {d["status"] for d in done["deliveries"]} == {"published"}
    await run_notify_jobs()
    got = await received(sandbox, followers)
    assert got == {"messages": 4, "recipients": 4, "most_to_one_recipient": 1}
    assert (await received(sandbox, not_following))["messages"] == 0

    # What one follower's WeChat shows: the template, the fields fitted to WeChat's limits
    # (thing: 20 characters), the account that published first and when, and the page.
    one = await received(sandbox, followers, openid=followers[0].openid)
    assert one["count"] == 1
    content = one["messages"][0]["content"]
    assert content["template_id"] == "GMdemoArticlePublished001"
    assert content["page"] == f"pages/article/index?id={article['id']}"
    data = {key: value["value"] for key, value in content["data"].items()}
    assert data["thing1"] == LONG_TITLE[:19] + "…"
    names = {d["account_name"]: d["published_at"] for d in done["deliveries"]}
    assert data["thing2"] in names
    published = datetime.fromisoformat(names[data["thing2"]]).astimezone(SHANGHAI)
    assert data["time3"] == published.strftime("%Y-%m-%d %H:%M")
    assert data["thing4"] == DIGEST

    # Each follower's one-time grant is used up by it.
    for resident in followers:
        assert (await notify.outstanding(resident_id=resident.id))["article_published"] == 0

    # The plan shows the notification; a second plan of the same article notifies no one
    # again and shows the same notification.
    shown = await api.get(f"/api/v1/admin/pushes/{done['id']}", headers=await staff(EDITOR))
    notification = shown.json()["plan"]["notification"]
    assert notification["counts"]["sent"] == 4
    assert notification["recipients"] == 4
    again = await plan(
        api,
        staff,
        article["id"],
        [{"account": await new_account(), "at": at()}],
        notify_followers=True,
    )
    second = await settle(api, staff, again.json()["plan"]["id"])
    await run_notify_jobs()
    assert (await received(sandbox, followers))["messages"] == 4
    assert second["notification"]["campaign_id"] == notification["campaign_id"]


async def test_a_plan_without_notify_followers_tells_no_one(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, staff: Staff
) -> None:
    domain = await _domain("社会救助")
    followers = await make_residents(2)
    await follow(followers, [domain])
    await allow(sandbox, followers)
    article = await approved_article(api, staff, domain_ids=[domain])
    made = await plan(api, staff, article["id"], [{"account": await new_account(), "at": at()}])
    done = await settle(api, staff, made.json()["plan"]["id"])
    await run_notify_jobs()
    assert done["notification"] is None
    assert (await received(sandbox, followers))["messages"] == 0
    for resident in followers:
        assert (await notify.outstanding(resident_id=resident.id))["article_published"] == 1
        # Leave no follower holding a grant behind: other tests count a domain's followers.
        await notify.set_follows(resident_id=resident.id, domain_ids=[])
