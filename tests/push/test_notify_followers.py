"""A push with notify_followers: residents who follow one of the article's domains and hold
a grant get one subscribe message that opens the article's page, once per article."""

from __future__ import annotations

import httpx

from tests.mini_program.notify.helpers import (
    allow,
    follow,
    make_residents,
    received,
    run_notify_jobs,
)
from tests.push.push_helpers import Staff, approved_article, at, new_account, plan, settle


async def test_followers_hear_once_when_the_article_first_goes_out(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, staff: Staff
) -> None:
    from mini_program.catalogue import service as catalogue

    domain = next(d["id"] for d in await catalogue.list_domains() if d["name"] == "社会救助")
    followers = await make_residents(4)
    await follow(followers, [domain])
    await allow(sandbox, followers, wechat=2)  # two grants each: the second must stay unused
    not_following = await make_residents(2)
    await allow(sandbox, not_following)
    article = await approved_article(api, staff, domain_ids=[domain])

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
    one = await received(sandbox, followers, openid=followers[0].openid)
    assert one["messages"][0]["content"]["page"] == f"pages/article/index?id={article['id']}"

    # The plan shows the notification; a second plan of the same article notifies no one again.
    shown = await api.get(f"/api/v1/admin/pushes/{done['id']}", headers=await staff("editor"))
    assert shown.json()["plan"]["notification"]["counts"]["sent"] == 4
    again = await plan(
        api,
        staff,
        article["id"],
        [{"account": await new_account(), "at": at()}],
        notify_followers=True,
    )
    await settle(api, staff, again.json()["plan"]["id"])
    await run_notify_jobs()
    assert (await received(sandbox, followers))["messages"] == 4
