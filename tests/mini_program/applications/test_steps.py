"""Staff steps through the admin API: the deadline and its calculation after each step, 409s
with the reason for steps in the wrong state, field errors, extensions by approvers only,
department scoping, the generated letters, parallel steps, and the audit trail."""

from __future__ import annotations

import asyncio
import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from gateway.audit import AuditRecord
from gateway.clock import local_date, now
from mini_program.applications.models import Application
from tests.conftest import assert_error
from tests.mini_program.applications.helpers import enter, resident_headers, sign_in

ADMIN = "/api/v1/admin/applications"


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace(
        "\n", ""
    )


async def test_get_answers_state_deadline_and_the_calculation_in_words(api, db):
    admin = await sign_in(api, "admin")
    app_id = await enter(api, admin)
    body = (await api.get(f"{ADMIN}/{app_id}", headers=admin)).json()
    assert body["state"] == "received"
    assert body["deadline"] == "2026-03-19"
    kinds = [s["kind"] for s in body["calculation"]]
    assert kinds == ["submitted", "received", "count"]
    count = body["calculation"][-1]
    assert count["from"] == "2026-02-14"
    assert count["to"] == "2026-03-19"
    assert count["counted"] == 20
    assert count["holidays"][0]["name"] == "春节"
    assert "计入调休上班日 2026-02-14" in count["text"]
    assert body["calculation"][1]["text"].startswith("2026-02-13（周五） 收到申请，为第 0 日")
    assert body["events"][0]["kind"] == "submitted"
    assert body["events"][1]["actor"] == "admin"
    assert "answer" in body["actions"]
    assert "extend" in body["actions"]


@pytest.mark.dates
async def test_receive_defaults_to_today_and_refuses_a_future_date(api, db):
    admin = await sign_in(api, "admin")
    app_id = await enter(api, admin, received_on=None, submitted_on=None)
    tomorrow = (local_date(now()) + timedelta(days=2)).isoformat()
    response = await api.post(f"{ADMIN}/{app_id}/receive", json={"on": tomorrow}, headers=admin)
    assert assert_error(response, 422)["fields"]["on"] == "日期不能晚于今天"
    early = await api.post(f"{ADMIN}/{app_id}/receive", json={"on": "2020-01-01"}, headers=admin)
    assert "不能早于上一步骤的日期" in assert_error(early, 422)["fields"]["on"]

    response = await api.post(f"{ADMIN}/{app_id}/receive", json={"channel": "fax"}, headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    received_on = date.fromisoformat(body["received_on"])
    assert abs((received_on - local_date(now())).days) <= 1
    assert body["channel"] == "fax"
    assert "传真提交的申请，以双方确认之日为收到申请之日" in body["calculation"][1]["text"]
    again = await api.post(f"{ADMIN}/{app_id}/receive", json={}, headers=admin)
    assert assert_error(again, 409, "wrong_state")["message"] == "申请正在办理中，不能再次确认收到"


async def test_steps_in_the_wrong_state_get_409_with_the_reason(api, db):
    admin = await sign_in(api, "admin")
    app_id = await enter(api, admin, received_on=None)
    answer = await api.post(
        f"{ADMIN}/{app_id}/answer", json={"on": "2026-02-20", "result": "disclose"}, headers=admin
    )
    assert assert_error(answer, 409, "wrong_state")["message"] == "尚未确认收到申请，不能答复"
    reply = await api.post(f"{ADMIN}/{app_id}/third-party-reply", json={}, headers=admin)
    assert "尚未确认收到申请" in assert_error(reply, 409, "wrong_state")["message"]
    corrected = await api.post(f"{ADMIN}/{app_id}/corrected", json={}, headers=admin)
    assert assert_error(corrected, 409)["message"] == "尚未确认收到申请，不能登记补正"


async def test_a_correction_restarts_the_clock_and_only_one_is_allowed(api, db):
    admin = await sign_in(api, "admin")
    app_id = await enter(api, admin, submitted_on="2026-03-02", received_on="2026-03-02")
    late = await api.post(
        f"{ADMIN}/{app_id}/request-correction",
        json={"on": "2026-03-12", "missing": "文件名称"},
        headers=admin,
    )
    error = assert_error(late, 409, "correction_window_passed")
    assert "已超过收到申请之日起 7 个工作日（至 2026-03-11）" in error["message"]
    missing = await api.post(
        f"{ADMIN}/{app_id}/request-correction", json={"on": "2026-03-05"}, headers=admin
    )
    assert assert_error(missing, 422)["fields"]["missing"] == "必填"

    waiting = await api.post(
        f"{ADMIN}/{app_id}/request-correction",
        json={"on": "2026-03-05", "missing": "请写明所需文件的名称或文号"},
        headers=admin,
    )
    assert waiting.status_code == 200, waiting.text
    body = waiting.json()
    assert body["state"] == "awaiting_correction"
    assert body["deadline"] is None
    assert body["correction_due"] == "2026-03-26"
    notice = next(f for f in body["files"] if f["kind"] == "correction_notice")
    text = pdf_text((await api.get(notice["url"], headers=admin)).content)
    assert "补正政府信息公开申请告知书" in text
    assert "第三十条" in text
    assert "请写明所需文件的名称或文号" in text
    assert "2026年3月26日" in text

    corrected = await api.post(
        f"{ADMIN}/{app_id}/corrected", json={"on": "2026-03-16"}, headers=admin
    )
    body = corrected.json()
    assert body["state"] == "received"
    assert body["deadline"] == "2026-04-14"
    again = await api.post(
        f"{ADMIN}/{app_id}/request-correction",
        json={"on": "2026-03-17", "missing": "再补"},
        headers=admin,
    )
    assert "只能要求补正一次" in assert_error(again, 409, "wrong_state")["message"]


async def test_a_third_party_pause_moves_the_deadline(api, db):
    admin = await sign_in(api, "admin")
    app_id = await enter(api, admin, submitted_on="2026-09-14", received_on="2026-09-14")
    sent = await api.post(
        f"{ADMIN}/{app_id}/third-party",
        json={"on": "2026-09-24", "party": "某化工企业"},
        headers=admin,
    )
    body = sent.json()
    assert body["state"] == "third_party"
    assert body["third_party_due"] == "2026-10-22"
    assert body["deadline"] == "2026-11-06"
    assert body["deadline_provisional"] is True
    early = await api.post(
        f"{ADMIN}/{app_id}/answer", json={"on": "2026-10-09", "result": "disclose"}, headers=admin
    )
    assert assert_error(early, 409, "third_party_pending")
    replied = await api.post(
        f"{ADMIN}/{app_id}/third-party-reply", json={"on": "2026-10-09"}, headers=admin
    )
    body = replied.json()
    assert body["state"] == "received"
    assert body["deadline"] == "2026-10-23"
    assert body["deadline_provisional"] is False


async def test_only_approvers_extend_once_and_before_the_deadline(api, db):
    admin = await sign_in(api, "admin")
    dept = await sign_in(api, "dept_edu")
    head = await sign_in(api, "disclosure_head")
    app_id = await enter(api, admin, submitted_on="2026-08-06", received_on="2026-08-06")
    body = {"on": "2026-08-29", "reason": "需要调取档案"}
    refused = await api.post(f"{ADMIN}/{app_id}/extend", json=body, headers=dept)
    assert_error(refused, 403, "forbidden")
    no_reason = await api.post(f"{ADMIN}/{app_id}/extend", json={"on": "2026-08-29"}, headers=head)
    assert "reason" in assert_error(no_reason, 422)["fields"]

    extended = await api.post(f"{ADMIN}/{app_id}/extend", json=body, headers=head)
    assert extended.status_code == 200, extended.text
    result = extended.json()
    assert result["extended"] is True
    assert result["deadline"] == "2026-10-08"
    assert [s["kind"] for s in result["calculation"]][-2:] == ["count", "extension"]
    assert "经县政务公开办负责人同意延长答复期限" in result["calculation"][2]["text"]
    notice = next(f for f in result["files"] if f["kind"] == "extension_notice")
    text = pdf_text((await api.get(notice["url"], headers=admin)).content)
    assert "第三十三条第二款" in text
    assert "2026年10月8日" in text
    assert "2026年9月3日" in text
    again = await api.post(f"{ADMIN}/{app_id}/extend", json=body, headers=head)
    assert "已延长过一次" in assert_error(again, 409, "wrong_state")["message"]


async def test_an_extension_after_the_deadline_is_refused(api, db):
    admin = await sign_in(api, "admin")
    app_id = await enter(api, admin)  # deadline 2026-03-19
    late = await api.post(
        f"{ADMIN}/{app_id}/extend", json={"on": "2026-03-20", "reason": "来不及"}, headers=admin
    )
    error = assert_error(late, 409, "deadline_passed")
    assert error["message"] == "答复期限已于 2026-03-19 届满，不能再延长"


async def test_a_refusal_needs_its_reason_and_the_letter_cites_the_law(api, db):
    admin = await sign_in(api, "admin")
    resident_id, mine = await resident_headers()
    app_id = await enter(api, admin)
    await Application.filter(id=app_id).update(resident_id=resident_id)
    bare = await api.post(
        f"{ADMIN}/{app_id}/answer", json={"on": "2026-03-10", "result": "withhold"}, headers=admin
    )
    assert assert_error(bare, 422)["fields"]["reasons"] == "答复“不予公开”须选择理由"
    wrong = await api.post(
        f"{ADMIN}/{app_id}/answer",
        json={"on": "2026-03-10", "result": "withhold", "reasons": ["not_held"]},
        headers=admin,
    )
    assert "不适用" in assert_error(wrong, 422)["fields"]["reasons"]
    future = await api.post(
        f"{ADMIN}/{app_id}/answer",
        json={"on": "2099-01-01", "result": "disclose"},
        headers=admin,
    )
    assert assert_error(future, 422)["fields"]["on"] == "日期不能晚于今天"

    answered = await api.post(
        f"{ADMIN}/{app_id}/answer",
        json={
            "on": "2026-03-10",
            "result": "withhold",
            "reasons": ["third_party_rights"],
            "explanation": "名单中含有个人身份信息。",
        },
        headers=admin,
    )
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["state"] == "answered"
    assert body["on_time"] is True
    assert body["answer"]["result_label"] == "不予公开"
    assert body["answer"]["reasons"] == [
        {"code": "third_party_rights", "label": "保护第三方合法权益"}
    ]
    assert "在答复期限 2026-03-19（周四） 内" in body["calculation"][-1]["text"]

    # The applicant reads the answer and opens the letter by its signed link.
    mine_detail = (await api.get(f"/api/v1/mp/applications/{app_id}", headers=mine)).json()
    letter = next(f for f in mine_detail["files"] if f["kind"] == "answer_letter")
    assert "signature=" in letter["url"]
    pdf = await api.get(letter["url"])
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["cache-control"] == "private, no-store"
    text = pdf_text(pdf.content)
    assert "政府信息公开申请答复书" in text
    assert "第三十六条第（三）项" in text
    assert "第十五条" in text
    assert "名单中含有个人身份信息" in text
    assert "六十日内" in text
    forged = letter["url"].replace("signature=", "signature=0")
    assert_error(await api.get(forged), 404, "file_link_invalid")
    again = await api.post(
        f"{ADMIN}/{app_id}/answer", json={"on": "2026-03-11", "result": "disclose"}, headers=admin
    )
    assert assert_error(again, 409)["message"] == "申请已答复，不能答复"


async def test_an_answer_with_files_shows_them_to_the_applicant_only_once_answered(api, db):
    admin = await sign_in(api, "admin")
    resident_id, mine = await resident_headers()
    app_id = await enter(api, admin)
    await Application.filter(id=app_id).update(resident_id=resident_id)
    upload = await api.post(
        f"{ADMIN}/{app_id}/files",
        files={"file": ("低保名单.pdf", b"%PDF-1.4 demo", "application/pdf")},
        headers=admin,
    )
    assert upload.status_code == 201, upload.text
    bad = await api.post(
        f"{ADMIN}/{app_id}/files",
        files={"file": ("x.exe", b"MZ", "application/octet-stream")},
        headers=admin,
    )
    assert "只能上传" in assert_error(bad, 422)["fields"]["file"]
    before = (await api.get(f"/api/v1/mp/applications/{app_id}", headers=mine)).json()
    assert before["files"] == []
    answered = await api.post(
        f"{ADMIN}/{app_id}/answer",
        data={"on": "2026-03-12", "result": "disclose"},
        files={"files": ("附件二.docx", b"PK\x03\x04", "application/octet-stream")},
        headers=admin,
    )
    assert answered.status_code == 200, answered.text
    # The multipart answer attached its own file; the earlier upload is referenced by id.
    names = {f["name"] for f in answered.json()["files"]}
    assert "附件二.docx" in names
    after = (await api.get(f"/api/v1/mp/applications/{app_id}", headers=mine)).json()
    assert {"附件二.docx", "政府信息公开申请答复书-" + after["receipt_no"] + ".pdf"} <= {
        f["name"] for f in after["files"]
    }
    assert "低保名单.pdf" not in {f["name"] for f in after["files"]}


async def test_department_staff_see_only_their_departments_applications(api, db):
    admin = await sign_in(api, "admin")
    dept = await sign_in(api, "dept_edu")
    ours = await enter(api, admin, department="jyj")
    theirs = await enter(api, admin, department="mzj")
    assert (await api.get(f"{ADMIN}/{ours}", headers=dept)).status_code == 200
    assert_error(await api.get(f"{ADMIN}/{theirs}", headers=dept), 404, "application_not_found")
    step = await api.post(f"{ADMIN}/{theirs}/third-party", json={"party": "x"}, headers=dept)
    assert_error(step, 404)
    listed = (await api.get(ADMIN, params={"per_page": 100}, headers=dept)).json()
    assert listed["total"] > 0
    assert {i["department"] for i in listed["items"]} == {"jyj"}
    file_probe = await api.get(f"{ADMIN}/{theirs}/files/1", headers=dept)
    assert_error(file_probe, 404)
    assign = await api.post(f"{ADMIN}/{ours}/assign", json={"department": "mzj"}, headers=dept)
    assert_error(assign, 403)


async def test_the_disclosure_head_routes_an_application_to_another_department(api, db):
    admin = await sign_in(api, "admin")
    head = await sign_in(api, "disclosure_head")
    app_id = await enter(api, admin, department="zfb")
    moved = await api.post(f"{ADMIN}/{app_id}/assign", json={"department": "jyj"}, headers=head)
    assert moved.status_code == 200
    assert moved.json()["department"] == "jyj"
    unknown = await api.post(f"{ADMIN}/{app_id}/assign", json={"department": "nope"}, headers=head)
    assert "没有代码为 nope 的部门" in assert_error(unknown, 422)["fields"]["department"]
    record = await AuditRecord.filter(action="applications.assign", target_id=str(app_id)).first()
    assert record.detail == {"receipt_no": moved.json()["receipt_no"], "from": "zfb", "to": "jyj"}


async def test_two_staff_answering_at_once_cannot_both_succeed(api, db):
    admin = await sign_in(api, "admin")
    head = await sign_in(api, "disclosure_head")
    app_id = await enter(api, admin)
    body = {"on": "2026-03-02", "result": "disclose"}
    first, second = await asyncio.gather(
        api.post(f"{ADMIN}/{app_id}/answer", json=body, headers=admin),
        api.post(f"{ADMIN}/{app_id}/answer", json=body, headers=head),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    stored = await Application.get(id=app_id)
    assert stored.state == "answered"
    events = await stored.events.filter(kind="answered").count()
    assert events == 1


async def test_every_staff_step_is_audited_without_personal_data(api, db):
    admin = await sign_in(api, "admin")
    app_id = await enter(api, admin, received_on=None, phone="13912345678")
    await api.post(f"{ADMIN}/{app_id}/receive", json={"on": "2026-02-13"}, headers=admin)
    await api.post(
        f"{ADMIN}/{app_id}/third-party", json={"on": "2026-02-24", "party": "甲"}, headers=admin
    )
    await api.post(f"{ADMIN}/{app_id}/third-party-reply", json={"on": "2026-02-26"}, headers=admin)
    await api.post(
        f"{ADMIN}/{app_id}/answer", json={"on": "2026-03-02", "result": "disclose"}, headers=admin
    )
    contact = await api.post(f"{ADMIN}/{app_id}/contact", headers=admin)
    assert contact.json()["phone"] == "13912345678"
    actions = [
        r.action
        for r in await AuditRecord.filter(
            target_type="application", target_id=str(app_id)
        ).order_by("id")
    ]
    assert actions == [
        "applications.create",
        "applications.receive",
        "applications.third_party",
        "applications.third_party_reply",
        "applications.answer",
        "applications.contact_viewed",
    ]
    details = str([r.detail for r in await AuditRecord.filter(target_id=str(app_id))])
    assert "13912345678" not in details


async def test_staff_entry_checks_its_fields(api, db):
    admin = await sign_in(api, "admin")
    cases = [
        ({"channel": "online"}, "channel", "信函、传真、当面或电子邮件"),
        ({"received_on": "2026-02-10"}, "received_on", "不能早于提交日期"),
        ({"submitted_on": "2099-01-01"}, "submitted_on", "不能晚于今天"),
        ({"id_number": None}, "id_number", "请填写证件号码"),
        ({"department": "nope"}, "department", "没有代码为 nope 的部门"),
    ]
    for change, field, message in cases:
        body = __import__("tests.mini_program.applications.helpers", fromlist=["x"]).staff_body(
            **change
        )
        response = await api.post(ADMIN, json=body, headers=admin)
        assert message in assert_error(response, 422)["fields"][field], change
    # An organisation's letter may carry only its credit code.
    from mini_program.applications.ids import credit_code_check

    code = "91341622MA2N0000X" + credit_code_check("91341622MA2N0000X")
    org = await enter(
        api,
        admin,
        applicant_type="organisation",
        name="蒙城县某建材有限公司",
        credit_code=code,
        id_type=None,
        id_number=None,
    )
    stored = await Application.get(id=org)
    assert stored.org_kind == "business"
    assert stored.id_masked == ""


async def test_ids_beyond_the_columns_answer_404_not_a_database_error(api, db):
    admin = await sign_in(api, "admin")
    _, mine = await resident_headers()
    for path in (f"{ADMIN}/3000000000", f"{ADMIN}/1/files/3000000000"):
        assert_error(await api.get(path, headers=admin), 404)
    assert_error(await api.get("/api/v1/mp/applications/3000000000", headers=mine), 404)
    step = await api.post(f"{ADMIN}/3000000000/receive", json={}, headers=admin)
    assert_error(step, 404)
    outcome = await api.post(
        f"{ADMIN}/reviews/3000000000/outcome", json={"outcome": "upheld"}, headers=admin
    )
    assert_error(outcome, 404)


async def test_the_applicant_is_not_told_who_the_third_party_is_or_who_approved(api, db):
    admin = await sign_in(api, "admin")
    head = await sign_in(api, "disclosure_head")
    resident_id, mine = await resident_headers()
    app_id = await enter(api, admin, submitted_on="2026-06-01", received_on="2026-06-01")
    await Application.filter(id=app_id).update(resident_id=resident_id)
    await api.post(
        f"{ADMIN}/{app_id}/third-party",
        json={"on": "2026-06-03", "party": "李某某（被举报人）"},
        headers=admin,
    )
    await api.post(f"{ADMIN}/{app_id}/third-party-reply", json={"on": "2026-06-05"}, headers=admin)
    await api.post(
        f"{ADMIN}/{app_id}/extend", json={"on": "2026-06-10", "reason": "需要协调"}, headers=head
    )
    staff_view = (await api.get(f"{ADMIN}/{app_id}", headers=admin)).json()
    own_view = (await api.get(f"/api/v1/mp/applications/{app_id}", headers=mine)).json()
    assert "李某某" in str(staff_view["calculation"])
    assert "县政务公开办负责人同意" in str(staff_view)
    assert "李某某" not in str(own_view)
    assert "县政务公开办负责人" not in str(own_view)
    assert own_view["deadline"] == staff_view["deadline"]
    assert "书面征求第三方意见" in str(own_view["calculation"])
    assert "经政府信息公开工作机构负责人同意" in str(own_view["calculation"])
