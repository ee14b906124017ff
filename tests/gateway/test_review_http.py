"""The review endpoints a domain gets from ReviewRoutes, over HTTP and in Chromium, served by
a test-only kind of content (tests/gateway/review_app.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import assert_error
from tests.gateway import review_app
from tests.gateway.review_fixtures import review_url  # noqa: F401  (fixture)
from tests.gateway.staff_helpers import STRONG_PASSWORD, create_staff, sign_in

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def client(review_url: str) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811  (the imported fixture)
    await review_app.create_table()
    async with httpx.AsyncClient(base_url=review_url, timeout=30) as c:
        yield c


async def staff(client: httpx.AsyncClient, admin: dict, role: str = "admin") -> tuple[int, dict]:
    # The test kind's permissions (testnote.write/.review) are held by admins ("*") only.
    staff_id, username = await create_staff(client, admin, role=role, prefix="rv")
    return staff_id, await sign_in(client, username, STRONG_PASSWORD)


async def test_submit_and_three_signatures_over_http(client: httpx.AsyncClient) -> None:
    admin = await sign_in(client, "admin")
    author_id, author = await staff(client, admin)
    reviewers = [(await staff(client, admin))[1] for _ in range(3)]
    note = await review_app.create_note(author_id=author_id, body="关于开展防汛演练的通知")
    base = f"/api/v1/admin/testnotes/{note}"

    submitted = await client.post(base + "/submit", headers=author)  # no body at all
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["review"]["status"] == "in_review"
    assert submitted.json()["review"]["current_level"]["name"] == "初审"

    for headers, name in zip(reviewers, ("初审", "复审", "终审"), strict=True):
        signed = await client.post(
            base + "/review", headers=headers, json={"decision": "approve", "comment": "同意"}
        )
        assert signed.status_code == 200, signed.text
        levels = {lv["name"]: lv["state"] for lv in signed.json()["review"]["levels"]}
        assert levels[name] == "approved"
    shown = (await client.get(base + "/review", headers=author)).json()
    assert shown["review"]["status"] == "approved"
    assert shown["review"]["approved_version"]["version"] == 1
    assert [h["action"] for h in shown["history"]] == ["submitted"] + ["approved"] * 3
    assert shown["history"][1]["action_label"] == "通过"


async def test_the_author_gets_a_chinese_403_and_a_reject_needs_a_comment(
    client: httpx.AsyncClient,
) -> None:
    admin = await sign_in(client, "admin")
    author_id, author = await staff(client, admin)
    _, reviewer = await staff(client, admin)
    note = await review_app.create_note(author_id=author_id, body="通知正文")
    base = f"/api/v1/admin/testnotes/{note}"
    assert (
        await client.post(base + "/submit", headers=author, json={"version": 1})
    ).status_code == 201

    own = await client.post(base + "/review", headers=author, json={"decision": "approve"})
    assert assert_error(own, 403, "review_own_content")["message"] == "不能审核自己撰写或送审的内容"

    no_comment = await client.post(base + "/review", headers=reviewer, json={"decision": "reject"})
    assert assert_error(no_comment, 422)["fields"] == {"comment": "退回时请填写审核意见"}
    wrong = await client.post(base + "/review", headers=reviewer, json={"decision": "maybe"})
    assert "approve" in assert_error(wrong, 422)["fields"]["decision"]
    assert_error(await client.post(base + "/review", headers=reviewer, content=b"{"), 400)

    returned = await client.post(
        base + "/review", headers=reviewer, json={"decision": "reject", "comment": "标题有错别字"}
    )
    assert returned.json()["review"]["status"] == "rejected"
    assert returned.json()["review"]["comment"] == "标题有错别字"

    missing = await client.post("/api/v1/admin/testnotes/99999999/submit", headers=author)
    assert_error(missing, 404, "testnote_not_found")


async def test_staff_without_the_domains_review_permission_are_refused(
    client: httpx.AsyncClient,
) -> None:
    admin = await sign_in(client, "admin")
    author_id, author = await staff(client, admin)
    note = await review_app.create_note(author_id=author_id, body="正文")
    base = f"/api/v1/admin/testnotes/{note}"
    await client.post(base + "/submit", headers=author)
    editor = await sign_in(client, "editor")
    refused = await client.post(base + "/review", headers=editor, json={"decision": "approve"})
    assert_error(refused, 403, "forbidden")
    assert_error(await client.post(base + "/review", json={"decision": "approve"}), 401)


async def test_parallel_signatures_of_one_level_over_http_leave_exactly_one(
    client: httpx.AsyncClient,
) -> None:
    admin = await sign_in(client, "admin")
    author_id, author = await staff(client, admin)
    reviewers = [(await staff(client, admin))[1] for _ in range(6)]
    note = await review_app.create_note(author_id=author_id, body="并发签署")
    base = f"/api/v1/admin/testnotes/{note}"
    await client.post(base + "/submit", headers=author)

    answers = await asyncio.gather(
        *(
            client.post(base + "/review", headers=h, json={"decision": "approve", "level": 1})
            for h in reviewers
        )
    )
    assert sorted(a.status_code for a in answers) == [200] + [409] * 5, [a.text for a in answers]
    for lost in (a for a in answers if a.status_code == 409):
        assert lost.json()["error"]["code"] == "review_level_taken"
    shown = (await client.get(base + "/review", headers=author)).json()["review"]
    assert [lv["state"] for lv in shown["levels"]] == ["approved", "current", "waiting"]


async def test_an_edit_restarts_review_and_signing_the_old_version_is_refused(
    client: httpx.AsyncClient,
) -> None:
    admin = await sign_in(client, "admin")
    author_id, author = await staff(client, admin)
    _, first = await staff(client, admin)
    _, second = await staff(client, admin)
    note = await review_app.create_note(author_id=author_id, body="第一稿")
    base = f"/api/v1/admin/testnotes/{note}"
    await client.post(base + "/submit", headers=author)
    await client.post(base + "/review", headers=first, json={"decision": "approve"})
    await review_app.edit_note(note_id=note, body="第二稿")

    stale = await client.post(
        base + "/review", headers=second, json={"decision": "approve", "version": 1}
    )
    assert assert_error(stale, 409, "review_version_changed")["message"].startswith("内容已更新")
    late = await client.post(base + "/review", headers=second, json={"decision": "approve"})
    assert_error(late, 409, "review_version_changed")
    shown = (await client.get(base + "/review", headers=author)).json()
    assert shown["review"]["status"] == "draft"
    assert shown["review"]["version"] == 2
    assert shown["history"][-1]["action"] == "restarted"


async def test_the_review_endpoints_are_documented(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/docs/openapi.json")).json()
    submit = spec["paths"]["/api/v1/admin/testnotes/{note_id}/submit"]["post"]
    review = spec["paths"]["/api/v1/admin/testnotes/{note_id}/review"]["post"]
    assert "送审" in submit["summary"]
    assert "审核" in review["summary"]
    assert "decision" in str(review["requestBody"])
    assert "201" in submit["responses"]
    assert "levels" in str(submit["responses"]["201"])
