"""Dispatch against the sandbox: materials and the draft, submit, PUBLISHJOBFINISH or a poll,
group sends with a fixed clientmsgid, retries, content errors, and the approved-hash check."""

from __future__ import annotations

import httpx

from tests.matrix.wechat.support import eventually
from tests.push.push_helpers import (
    EDITOR,
    Staff,
    appid_of,
    approved_article,
    at,
    get_plan,
    jpeg,
    new_account,
    plan,
    plan_now,
    run_jobs,
    sandbox_fault,
    sandbox_record,
    settle,
    upload_image,
)


async def _account_row(code: str) -> dict:
    from matrix.service import account_to_dict, get_account

    return account_to_dict(await get_account(code=code))


async def test_a_due_delivery_is_published_and_closed_by_the_publish_event(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, staff: Staff
) -> None:
    headers = await staff(EDITOR)
    cover = await upload_image(api, headers, jpeg((900, 383), "darkred"))
    inline = await upload_image(api, headers, jpeg((600, 300), "teal"))
    article = await approved_article(
        api,
        staff,
        cover_media_id=cover["media_id"],
        content=f'<p>招生政策解读</p><p><img src="{inline["url"]}"></p>',
    )
    account = await new_account("subscription")
    before = await _account_row(account)
    created = await plan(
        api, staff, article["id"], [{"account": account, "at": at(), "title": "【教育】招生解读"}]
    )
    assert created.status_code == 201, created.text
    plan_id = created.json()["plan"]["id"]

    await run_jobs()
    submitted = (await get_plan(api, staff, plan_id))["deliveries"][0]
    assert submitted["status"] == "sending"
    assert submitted["publish_id"]

    # The sandbox's PUBLISHJOBFINISH reaches the callback; the delivery closes without a poll.
    async def published() -> dict | None:
        row = (await get_plan(api, staff, plan_id))["deliveries"][0]
        return row if row["status"] == "published" else None

    row = await eventually(published, within=15)
    assert row["url"]
    assert "/sandbox/articles/" in row["url"]
    page = await sandbox.get(row["url"])
    assert "【教育】招生解读" in page.text
    assert "招生政策解读" in page.text
    assert "/sandbox/media/" in page.text  # the inline image was uploaded, not stripped

    record = await sandbox_record(sandbox, await appid_of(account))
    assert len(record["publishes"]) == 1
    assert record["publishes"][0]["publish_status"] == 0
    after = await _account_row(account)
    assert after["last_published_at"]
    assert after["last_published_at"] != before["last_published_at"]


async def test_without_a_cover_the_accounts_default_cover_is_used(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, staff: Staff
) -> None:
    article = await approved_article(api, staff)
    account = await new_account("service")
    headers = await staff(EDITOR)
    chosen = await upload_image(api, headers, jpeg((900, 383), "green"))
    set_cover = await api.put(
        f"/api/v1/admin/default-covers/{account}",
        headers=headers,
        json={"media_id": chosen["media_id"]},
    )
    assert set_cover.status_code == 204
    created = await plan(api, staff, article["id"], [{"account": account, "at": at()}])
    done = await settle(api, staff, created.json()["plan"]["id"])
    assert done["deliveries"][0]["status"] == "published"
    calls = (await sandbox.get("/sandbox/calls", params={"appid": await appid_of(account)})).json()
    assert [c["path"] for c in calls["calls"]].count("/cgi-bin/material/add_material") == 1


async def test_a_group_send_carries_a_fixed_clientmsgid_and_closes_with_its_url(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, staff: Staff
) -> None:
    article = await approved_article(api, staff)
    account = await new_account("service")
    created = await plan(
        api, staff, article["id"], [{"account": account, "at": at(), "mode": "mass"}]
    )
    done = await settle(api, staff, created.json()["plan"]["id"])
    row = done["deliveries"][0]
    assert row["status"] == "published"
    assert row["msg_id"]
    record = await sandbox_record(sandbox, await appid_of(account))
    assert len(record["masses"]) == 1
    assert record["masses"][0]["msg_id"] == int(row["msg_id"])

    async def has_url() -> str | None:
        return (await get_plan(api, staff, done["id"]))["deliveries"][0]["url"]

    assert "/sandbox/articles/" in await eventually(has_url, within=10)


async def test_transient_failures_are_retried_until_they_pass(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, staff: Staff
) -> None:
    article = await approved_article(api, staff)
    account = await new_account("subscription")
    appid = await appid_of(account)
    # draft/add answers -1 (system busy) six times: more than the client retries by itself.
    busy = {"path": "/cgi-bin/draft/add", "errcode": -1, "rate": 1.0, "times": 6}
    async with sandbox_fault(sandbox, appid, **busy):
        plan_id = await plan_now(api, staff, article["id"], account)
        await run_jobs()
        row = (await get_plan(api, staff, plan_id))["deliveries"][0]
        assert row["status"] == "sending"
        assert row["attempts"] >= 1
        assert row["errcode"] is not None
        done = await settle(api, staff, plan_id)
    assert done["deliveries"][0]["status"] == "published"
    assert len((await sandbox_record(sandbox, appid))["publishes"]) == 1


async def test_content_errors_fail_at_once_with_wechats_errcode(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, staff: Staff
) -> None:
    article = await approved_article(api, staff)
    account = await new_account("subscription")
    appid = await appid_of(account)
    async with sandbox_fault(sandbox, appid, path="/cgi-bin/draft/add", errcode=45002, rate=1.0):
        plan_id = await plan_now(api, staff, article["id"], account)
        await run_jobs()
    row = (await get_plan(api, staff, plan_id))["deliveries"][0]
    assert row["status"] == "failed"
    assert row["errcode"] == 45002
    assert row["error"]
    assert row["attempts"] == 0
    assert row["can_retry"]

    # The editor retries; the cause is gone, so it goes out (once).
    retried = await api.post(
        f"/api/v1/admin/pushes/{plan_id}/deliveries/{row['id']}/retry", headers=await staff(EDITOR)
    )
    assert retried.json()["delivery"]["status"] == "sending"
    done = await settle(api, staff, plan_id)
    assert done["deliveries"][0]["status"] == "published"
    assert len((await sandbox_record(sandbox, appid))["publishes"]) == 1


async def test_a_publish_wechat_rejects_fails_visibly(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, staff: Staff
) -> None:
    article = await approved_article(api, staff)
    account = await new_account("service")
    async with sandbox_fault(sandbox, await appid_of(account), publish_status=4):
        done = await settle(api, staff, await plan_now(api, staff, article["id"], account))
    row = done["deliveries"][0]
    assert row["status"] == "failed"
    assert "平台审核不通过" in row["error"]


async def test_an_article_edited_after_planning_is_not_sent(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, staff: Staff
) -> None:
    article = await approved_article(api, staff)
    account = await new_account("subscription")
    plan_id = await plan_now(api, staff, article["id"], account)
    edited = await api.patch(
        f"/api/v1/admin/articles/{article['id']}",
        headers=await staff(EDITOR),
        json={"content": "<p>未经审核的新内容</p>"},
    )
    assert edited.status_code == 200
    done = await settle(api, staff, plan_id)
    row = done["deliveries"][0]
    assert row["status"] == "failed"
    assert "排期后已修改" in row["error"]
    assert (await sandbox_record(sandbox, await appid_of(account)))["publishes"] == []


async def test_a_lost_submit_answer_is_reconciled_not_repeated(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, staff: Staff
) -> None:
    article = await approved_article(api, staff)
    account = await new_account("subscription")
    appid = await appid_of(account)
    # The submit takes effect, but its answer never arrives (a dropped connection).
    lost = {"path": "/cgi-bin/freepublish/submit", "rate_lost": 1.0, "times": 1}
    async with sandbox_fault(sandbox, appid, **lost):
        plan_id = await plan_now(api, staff, article["id"], account)
        await run_jobs()
        row = (await get_plan(api, staff, plan_id))["deliveries"][0]
        assert row["step"] == "submitting"
        assert row["publish_id"] is None
        done = await settle(api, staff, plan_id)
    row = done["deliveries"][0]
    assert row["status"] == "published"
    assert row["publish_id"]
    assert row["url"]
    assert len((await sandbox_record(sandbox, appid))["publishes"]) == 1


async def test_published_article_is_readable_by_residents_as_it_went_out(
    api: httpx.AsyncClient, staff: Staff
) -> None:
    headers = await staff(EDITOR)
    picture = await upload_image(api, headers, jpeg((400, 200), "orange"))
    article = await approved_article(
        api, staff, domain_ids=[1], content=f'<p>居民版正文</p><p><img src="{picture["url"]}"></p>'
    )
    assert (await api.get(f"/api/v1/mp/articles/{article['id']}")).status_code == 404
    account = await new_account("subscription")
    created = await plan(api, staff, article["id"], [{"account": account, "at": at()}])
    await settle(api, staff, created.json()["plan"]["id"])
    # Later edits (unreviewed) do not change what residents read.
    await api.patch(
        f"/api/v1/admin/articles/{article['id']}", headers=headers, json={"content": "<p>草稿</p>"}
    )
    shown = (await api.get(f"/api/v1/mp/articles/{article['id']}")).json()["article"]
    assert "居民版正文" in shown["content"]
    assert "草稿" not in shown["content"]
    assert f'src="{api.base_url}{picture["url"]}"' in shown["content"]
    assert shown["domains"][0]["id"] == 1
    assert shown["published_at"]
    listed = (await api.get("/api/v1/mp/articles", params={"domain_id": 1})).json()
    assert article["id"] in [a["id"] for a in listed["items"]]


async def test_a_lost_group_send_answer_is_deduplicated_by_its_clientmsgid(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, staff: Staff
) -> None:
    article = await approved_article(api, staff)
    account = await new_account("service")
    appid = await appid_of(account)
    lost = {"path": "/cgi-bin/message/mass/sendall", "rate_lost": 1.0, "times": 1}
    async with sandbox_fault(sandbox, appid, **lost):
        plan_id = await plan_now(api, staff, article["id"], account, "mass")
        await run_jobs()  # sent, answer lost; repeated at once: 45066, wait a minute
        row = (await get_plan(api, staff, plan_id))["deliveries"][0]
        assert row["status"] == "sending"
        assert row["errcode"] == 45066
        # A minute later (on WeChat's clock too) the repeat answers 45065 with the msg_id.
        await sandbox.post("/sandbox/clock", json={"appid": appid, "advance_seconds": 61})
        try:
            await run_jobs(ahead=65)
            done = await settle(api, staff, plan_id)
        finally:
            await sandbox.post("/sandbox/clock", json={"appid": appid, "reset": True})
    row = done["deliveries"][0]
    assert row["status"] == "published"
    assert row["msg_id"]
    assert len((await sandbox_record(sandbox, appid))["masses"]) == 1


async def test_a_delivery_is_prepared_ahead_and_its_draft_removed_when_cancelled(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, staff: Staff
) -> None:
    article = await approved_article(api, staff)
    account = await new_account("subscription")
    created = await plan(api, staff, article["id"], [{"account": account, "at": at(300)}])
    plan_id = created.json()["plan"]["id"]
    await run_jobs()  # within the staging lead: cover and draft now, the submit at its time
    row = (await get_plan(api, staff, plan_id))["deliveries"][0]
    assert row["status"] == "scheduled"
    assert row["step"] == "staged"
    assert row["can_cancel"]
    appid = await appid_of(account)
    assert (await sandbox_record(sandbox, appid))["publishes"] == []

    cancelled = await api.post(
        f"/api/v1/admin/pushes/{plan_id}/deliveries/{row['id']}/cancel",
        headers=await staff(EDITOR),
    )
    assert cancelled.json()["delivery"]["status"] == "cancelled"
    await run_jobs(ahead=400)
    calls = await sandbox.get(
        "/sandbox/calls", params={"appid": appid, "path": "/cgi-bin/draft/delete"}
    )
    assert [c["errcode"] for c in calls.json()["calls"]] == [0]
    assert (await sandbox_record(sandbox, appid))["publishes"] == []


async def test_an_account_deactivated_after_planning_is_not_sent_to(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient, staff: Staff
) -> None:
    from matrix.schemas import AccountUpdate
    from matrix.service import Actor, update_account

    article = await approved_article(api, staff)
    account = await new_account("subscription")
    plan_id = await plan_now(api, staff, article["id"], account)
    await update_account(code=account, data=AccountUpdate(is_active=False), actor=Actor.cli())
    done = await settle(api, staff, plan_id)
    row = done["deliveries"][0]
    assert row["status"] == "failed"
    assert "已停用" in row["error"]
    assert (await sandbox_record(sandbox, await appid_of(account)))["publishes"] == []
