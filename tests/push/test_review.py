"""三审 on articles: 初审, 复审, 终审 by three different reviewers who are not the author; a
rejection goes back with its comment; an edit after a signature starts review again; every
step is in the audit log and on the article."""

from __future__ import annotations

import httpx

from tests.conftest import assert_error
from tests.push.push_helpers import EDITOR, REVIEWERS, Staff, create_article


async def _review(api: httpx.AsyncClient, staff: Staff, article_id: int, who: str, **body: str):
    return await api.post(
        f"/api/v1/admin/articles/{article_id}/review", headers=await staff(who), json=body
    )


async def test_three_levels_by_three_reviewers_who_are_not_the_author(
    api: httpx.AsyncClient, staff: Staff
) -> None:
    article = await create_article(api, staff)
    article_id = article["id"]
    assert article["review"]["status"] == "draft"
    assert [lv["name"] for lv in article["review"]["levels"]] == ["初审", "复审", "终审"]
    submitted = await api.post(
        f"/api/v1/admin/articles/{article_id}/submit", headers=await staff(EDITOR), json={}
    )
    assert submitted.status_code == 201
    assert submitted.json()["review"]["status"] == "in_review"

    # The author cannot sign; an admin who wrote nothing here can.
    own = await _review(api, staff, article_id, EDITOR, decision="approve", comment="")
    assert own.status_code == 403
    first = await _review(api, staff, article_id, REVIEWERS[0], decision="approve", comment="同意")
    assert first.status_code == 200, first.text
    again = await _review(api, staff, article_id, REVIEWERS[0], decision="approve", comment="")
    assert_error(again, 403)  # one reviewer, one level of a version
    second = await _review(api, staff, article_id, REVIEWERS[1], decision="approve", comment="")
    third = await _review(api, staff, article_id, REVIEWERS[2], decision="approve", comment="")
    assert second.status_code == third.status_code == 200
    shown = (
        await api.get(f"/api/v1/admin/articles/{article_id}", headers=await staff(EDITOR))
    ).json()["article"]
    assert shown["review"]["status"] == "approved"
    assert [lv["reviewer"] for lv in shown["review"]["levels"]] == list(REVIEWERS)

    audit = await api.get(
        "/api/v1/admin/audit",
        headers=await staff("admin"),
        params={"target_type": "article", "target_id": str(article_id)},
    )
    assert audit.status_code == 200, audit.text
    actions = [r["action"] for r in audit.json()["items"]]
    assert actions.count("review.approve") == 3
    assert "review.submit" in actions


async def test_a_rejection_returns_the_article_and_an_edit_restarts_review(
    api: httpx.AsyncClient, staff: Staff
) -> None:
    article = await create_article(api, staff)
    article_id = article["id"]
    await api.post(
        f"/api/v1/admin/articles/{article_id}/submit", headers=await staff(EDITOR), json={}
    )
    await _review(api, staff, article_id, REVIEWERS[0], decision="approve", comment="")
    rejected = await _review(
        api, staff, article_id, REVIEWERS[1], decision="reject", comment="数据来源请注明文件文号"
    )
    review = rejected.json()["review"]
    assert review["status"] == "rejected"
    assert review["comment"] == "数据来源请注明文件文号"

    # Edited and resubmitted: signatures of the old version do not carry over.
    edited = await api.patch(
        f"/api/v1/admin/articles/{article_id}",
        headers=await staff(EDITOR),
        json={"content": "<p>依据蒙教〔2026〕8号，招生政策如下。</p>"},
    )
    assert edited.json()["article"]["version"] == 2
    assert edited.json()["article"]["review"]["status"] == "draft"
    await api.post(
        f"/api/v1/admin/articles/{article_id}/submit", headers=await staff(EDITOR), json={}
    )
    for reviewer in REVIEWERS:
        assert (
            await _review(api, staff, article_id, reviewer, decision="approve")
        ).status_code == 200

    # An edit after approval: review starts again, and the article cannot be planned.
    after = await api.patch(
        f"/api/v1/admin/articles/{article_id}",
        headers=await staff(EDITOR),
        json={"title": "新标题"},
    )
    state = after.json()["article"]["review"]
    assert state["status"] == "draft"
    assert state["approved_version"]["version"] == 2
    history = await api.get(
        f"/api/v1/admin/articles/{article_id}/review", headers=await staff(EDITOR)
    )
    actions = [e["action"] for e in history.json()["history"]]
    assert actions.count("rejected") == 1
    assert actions[-1] == "restarted"
