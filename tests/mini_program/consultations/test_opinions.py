"""Opinion calls: a draft with attachments, moderated comments, the adoption summary."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest

from gateway.clock import local_date, now
from mini_program.consultations.opinions.models import OpinionCall, OpinionComment
from tests.conftest import assert_error
from tests.gateway.staff_helpers import sign_in
from tests.mini_program.consultations.helpers import key, resident

# Deadlines, windows and open/close dates are county dates: `make test-midnight` runs these
# across Shanghai midnight.
pytestmark = pytest.mark.dates

DRAFT = "第一条　为规范城区停车秩序，制定本办法。\n第二条　本办法自发布之日起施行。"


def _days(n: int) -> str:
    # Two days of margin either side: the suite passes at any hour, midnight included.
    return (local_date(now()) + timedelta(days=n)).isoformat()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        # Fixed timestamps: the same bytes every call.
        for name, body in (("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w/>")):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), body)
    return out.getvalue()


async def _call(api, headers, **fields) -> dict:
    body = {
        "title": "蒙城县城区停车管理办法（征求意见稿）",
        "summary": "征求意见",
        "body": DRAFT,
        "department_code": "cgj",
        "opens_on": _days(-2),
        "closes_on": _days(10),
        **fields,
    }
    made = await api.post("/api/v1/admin/opinion-calls", json=body, headers=headers)
    assert made.status_code == 201, made.text
    return made.json()["call"]


async def test_a_draft_is_published_commented_on_and_moderated(api, sandbox, db):
    editor = await sign_in(api, "editor")
    call = await _call(api, editor)
    assert call["state"] == "draft"
    assert_error(await api.get(f"/api/v1/mp/opinion-calls/{call['id']}"), 404)
    attached = await api.post(
        f"/api/v1/admin/opinion-calls/{call['id']}/attachments",
        files={"file": ("征求意见稿.docx", docx(), "application/octet-stream")},
        headers=editor,
    )
    assert attached.status_code == 201, attached.text
    fake = await api.post(
        f"/api/v1/admin/opinion-calls/{call['id']}/attachments",
        files={"file": ("征求意见稿.pdf", b"<html>not a pdf</html>", "application/pdf")},
        headers=editor,
    )
    assert_error(fake, 422)
    exe = await api.post(
        f"/api/v1/admin/opinion-calls/{call['id']}/attachments",
        files={"file": ("setup.exe", b"MZ....", "application/octet-stream")},
        headers=editor,
    )
    assert_error(exe, 422)
    published = await api.post(f"/api/v1/admin/opinion-calls/{call['id']}/publish", headers=editor)
    assert published.json()["call"]["state"] == "open"

    public = (await api.get(f"/api/v1/mp/opinion-calls/{call['id']}")).json()["call"]
    assert public["body"] == DRAFT
    assert public["can_comment"] is True
    file = public["attachments"][0]
    assert file["filename"] == "征求意见稿.docx"
    assert (await api.get(file["url"])).content == docx()

    me = await resident(api, sandbox)
    path = f"/api/v1/mp/opinion-calls/{call['id']}/comments"
    ok = await api.post(
        path, json={"text": "建议免费停放时间延长到30分钟。", "client_key": key()}, headers=me
    )
    assert ok.status_code == 201
    assert ok.json()["comment"]["state_label"] == "审核中"
    flagged = await api.post(
        path,
        json={"text": "办 证 刷 单，联系我 138 0000 1111", "client_key": key()},
        headers=me,
    )
    assert flagged.status_code == 201
    for bad in ("", "😀😀😀😀😀😀", "<script>alert(1)</script>好的意见", "意" * 1001):
        assert_error(await api.post(path, json={"text": bad, "client_key": key()}, headers=me), 422)
    same_key = key()
    first = await api.post(
        path, json={"text": "同一条意见提交两次", "client_key": same_key}, headers=me
    )
    second = await api.post(
        path, json={"text": "同一条意见提交两次", "client_key": same_key}, headers=me
    )
    assert first.json()["comment"]["id"] == second.json()["comment"]["id"]
    assert second.status_code == 200

    # Nothing shows before moderation.
    assert (await api.get(path)).json()["total"] == 0
    staff = (
        await api.get(
            f"/api/v1/admin/opinion-calls/{call['id']}/comments",
            params={"state": "pending"},
            headers=editor,
        )
    ).json()["items"]
    spam = next(c for c in staff if c["id"] == flagged.json()["comment"]["id"])
    assert set(spam["flagged"]) >= {"办证", "刷单"}
    approve = ok.json()["comment"]["id"]
    for comment_id, decision in ((approve, True), (spam["id"], False)):
        done = await api.post(
            f"/api/v1/admin/opinion-comments/{comment_id}/moderation",
            json={"approve": decision},
            headers=editor,
        )
        assert done.status_code == 200
    shown = (await api.get(path)).json()
    assert [c["id"] for c in shown["items"]] == [approve]
    mine = (await api.get(f"{path.replace('/comments', '/my-comments')}", headers=me)).json()
    states = {c["id"]: c["state_label"] for c in mine["items"]}
    assert states[approve] == "已公开"
    assert states[spam["id"]] == "未公开"
    public = (await api.get(f"/api/v1/mp/opinion-calls/{call['id']}")).json()["call"]
    assert public["comment_count"] == 1
    assert public["received_count"] == 3


async def test_no_comment_after_the_close_and_none_before_the_opening(api, sandbox, db):
    editor = await sign_in(api, "editor")
    closed = await _call(api, editor, opens_on=_days(-20), closes_on=_days(-2))
    await OpinionCall.filter(id=closed["id"]).update(published=True)
    upcoming = await _call(api, editor, opens_on=_days(3), closes_on=_days(10))
    await api.post(f"/api/v1/admin/opinion-calls/{upcoming['id']}/publish", headers=editor)
    me = await resident(api, sandbox)
    late = await api.post(
        f"/api/v1/mp/opinion-calls/{closed['id']}/comments",
        json={"text": "截止以后才看到，补充一条意见。", "client_key": key()},
        headers=me,
    )
    assert "已截止" in assert_error(late, 409, "opinion_call_closed")["message"]
    early = await api.post(
        f"/api/v1/mp/opinion-calls/{upcoming['id']}/comments",
        json={"text": "还没开始就想提意见。", "client_key": key()},
        headers=me,
    )
    assert_error(early, 409, "opinion_call_not_open")
    assert not await OpinionComment.filter(call_id__in=[closed["id"], upcoming["id"]]).exists()
    bad_dates = await api.post(
        "/api/v1/admin/opinion-calls",
        json={
            "title": "日期颠倒的征集",
            "body": DRAFT,
            "department_code": "cgj",
            "opens_on": _days(5),
            "closes_on": _days(1),
        },
        headers=editor,
    )
    assert "截止日期" in str(assert_error(bad_dates, 422)["fields"])


async def test_after_the_close_the_department_publishes_the_adoption_summary(api, sandbox, db):
    editor = await sign_in(api, "editor")
    call = await _call(api, editor)
    await api.post(f"/api/v1/admin/opinion-calls/{call['id']}/publish", headers=editor)
    me = await resident(api, sandbox)
    ids = []
    for text in ("建议增加夜间免费时段。", "建议医院周边优惠。", "建议全部取消收费。"):
        made = await api.post(
            f"/api/v1/mp/opinion-calls/{call['id']}/comments",
            json={"text": text, "client_key": key()},
            headers=me,
        )
        ids.append(made.json()["comment"]["id"])
        await api.post(
            f"/api/v1/admin/opinion-comments/{ids[-1]}/moderation",
            json={"approve": True},
            headers=editor,
        )
    early = await api.post(
        f"/api/v1/admin/opinion-comments/{ids[0]}/adoption",
        json={"adoption": "adopted"},
        headers=editor,
    )
    assert_error(early, 409, "opinion_call_open")
    summary_path = f"/api/v1/admin/opinion-calls/{call['id']}/adoption-summary"
    assert_error(
        await api.post(summary_path, json={"summary": "采纳情况"}, headers=editor),
        409,
        "opinion_call_open",
    )
    # The call closes.
    await OpinionCall.filter(id=call["id"]).update(opens_on=_days(-30), closes_on=_days(-2))
    no_reason = await api.post(
        f"/api/v1/admin/opinion-comments/{ids[2]}/adoption",
        json={"adoption": "not_adopted"},
        headers=editor,
    )
    assert_error(no_reason, 422)
    assert_error(
        await api.post(summary_path, json={"summary": "采纳情况说明"}, headers=editor),
        409,
        "adoption_incomplete",
    )
    for comment_id, adoption, reason in (
        (ids[0], "adopted", ""),
        (ids[1], "partly", "医院周边首小时免费，其他时段不变"),
        (ids[2], "not_adopted", "停车收费是调节停车需求的手段，不宜全部取消"),
    ):
        decided = await api.post(
            f"/api/v1/admin/opinion-comments/{comment_id}/adoption",
            json={"adoption": adoption, "reason": reason},
            headers=editor,
        )
        assert decided.status_code == 200, decided.text
    done = await api.post(
        summary_path,
        json={"summary": "共收到意见3条，采纳1条，部分采纳1条，未采纳1条。"},
        headers=editor,
    )
    assert done.json()["call"]["state"] == "summarised"
    public = (await api.get(f"/api/v1/mp/opinion-calls/{call['id']}")).json()["call"]
    assert public["state_label"] == "已公布采纳情况"
    assert public["adoption_counts"] == {"adopted": 1, "partly": 1, "not_adopted": 1}
    assert public["adoption_summary"].startswith("共收到意见3条")
    reasons = {c["adoption_label"]: c["adoption_reason"] for c in public["not_adopted"]}
    assert reasons["未采纳"].startswith("停车收费是调节")
    assert "医院周边" in reasons["部分采纳"]
    assert public["can_comment"] is False


async def test_department_staff_run_only_their_own_calls(api, db):
    editor = await sign_in(api, "editor")
    call = await _call(api, editor)
    dept = await sign_in(api, "dept_edu")
    assert_error(await api.get(f"/api/v1/admin/opinion-calls/{call['id']}", headers=dept), 404)
    listed = (await api.get("/api/v1/admin/opinion-calls", headers=dept)).json()
    assert all(c["department"]["code"] == "jyj" for c in listed["items"])
    own = await api.post(
        "/api/v1/admin/opinion-calls",
        json={
            "title": "教育局的征集",
            "body": DRAFT,
            "opens_on": _days(1),
            "closes_on": _days(9),
        },
        headers=dept,
    )
    assert own.json()["call"]["department"]["code"] == "jyj"
    foreign = await api.post(
        "/api/v1/admin/opinion-calls",
        json={
            "title": "替别的部门发起",
            "body": DRAFT,
            "department_code": "cgj",
            "opens_on": _days(1),
            "closes_on": _days(9),
        },
        headers=dept,
    )
    assert_error(foreign, 403)


async def test_the_demo_has_an_open_call_and_a_closed_one_with_its_summary(api, db):
    calls = (await api.get("/api/v1/mp/opinion-calls", params={"per_page": 50})).json()["items"]
    states = {c["title"]: c["state"] for c in calls}
    assert states["蒙城县城区停车收费管理办法（征求意见稿）"] == "open"
    assert states["蒙城县全民健身设施补短板工程实施方案（征求意见稿）"] == "summarised"
    closed_id = next(c["id"] for c in calls if c["title"].startswith("蒙城县全民健身"))
    closed = (await api.get(f"/api/v1/mp/opinion-calls/{closed_id}")).json()["call"]
    assert closed["adoption_counts"] == {"adopted": 2, "partly": 1, "not_adopted": 1}
    open_calls = (await api.get("/api/v1/mp/opinion-calls", params={"state": "open"})).json()
    assert all(c["state"] == "open" for c in open_calls["items"])
