"""The annual report's tables from the data: the county's 2025 figures, the balance of
table 三, department scoping, reconsiderations and lawsuits, the Excel export."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from gateway.audit import AuditRecord
from mini_program.applications.ids import credit_code_check
from tests.conftest import assert_error
from tests.gateway.staff_helpers import console_sign_in
from tests.mini_program.applications.helpers import enter, sign_in

REPORT = "/api/v1/admin/applications/report"


def row(report: dict, key: str) -> list[int]:
    return next(r["values"] for r in report["table3"] if r["key"] == key)


async def test_the_2025_report_matches_the_countys_published_figures(api, db):
    admin = await sign_in(api, "admin")
    report = (await api.get(REPORT, params={"year": 2025}, headers=admin)).json()
    assert [c["label"] for c in report["columns"]] == [
        "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计",
    ]  # fmt: skip
    assert row(report, "new")[-1] == 176
    assert row(report, "carried_in")[-1] == 2
    assert row(report, "results_total")[-1] == 157
    assert row(report, "carried_out")[-1] == 21
    groups = {g["label"]: g["values"][-1] for g in report["channels"]}
    assert groups["网络申请"] == 132
    assert groups["信函申请"] == 44
    assert report["figures"]["late"] == 0
    labels = [r["label"] for r in report["table3"]]
    assert "（二）部分公开（区分处理的，只计这一情形，不计其他情形）" in labels
    assert "5. 要求行政机关确认或重新出具已获取信息" in labels
    assert report["table4"]["groups"][0]["values"] == [2, 0, 0, 0, 2]


async def test_every_years_table_balances_and_each_row_adds_up(api, db):
    admin = await sign_in(api, "admin")
    for year in (2025, 2026):
        report = (await api.get(REPORT, params={"year": year}, headers=admin)).json()
        for key in ("new", "carried_in", "results_total", "carried_out"):
            values = row(report, key)
            assert sum(values[:-1]) == values[-1], (year, key)
        for column in range(len(report["columns"])):
            assert (
                row(report, "new")[column] + row(report, "carried_in")[column]
                == row(report, "results_total")[column] + row(report, "carried_out")[column]
            ), (year, column)
        reasons = [r["values"][-1] for r in report["table3"] if r["group"]]
        assert (
            row(report, "disclose")[-1] + row(report, "partial")[-1] + sum(reasons)
            == row(report, "results_total")[-1]
        )


async def test_an_answer_given_this_year_moves_into_this_years_results(api, db):
    admin = await sign_in(api, "admin")
    before = (await api.get(REPORT, params={"year": 2026}, headers=admin)).json()
    code = "12341622MB1234567" + credit_code_check("12341622MB1234567")
    app_id = await enter(
        api,
        admin,
        applicant_type="organisation",
        name="亳州市某农业科学研究所",
        credit_code=code,
        org_kind="research",
        id_type=None,
        id_number=None,
    )
    await api.post(
        f"/api/v1/admin/applications/{app_id}/answer",
        json={"on": "2026-03-02", "result": "unavailable", "reasons": ["needs_creation"]},
        headers=admin,
    )
    after = (await api.get(REPORT, params={"year": 2026}, headers=admin)).json()
    research = 2  # 自然人, 商业企业, 科研机构
    assert row(after, "new")[research] == row(before, "new")[research] + 1
    key = "unavailable:needs_creation"
    assert row(after, key)[research] == row(before, key)[research] + 1


async def test_department_staff_see_their_own_departments_report(api, db):
    dept = await sign_in(api, "dept_edu")
    admin = await sign_in(api, "admin")
    mine = (await api.get(REPORT, params={"year": 2025, "department": "zjj"}, headers=dept)).json()
    county = (await api.get(REPORT, params={"year": 2025}, headers=admin)).json()
    jyj = (await api.get(REPORT, params={"year": 2025, "department": "jyj"}, headers=admin)).json()
    assert mine["department"] == "jyj"
    assert row(mine, "new") == row(jyj, "new")
    assert row(mine, "new")[-1] < row(county, "new")[-1]
    bad = await api.get(REPORT, params={"year": 1999}, headers=admin)
    assert "year" in assert_error(bad, 422)["fields"]
    editor = await sign_in(api, "editor")
    assert_error(await api.get(REPORT, headers=editor), 403)


async def test_reconsiderations_and_lawsuits_entered_by_staff_fill_table_four(api, db):
    head = await sign_in(api, "disclosure_head")
    base = (await api.get(REPORT, params={"year": 2024}, headers=head)).json()
    assert base["table4"]["groups"][1]["values"] == [0, 0, 0, 0, 0]
    created = await api.post(
        "/api/v1/admin/applications/reviews",
        json={"year": 2024, "kind": "lawsuit_direct", "case_no": "（2024）皖1622行初1号"},
        headers=head,
    )
    assert created.status_code == 201, created.text
    case = created.json()
    assert case["outcome"] == "pending"
    decided = await api.post(
        f"/api/v1/admin/applications/reviews/{case['id']}/outcome",
        json={"outcome": "corrected"},
        headers=head,
    )
    assert decided.json()["outcome_label"] == "结果纠正"
    after = (await api.get(REPORT, params={"year": 2024}, headers=head)).json()
    assert after["table4"]["groups"][1]["values"] == [0, 1, 0, 0, 1]
    assert await AuditRecord.exists(action="applications.review_update", target_id=str(case["id"]))
    unknown = await api.post(
        "/api/v1/admin/applications/reviews",
        json={"year": 2024, "kind": "reconsideration", "receipt_no": "999999999"},
        headers=head,
    )
    assert assert_error(unknown, 422)["fields"]["receipt_no"] == "没有这个申请编号"


async def test_the_excel_export_holds_the_national_tables(api, db):
    await console_sign_in(api)
    response = await api.get("/console/applications/report.xlsx", params={"year": 2025})
    assert response.status_code == 200
    assert "spreadsheetml" in response.headers["content-type"]
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "三、收到和处理政府信息公开申请情况",
        "四、行政复议、行政诉讼情况",
        "收到申请的渠道",
    ]
    sheet = book.worksheets[0]
    cells = {str(c.value): c for r in sheet.iter_rows() for c in r if c.value is not None}
    new_row = cells["一、本年新收政府信息公开申请数量"].row
    assert sheet.cell(new_row, 9).value == 176
    assert "（三）不予公开" in cells
    assert "法人或其他组织" in cells
    assert any(str(rng).startswith("A") for rng in sheet.merged_cells.ranges)
