"""Editors write scripts, correct what will be spoken, send them through review; admins keep
the pronunciation list. Everything through the admin API, as the console's JS-free forms do."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.broadcast.helpers import ADMIN_API, approve, create_script, run_synthesis
from tests.conftest import assert_error
from tests.gateway.staff_helpers import sign_in

pytestmark = pytest.mark.usefixtures("db")
PRONOUNCE = f"{ADMIN_API}/pronunciations"


async def test_an_editor_writes_a_script_and_sees_what_will_be_spoken(
    client: httpx.AsyncClient,
) -> None:
    editor = await sign_in(client, "editor")
    script = await create_script(
        client,
        editor,
        text="2026年3月6日起，低保标准提高到每人每月810元，咨询电话0558-7661234。",
        targets={"villages": ["banqiaoji-01", "banqiaoji-02"]},
        play_times=["18:00", "7:00"],
    )
    assert script["spoken_text"] == (
        "二零二六年三月六日起，低保标准提高到每人每月八百一十元，咨询电话零五五八，七六六幺二三四。"
    )
    assert script["state"] == "draft"
    assert script["review"]["status"] == "draft"
    assert [lv["name"] for lv in script["review"]["levels"]] == ["初审", "终审"]
    assert script["play_times"] == ["07:00", "18:00"]
    assert script["village_count"] == 2
    assert script["target_summary"] == "板桥村、胡寨村"
    assert (script["chime"], script["repeats"], script["rate"]) == (True, 2, 200)
    assert script["audio"] is None
    shown = (await client.get(f"{ADMIN_API}/{script['id']}", headers=editor)).json()["script"]
    assert shown["spoken_text"] == script["spoken_text"]


async def test_targets_resolve_to_villages(client: httpx.AsyncClient) -> None:
    editor = await sign_in(client, "editor")
    county = await create_script(client, editor, targets={"all": True})
    assert county["village_count"] == 51
    assert county["target_summary"] == "全县（51 个村）"
    towns = await create_script(client, editor, targets={"towns": ["shuangjian", "yuefang"]})
    assert towns["village_count"] == 6
    assert towns["target_summary"] == "双涧镇、岳坊镇（6 个村）"


async def test_bad_scripts_get_field_errors(client: httpx.AsyncClient) -> None:
    editor = await sign_in(client, "editor")
    base = {"title": "通知", "targets": {"all": True}}

    async def refused(body: dict, field: str) -> str:
        error = assert_error(await client.post(ADMIN_API, json=body, headers=editor), 422)
        assert field in error["fields"], error
        return error["fields"][field]

    assert await refused({**base, "text": "字" * 5001}, "text") == "太长"
    assert "朗读" in await refused({**base, "text": "https://x.cn 😀 ！！"}, "text")
    assert "朗读" in await refused({**base, "text": "\u200b \u3000"}, "text")
    assert "正文" in await refused(base, "text")
    assert "只能选一种" in await refused({**base, "text": "a", "document_id": 1}, "text")
    missing = {**base, "text": "通知", "targets": {"villages": ["nowhere-99"]}}
    assert "nowhere-99" in await refused(missing, "targets.villages")
    assert "atlantis" in await refused(
        {**base, "text": "通知", "targets": {"towns": ["atlantis"]}}, "targets.towns"
    )
    assert "一种范围" in await refused({**base, "text": "通知", "targets": {}}, "targets")
    assert "没有这篇文章" in await refused({**base, "article_id": 999999}, "article_id")
    assert "公开文件" in await refused({**base, "document_id": 999999}, "document_id")
    assert await refused({**base, "text": "通知", "repeats": 9}, "repeats") == "数值太大"
    assert await refused({**base, "text": "通知", "rate": 50}, "rate") == "数值太小"
    assert "25:00" in await refused({**base, "text": "通知", "play_times": ["25:00"]}, "play_times")
    assert "至少" in await refused({**base, "text": "通知", "play_times": []}, "play_times")
    period = {**base, "text": "通知", "valid_from": "2030-01-02", "valid_until": "2030-01-01"}
    assert "早于" in await refused(period, "valid_until")
    assert "结束" in await refused(
        {**base, "text": "通知", "valid_from": "2020-01-01"}, "valid_until"
    )
    assert await refused({"text": "通知", "targets": {"all": True}}, "title") == "必填"
    assert_error(await client.post(ADMIN_API, content=b"not json", headers=editor), 400)
    village = await sign_in(client, "village_01")
    assert_error(await client.post(ADMIN_API, json={**base, "text": "通知"}, headers=village), 403)
    assert_error(await client.post(ADMIN_API, json={**base, "text": "通知"}), 401)


async def test_a_script_from_a_document_reads_its_running_text(client: httpx.AsyncClient) -> None:
    docs = (await client.get("/api/v1/mp/documents", params={"page_size": 50})).json()["items"]
    doc = next(d for d in docs if d["doc_no"] == "蒙政办〔2026〕12号")
    editor = await sign_in(client, "editor")
    script = await create_script(client, editor, document_id=doc["id"], text=None)
    assert script["source"] == "document"
    assert script["source_id"] == str(doc["id"])
    spoken = script["spoken_text"]
    assert spoken.startswith(doc["title"].replace("《", "").replace("》", ""))
    assert "蒙政办二零二六年第十二号" in spoken
    assert "八百一十元" in spoken
    assert "810" not in spoken
    assert "申请书" not in spoken  # the attachment list is left out


async def test_a_script_from_an_article_reads_its_text_without_markup(
    client: httpx.AsyncClient,
) -> None:
    editor = await sign_in(client, "editor")
    written = await client.post(
        "/api/v1/admin/articles",
        headers=editor,
        json={
            "title": "秋季学期招生政策解读",
            "author": "县教育局",
            "digest": "招生时间和材料",
            "content": "<p>报名时间为<strong>8月1日</strong>至8月5日。</p>"
            "<table><tr><td>材料清单</td></tr></table><p>咨询电话0558-7661234。</p>",
        },
    )
    assert written.status_code == 201, written.text
    article = written.json()["article"]
    script = await create_script(client, editor, article_id=article["id"], text=None)
    assert script["source"] == "article"
    assert script["source_id"] == str(article["id"])
    spoken = script["spoken_text"]
    assert spoken.startswith("秋季学期招生政策解读")
    assert "八月一日至八月五日" in spoken
    assert "材料清单" not in spoken  # tables are left out
    assert "<" not in spoken


async def test_the_editor_corrects_the_spoken_text_by_hand(client: httpx.AsyncClient) -> None:
    editor = await sign_in(client, "editor")
    script = await create_script(client, editor, text="请到村部领取2袋化肥。")
    assert script["spoken_text"] == "请到村部领取两袋化肥。"
    url = f"{ADMIN_API}/{script['id']}"
    corrected = await client.patch(
        url, json={"spoken_text": "请到村委会领取两袋化肥，数量有限。"}, headers=editor
    )
    assert corrected.status_code == 200, corrected.text
    shown = corrected.json()["script"]
    assert shown["spoken_text"] == "请到村委会领取两袋化肥，数量有限。"
    assert shown["spoken_edited"] is True
    assert shown["version"] == 2
    # Digits typed into the correction are read out too.
    again = await client.patch(url, json={"spoken_text": "领取3袋"}, headers=editor)
    assert again.json()["script"]["spoken_text"] == "领取三袋。"
    error = assert_error(await client.patch(url, json={"spoken_text": "😀"}, headers=editor), 422)
    assert "spoken_text" in error["fields"]
    # A new text replaces the correction with its own spoken text.
    retyped = await client.patch(url, json={"text": "请于12月5日前缴费。"}, headers=editor)
    assert retyped.json()["script"]["spoken_text"] == "请于十二月五日前缴费。"
    assert retyped.json()["script"]["spoken_edited"] is False


async def test_review_two_levels_then_on_the_air_and_an_edit_takes_it_off(
    client: httpx.AsyncClient,
) -> None:
    editor = await sign_in(client, "editor")
    reviewer = await sign_in(client, "reviewer")
    script = await create_script(client, editor)
    url = f"{ADMIN_API}/{script['id']}"
    assert_error(
        await client.post(f"{url}/review", json={"decision": "approve"}, headers=reviewer), 409
    )
    assert (await client.post(f"{url}/submit", headers=editor)).status_code == 201
    assert (await client.get(url, headers=editor)).json()["script"]["state"] == "in_review"
    # The author cannot review; one reviewer cannot sign both levels.
    assert_error(
        await client.post(f"{url}/review", json={"decision": "approve"}, headers=editor), 403
    )
    first = await client.post(f"{url}/review", json={"decision": "approve"}, headers=reviewer)
    assert first.status_code == 200
    assert_error(
        await client.post(f"{url}/review", json={"decision": "approve"}, headers=reviewer),
        403,
        "review_already_signed",
    )
    mid = (await client.get(url, headers=editor)).json()["script"]
    assert mid["state"] == "in_review"
    assert mid["audio"] is None
    admin = await sign_in(client, "admin")
    assert (
        await client.post(f"{url}/review", json={"decision": "approve"}, headers=admin)
    ).status_code == 200
    approved = (await client.get(url, headers=editor)).json()["script"]
    assert approved["state"] == "approved"
    assert approved["approved_at"]
    assert approved["audio"]["state"] in ("pending", "making", "ready")
    history = (await client.get(f"{url}/review", headers=editor)).json()["history"]
    assert [e["action"] for e in history] == ["submitted", "approved", "approved"]
    # An edit: off the air, review starts again.
    edited = await client.patch(url, json={"play_times": ["08:00"]}, headers=editor)
    assert edited.json()["script"]["state"] == "draft"
    village = await sign_in(client, "village_01")
    listed = (await client.get("/api/v1/village/broadcasts", headers=village)).json()["items"]
    assert script["id"] not in {i["id"] for i in listed}


async def test_a_rejected_script_goes_back_with_the_comment(client: httpx.AsyncClient) -> None:
    editor = await sign_in(client, "editor")
    reviewer = await sign_in(client, "reviewer")
    script = await create_script(client, editor)
    url = f"{ADMIN_API}/{script['id']}"
    await client.post(f"{url}/submit", headers=editor)
    assert_error(
        await client.post(f"{url}/review", json={"decision": "reject"}, headers=reviewer), 422
    )
    rejected = await client.post(
        f"{url}/review", json={"decision": "reject", "comment": "时间写错了"}, headers=reviewer
    )
    assert rejected.status_code == 200
    shown = (await client.get(url, headers=editor)).json()["script"]
    assert shown["state"] == "rejected"
    assert shown["review"]["comment"] == "时间写错了"
    listed = (await client.get(ADMIN_API, params={"state": "rejected"}, headers=editor)).json()
    assert script["id"] in {i["id"] for i in listed["items"]}


async def test_an_approved_script_can_be_withdrawn(client: httpx.AsyncClient) -> None:
    editor = await sign_in(client, "editor")
    script = await create_script(client, editor)
    url = f"{ADMIN_API}/{script['id']}"
    assert_error(await client.post(f"{url}/withdraw", headers=editor), 409)
    await approve(client, script["id"])
    withdrawn = await client.post(f"{url}/withdraw", headers=editor)
    assert withdrawn.json()["script"]["state"] == "withdrawn"
    assert_error(await client.patch(url, json={"title": "新标题"}, headers=editor), 409)
    village = await sign_in(client, "village_01")
    assert_error(
        await client.get(f"/api/v1/village/broadcasts/{script['id']}/audio", headers=village), 404
    )


async def test_the_editor_listens_before_review_and_approval_reuses_the_file(
    client: httpx.AsyncClient,
) -> None:
    editor = await sign_in(client, "editor")
    script = await create_script(client, editor, text=f"试听{uuid.uuid4().hex[:4]}，请注意防火。")
    url = f"{ADMIN_API}/{script['id']}"
    preview = await client.post(f"{url}/preview", headers=editor)
    assert preview.status_code == 202
    assert preview.json()["script"]["audio"]["state"] == "pending"
    await run_synthesis()
    heard = (await client.get(url, headers=editor)).json()["script"]["audio"]
    assert heard["state"] == "ready"
    listened = await client.get(heard["url"], headers=editor)
    assert listened.status_code == 200
    assert listened.headers["content-type"] == "audio/mpeg"
    approved = await approve(client, script["id"])
    assert approved["audio"]["state"] == "ready"
    assert approved["audio"]["sha256"] == heard["sha256"]
    assert await run_synthesis() == 0  # nothing made twice


async def test_scripts_are_listed_newest_first_with_paging(client: httpx.AsyncClient) -> None:
    editor = await sign_in(client, "editor")
    made = [await create_script(client, editor) for _ in range(3)]
    page = (await client.get(ADMIN_API, params={"per_page": 2}, headers=editor)).json()
    assert page["page"] == 1
    assert page["per_page"] == 2
    assert page["total"] >= 3
    assert [i["id"] for i in page["items"]] == [made[2]["id"], made[1]["id"]]
    for bad in ({"per_page": 0}, {"page": 0}, {"per_page": 101}, {"state": "lost"}):
        assert_error(await client.get(ADMIN_API, params=bad, headers=editor), 422)
    assert_error(await client.get(f"{ADMIN_API}/99999999", headers=editor), 404, "script_not_found")
    assert_error(await client.get(f"{ADMIN_API}/99999999999999999999", headers=editor), 404)


async def test_admins_keep_the_pronunciation_list(client: httpx.AsyncClient) -> None:
    admin = await sign_in(client, "admin")
    editor = await sign_in(client, "editor")
    listed = (await client.get(PRONOUNCE, params={"per_page": 100}, headers=editor)).json()
    terms = {e["term"]: e["reading"] for e in listed["items"]}
    assert listed["total"] == len(terms)
    assert terms["蒙城"] == "meng2 cheng2"
    assert terms["银行"] == "yin2 hang2"
    assert {"漆园", "岳坊", "双涧", "许疃", "涡河"} <= set(terms)
    # One page at a time, by term, like every list.
    second = (await client.get(PRONOUNCE, params={"per_page": 5, "page": 2}, headers=editor)).json()
    # (the database's collation orders the terms; the whole list above is in that order)
    assert [e["term"] for e in second["items"]] == list(terms)[5:10]
    assert_error(await client.get(PRONOUNCE, params={"per_page": 101}, headers=editor), 422)
    found = (await client.get(PRONOUNCE, params={"q": "蒙城"}, headers=editor)).json()
    assert [e["term"] for e in found["items"]] == ["蒙城"]
    term = f"测{uuid.uuid4().hex[:4]}"
    assert_error(
        await client.post(PRONOUNCE, json={"term": term, "reading": "ce4"}, headers=editor), 403
    )
    made = await client.post(PRONOUNCE, json={"term": term, "reading": "CE4 shi4"}, headers=admin)
    assert made.status_code == 201
    assert made.json()["pronunciation"]["reading"] == "ce4 shi4"
    entry = made.json()["pronunciation"]["id"]
    assert_error(
        await client.post(PRONOUNCE, json={"term": term, "reading": "ce4"}, headers=admin), 409
    )
    bad_entries = (
        {"term": "有 空格", "reading": "a1"},
        {"term": "好", "reading": "hao"},
        {"term": "好", "reading": "hao3hao3"},
        {"term": "", "reading": "hao3"},
    )
    for bad in bad_entries:
        assert_error(await client.post(PRONOUNCE, json=bad, headers=admin), 422)
    changed = await client.patch(f"{PRONOUNCE}/{entry}", json={"reading": "测试"}, headers=admin)
    assert changed.json()["pronunciation"]["reading"] == "测试"
    # A patch changes only what it names: the note alone leaves the reading.
    noted = await client.patch(f"{PRONOUNCE}/{entry}", json={"note": "测试用"}, headers=admin)
    assert noted.json()["pronunciation"]["reading"] == "测试"
    assert noted.json()["pronunciation"]["note"] == "测试用"
    assert (await client.delete(f"{PRONOUNCE}/{entry}", headers=admin)).status_code == 204
    assert_error(await client.delete(f"{PRONOUNCE}/{entry}", headers=admin), 404)


async def test_every_change_is_in_the_audit_log(client: httpx.AsyncClient) -> None:
    editor = await sign_in(client, "editor")
    script = await create_script(client, editor)
    await client.patch(f"{ADMIN_API}/{script['id']}", json={"title": "改后的标题"}, headers=editor)
    admin = await sign_in(client, "admin")
    records = (
        await client.get(
            "/api/v1/admin/audit",
            params={"target_type": "broadcast_script", "target_id": script["id"]},
            headers=admin,
        )
    ).json()["items"]
    assert [r["action"] for r in records] == ["broadcast.script.update", "broadcast.script.create"]
    assert records[0]["actor_name"] == "editor"


async def test_an_approval_whose_reaction_was_lost_is_put_on_the_air_by_the_sync_job(
    client: httpx.AsyncClient,
) -> None:
    from broadcast import jobs
    from broadcast.review import reviewable
    from broadcast.service.scripts import get_script
    from gateway import review
    from gateway.auth.models import StaffUser

    editor = await sign_in(client, "editor")
    made = await create_script(client, editor)
    script = await get_script(script_id=made["id"])
    # The review completes without the script's reaction (as if the process died between).
    users = {
        u.username: u for u in await StaffUser.filter(username__in=["editor", "reviewer", "admin"])
    }
    item = reviewable(script)
    await review.submit(item=item, actor=review.Actor(id=users["editor"].id, name="editor"))
    for name in ("reviewer", "admin"):
        await review.sign(
            item=item, actor=review.Actor(id=users[name].id, name=name), decision="approve"
        )
    assert (await get_script(script_id=script.id)).state == "draft"
    assert (await jobs.sync_reviews({}))["put_on_air"] >= 1
    shown = (await client.get(f"{ADMIN_API}/{script.id}", headers=editor)).json()["script"]
    assert shown["state"] == "approved"
    assert shown["audio"]["state"] in (
        "pending",
        "making",
        "ready",
    )
