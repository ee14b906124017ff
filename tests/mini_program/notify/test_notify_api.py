"""The mini-program's notification endpoints: templates, grants, follows."""

from __future__ import annotations

import httpx
import pytest

from mini_program.notify.models import GrantAnswer
from mini_program.notify.purposes import purposes
from tests.conftest import assert_error
from tests.mini_program.account.test_login import wx_login
from tests.mini_program.notify.helpers import domain_ids, tag

pytestmark = pytest.mark.usefixtures("db")


async def resident_headers(api: httpx.AsyncClient, sandbox: httpx.AsyncClient) -> dict:
    code = await wx_login(sandbox, "oNtApi" + tag())
    login = await api.post("/api/v1/mp/login", json={"code": code})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['token']}"}


async def test_the_templates_to_ask_for_are_listed_by_purpose(api: httpx.AsyncClient) -> None:
    body = (await api.get("/api/v1/mp/subscribe-templates")).json()
    assert set(body["by_purpose"]) == {
        "article_published",
        "consultation_answered",
        "open_day_result",
        "open_day_reminder",
        "application_status",
    }
    first = body["templates"][0]
    assert set(first) == {"purpose", "label", "title", "template_id"}
    assert body["by_purpose"][first["purpose"]] == first["template_id"]


async def test_each_accept_is_one_grant_and_refusals_are_recorded_without_one(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient
) -> None:
    headers = await resident_headers(api, sandbox)
    ids = {code: p.template_id for code, p in purposes().items()}
    result = {
        ids["article_published"]: "accept",
        ids["consultation_answered"]: "reject",
        ids["open_day_result"]: "ban",
        ids["open_day_reminder"]: "filter",
        "errMsg": "requestSubscribeMessage:ok",
    }
    answer = await api.post("/api/v1/mp/subscribe-grants", headers=headers, json=result)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    granted = {r["purpose"]: r["granted"] for r in body["recorded"]}
    assert granted == {
        "article_published": True,
        "consultation_answered": False,
        "open_day_result": False,
        "open_day_reminder": False,
    }
    assert body["grants"]["article_published"] == 1
    again = await api.post(
        "/api/v1/mp/subscribe-grants",
        headers=headers,
        json={ids["article_published"]: "accept"},
    )
    assert again.json()["grants"]["article_published"] == 2
    mine = (await api.get("/api/v1/mp/subscribe-grants", headers=headers)).json()
    assert mine["grants"] == {
        "article_published": 2,
        "consultation_answered": 0,
        "open_day_result": 0,
        "open_day_reminder": 0,
        "application_status": 0,
    }
    assert await GrantAnswer.filter(answer="ban", template_id=ids["open_day_result"]).exists()


async def test_unknown_templates_and_answers_are_field_errors(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient
) -> None:
    headers = await resident_headers(api, sandbox)
    known = purposes()["article_published"].template_id
    bad = await api.post(
        "/api/v1/mp/subscribe-grants",
        headers=headers,
        json={"NotOurTemplate00001": "accept", known: "maybe"},
    )
    fields = assert_error(bad, 422)["fields"]
    assert fields == {
        "NotOurTemplate00001": "未知的订阅消息模板",
        known: "应为 accept、reject、ban 或 filter",
    }
    assert (await api.get("/api/v1/mp/subscribe-grants", headers=headers)).json()["grants"][
        "article_published"
    ] == 0
    assert_error(await api.post("/api/v1/mp/subscribe-grants", headers=headers, json={}), 422)
    not_text = await api.post("/api/v1/mp/subscribe-grants", headers=headers, json={known: 1})
    assert assert_error(not_text, 422)["fields"] == {known: "应为文本"}
    assert_error(
        await api.post("/api/v1/mp/subscribe-grants", headers=headers, content=b"[1]"), 422
    )
    assert_error(await api.post("/api/v1/mp/subscribe-grants", json={known: "accept"}), 401)


async def test_follows_are_saved_and_validated_against_the_catalogue(
    api: httpx.AsyncClient, sandbox: httpx.AsyncClient
) -> None:
    headers = await resident_headers(api, sandbox)
    assert (await api.get("/api/v1/mp/follows", headers=headers)).json() == {
        "domain_ids": [],
        "domains": [],
    }
    first, second, third = await domain_ids(3)
    saved = await api.put(
        "/api/v1/mp/follows", headers=headers, json={"domain_ids": [second, first, first]}
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["domain_ids"] == sorted([first, second])
    assert all(d["name"] for d in saved.json()["domains"])

    replaced = await api.put("/api/v1/mp/follows", headers=headers, json={"domain_ids": [third]})
    assert replaced.json()["domain_ids"] == [third]
    unknown = await api.put(
        "/api/v1/mp/follows", headers=headers, json={"domain_ids": [third, 99999]}
    )
    assert "99999" in assert_error(unknown, 422)["fields"]["domain_ids"]
    for body in ({"domain_ids": ["一"]}, {"domain_ids": [0]}, {"domain_ids": 3}, {}):
        assert_error(await api.put("/api/v1/mp/follows", headers=headers, json=body), 422)
    assert (await api.get("/api/v1/mp/follows", headers=headers)).json()["domain_ids"] == [third]
    assert_error(await api.get("/api/v1/mp/follows"), 401)


async def test_staff_see_the_notification_statistics(api: httpx.AsyncClient) -> None:
    from tests.gateway.staff_helpers import sign_in

    editor = await sign_in(api, "editor")
    stats = await api.get("/api/v1/admin/notifications/stats", headers=editor)
    assert stats.status_code == 200, stats.text
    rows = {r["purpose"]: r for r in stats.json()["purposes"]}
    assert rows["article_published"]["fields"]["title"] == "thing1"
    assert set(rows["article_published"]["messages"]) >= {"sent", "refused", "no_grant"}
    village = await sign_in(api, "village_01")
    assert_error(await api.get("/api/v1/admin/notifications/stats", headers=village), 403)
    page = await api.get("/console/notifications", headers=editor)
    assert page.status_code == 200
    assert "居民通知" in page.text
    assert "政策文章发布" in page.text
