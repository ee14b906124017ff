"""Staff work consultations, opinion calls and the analysis in a real Chromium."""

from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import load_workbook

from gateway.clock import SHANGHAI, now
from mini_program.consultations.models import Consultation
from mini_program.consultations.service import intake  # noqa: F401  registers search kinds
from tests.mini_program.consultations.helpers import question

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Mengcheng@2026"


async def sign_in(page, username: str) -> None:
    await page.goto("/console/login")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url("**/console/")


async def test_a_department_answers_a_question_reusing_a_similar_answer(page, db):
    mine = await question(
        received_at=now(),
        text="请问小学报名时间是什么时候？要在网上报名吗？",
        department_code="jyj",
    )
    late = await question(
        received_at=datetime(2026, 1, 5, 10, tzinfo=SHANGHAI),
        text="初中学籍转入需要什么手续？",
        department_code="jyj",
    )
    await sign_in(page, "dept_edu")
    overdue = page.locator("section", has=page.get_by_role("heading", name="超期未答复咨询"))
    assert await overdue.get_by_role("link", name=late.reference or "").count() == 1

    await page.get_by_role("link", name="咨询办理").click()
    await page.wait_for_url("**/console/consultations")
    departments = await page.locator("#queue-table tbody tr td:nth-child(6)").all_inner_texts()
    assert departments
    assert set(departments) == {"蒙城县教育局"}
    await page.get_by_role("link", name=mine.reference or "").click()
    await page.wait_for_url(f"**/console/consultations/{mine.id}")
    assert "剩余 3 个工作日" in await page.locator("#c-deadline").inner_text() or "今天到期" in (
        await page.locator("#c-deadline").inner_text()
    )
    similar = page.locator("#similar-list li").first
    reused = await similar.locator(".similar-a").inner_text()
    await similar.get_by_role("button", name="引用此答复").click()
    assert await page.locator("#answer-text").input_value() == reused.removeprefix("答：")
    await page.get_by_role("button", name="发送答复").click()
    await page.wait_for_url(f"**/console/consultations/{mine.id}?message=*")
    assert await page.get_by_role("status").inner_text() == "已答复"
    assert "已答复" in await page.locator("#c-status").inner_text()
    assert (await Consultation.get(id=mine.id)).answered_by == "dept_edu"
    assert page.console_errors == []


async def test_an_editor_checks_the_masked_text_and_publishes(page, db):
    row = await question(
        received_at=now(),
        text="我叫张三，电话138 1234 5678，想问高龄津贴多少钱？",
        department_code="mzj",
    )
    await Consultation.filter(id=row.id).update(
        status="answered", answer_text="80—89 周岁每月 50 元。", answered_by="mzj_staff"
    )
    await sign_in(page, "editor")
    await page.goto(f"/console/consultations/{row.id}")
    findings = await page.locator("#findings").inner_text()
    assert "138 1234 5678" in findings
    assert "【电话已隐去】" in findings
    public_question = await page.locator("#pub-question").input_value()
    assert "1234" not in public_question
    assert "张某" in public_question
    await page.get_by_role("button", name="核对无误，发布").click()
    await page.wait_for_url(f"**/console/consultations/{row.id}?message=*")
    assert await page.get_by_role("status").inner_text() == "已发布为常见问答"
    assert (await Consultation.get(id=row.id)).published is True
    assert page.console_errors == []


async def test_the_help_desk_enters_a_visit_and_prints_the_slip(page, db):
    await sign_in(page, "editor")
    await page.goto("/console/consultations/desk")
    await page.get_by_label("问题").fill("残疾证怎么办理？需要去医院鉴定吗？")
    await page.get_by_label("联系电话（可选，加密保存）").fill("12345")
    await page.get_by_role("button", name="登记").click()
    assert "手机号" in await page.locator("#e-phone").inner_text()
    assert await page.get_by_label("问题").input_value() == "残疾证怎么办理？需要去医院鉴定吗？"
    page.console_errors.clear()  # the form came back with its 422, as it should
    await page.get_by_label("联系电话（可选，加密保存）").fill("13955556666")
    await page.get_by_label("来访人姓名（可选）").fill("孙大姐")
    await page.get_by_role("button", name="登记").click()
    await page.wait_for_url("**/slip")
    reference = await page.locator("#slip-reference").inner_text()
    assert reference.startswith("ZX")
    assert await page.locator("svg.qr").count() == 1
    stored = await Consultation.get(reference=reference)
    assert stored.channel == "hall"
    assert stored.phone_masked == "139****6666"
    assert page.console_errors == []


async def test_an_editor_moderates_comments_on_the_open_call(page, db):
    await sign_in(page, "editor")
    await page.get_by_role("link", name="意见征集").click()
    await page.get_by_role("link", name="蒙城县城区停车收费管理办法（征求意见稿）").click()
    flagged = page.locator(".comment", has=page.locator(".flag"))
    assert "垃圾政府" in await flagged.first.locator(".flag").inner_text()
    pending = page.locator(".comment", has_text="收费员态度要好")
    await pending.get_by_role("button", name="公开").click()
    await page.wait_for_url("**message=*")
    assert await page.get_by_role("status").inner_text() == "已公开该意见"
    await page.get_by_role("link", name="已公开").click()
    assert await page.locator(".comment", has_text="收费员态度要好").count() == 1
    assert page.console_errors == []


async def test_the_analysis_draws_charts_and_exports_excel(page, db, tmp_path):
    await sign_in(page, "admin")
    await page.get_by_role("link", name="留言分析").click()
    await page.wait_for_url("**/console/analysis")
    assert int(await page.locator("#fig-total").inner_text()) > 0
    assert await page.locator("svg.chart").count() >= 5
    async with page.expect_download() as download_info:
        await page.locator("#export-link").click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    await download.save_as(tmp_path / "analysis.xlsx")
    book = load_workbook(tmp_path / "analysis.xlsx")
    assert "热词" in book.sheetnames
    await page.get_by_role("link", name="词典与停用词").click()
    assert await page.locator("#words-dictionary").input_value()
    assert page.console_errors == []
