"""Disclosure applications in a real Chromium: the home tile, staff entry of a letter, the
calculation on the application's page, the answer form, department scoping, the overdue
board, the annual report, and the hall terminal with an ID-card reader that types."""

from __future__ import annotations

import re

import pytest

from mini_program.applications.models import Application
from tests.mini_program.applications.helpers import new_id_number

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Mengcheng@2026"


def blocked(page) -> list[str]:
    """Console errors other than the status of a form answered with its field errors (422):
    what the CSP blocked or a script broke."""
    return [e for e in page.console_errors if "the server responded with a status of" not in e]


async def sign_in(page, username: str = "admin") -> None:
    await page.goto("/console/login")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url("**/console/")


async def test_the_home_tile_counts_applications_due_this_week_and_opens_the_queue(page):
    await sign_in(page)
    tile = page.locator(".tile", has_text="本周到期的依申请公开")
    assert (await tile.locator(".tile-value").inner_text()).isdigit()
    await tile.click()
    await page.wait_for_url("**/console/applications?due=week")
    assert await page.locator("#f-due").input_value() == "week"
    assert blocked(page) == []


async def test_staff_enter_a_letter_and_see_how_its_deadline_is_computed(page, db):
    await sign_in(page)
    await page.get_by_role("link", name="依申请公开", exact=True).click()
    await page.get_by_role("link", name="登记申请").click()
    form = page.locator("#entry-form")
    await form.get_by_label("申请渠道").select_option("registered_post")
    await form.get_by_label("到达或提交日期").fill("2026-02-13")
    await form.get_by_label("确认收到日期（第 0 日）").fill("2026-02-13")
    await form.get_by_label("承办部门").select_option("jyj")
    await form.get_by_label("姓名或名称").fill("孙立新")
    await form.get_by_label("证件号码").fill("110105194912310021")
    await form.get_by_label("联系电话").fill("13800001111")
    await form.get_by_label("通信地址").fill("蒙城县双涧镇")
    await form.get_by_label("所需政府信息的名称、文号或其他特征性描述").fill(
        "双涧镇中心学校2026年春季招生方案"
    )
    await form.get_by_role("button", name="登记").click()
    error = page.locator("#e-id_number")
    await error.wait_for()
    assert "校验位不正确" in await error.inner_text()
    assert await form.get_by_label("姓名或名称").input_value() == "孙立新"

    await form.get_by_label("证件号码").fill(new_id_number())
    await form.get_by_role("button", name="登记").click()
    await page.wait_for_url(re.compile(r".*/console/applications/\d+\?done=receive"))
    deadline = page.locator("#deadline")
    assert "2026-03-19" in await deadline.inner_text()
    calc = page.locator("#calculation")
    text = await calc.inner_text()
    assert "以签收之日为收到申请之日" in text
    assert "跳过春节假期 2026-02-15（周日）至2026-02-23（周一），共 9 天" in text
    await calc.get_by_text("逐日明细").first.click()
    assert "2026-02-28（春节调休）" in await calc.inner_text()
    assert "1381****1111" not in await page.content()  # masked: 138****1111
    assert "138****1111" in await page.locator("#phone").inner_text()
    assert blocked(page) == []


async def test_the_answer_form_shows_the_reasons_of_the_chosen_result_and_needs_one(page, db):
    app = await Application.filter(state="received", department_code="jyj").order_by("-id").first()
    await sign_in(page)
    await page.goto(f"/console/applications/{app.id}")
    panel = page.locator("#answer-panel")
    await panel.locator("summary").click()
    await panel.get_by_label("答复类型").select_option("withhold")
    withhold = panel.locator('.reason-group[data-result="withhold"]')
    assert await withhold.is_visible()
    assert not await panel.locator('.reason-group[data-result="unavailable"]').is_visible()
    await panel.get_by_label("日期").fill("2026-03-10")
    await panel.get_by_role("button", name="答复并生成答复书").click()
    error = page.locator("#e-answer-reasons")
    await error.wait_for()
    assert "须选择理由" in await error.inner_text()

    panel = page.locator("#answer-panel")
    await panel.get_by_label("答复类型").select_option("withhold")
    await panel.get_by_label("属于四类过程性信息").check()
    await panel.get_by_label("日期").fill("2026-03-10")
    await panel.get_by_role("button", name="答复并生成答复书").click()
    await page.wait_for_url("**done=answer*")
    assert "已答复，答复书已生成" in await page.get_by_role("status").inner_text()
    assert "不予公开（2026-03-10）" in await page.locator("#answer-result").inner_text()
    assert await page.locator("#files a", has_text="政府信息公开申请答复书").count() == 1
    assert blocked(page) == []


async def test_department_staff_see_only_their_departments_queue(page):
    await sign_in(page, "dept_edu")
    await page.goto("/console/applications?per_page=30")
    departments = await page.locator("#queue-table tbody tr td:nth-child(4)").all_inner_texts()
    assert departments
    assert set(departments) == {"蒙城县教育局"}
    assert await page.locator("#f-department").count() == 0
    other = await Application.exclude(department_code="jyj").first()
    response = await page.goto(f"/console/applications/{other.id}")
    assert response.status == 404


async def test_the_overdue_board_lists_the_overdue_application_by_department(page):
    await sign_in(page, "disclosure_head")
    await page.goto("/console/applications/overdue")
    row = page.locator('#board tr[data-department="jyj"]')
    assert await row.locator(".overdue").count() == 1
    cases = page.locator("#cases-jyj")
    await cases.wait_for()
    assert "202600137" in await page.locator(".overdue-cases").first.inner_text()


async def test_the_annual_report_shows_the_2025_tables_and_exports_excel(page):
    await sign_in(page)
    await page.goto("/console/applications/report?year=2025")
    new_row = page.locator('#table3 tr[data-row="new"]')
    assert (await new_row.locator("td").last.inner_text()) == "176"
    assert (await page.locator('#table3 tr[data-row="carried_out"] td').last.inner_text()) == "21"
    assert "行政复议" in await page.locator("#table4").inner_text()
    async with page.expect_download() as info:
        await page.get_by_role("link", name="导出 Excel").click()
    download = await info.value
    assert download.suggested_filename.endswith("2025.xlsx")
    assert blocked(page) == []


async def test_the_hall_terminal_takes_the_id_card_readers_typing_and_prints_a_masked_receipt(page):
    number = new_id_number()
    await page.goto("/hall/apply")
    await page.get_by_role("link", name="我要申请").click()
    await page.wait_for_url("**/hall/apply/new")
    # The visitor touches the name field first; the reader then types the number and Enter.
    await page.get_by_label("姓名（组织填写单位名称）").click()
    await page.keyboard.type(number + "\n", delay=5)
    assert await page.locator("#id_number").input_value() == number
    assert await page.get_by_label("姓名（组织填写单位名称）").input_value() == ""
    assert await page.evaluate("document.activeElement.id") == "name"
    await page.get_by_label("姓名（组织填写单位名称）").fill("赵丽华")
    assert not await page.locator("#credit_code").is_visible()
    await page.get_by_label("联系电话").fill("13722223333")
    await page.get_by_label("通信地址").fill("蒙城县乐土镇")
    await page.get_by_label("所需政府信息的名称、文号或其他特征").fill(
        "乐土镇2026年耕地地力保护补贴发放明细"
    )
    await page.get_by_role("button", name="提交申请").click()
    await page.wait_for_url(re.compile(r".*/hall/apply/receipt/\d+"))
    facts = await page.locator("#receipt-facts").inner_text()
    assert "赵*华" in facts
    assert number[:4] + "****" + number[-4:] in facts
    assert "137****3333" in facts
    assert number not in await page.content()
    receipt_no = await page.locator("#receipt-no").inner_text()

    # 查询 with the on-screen keypad: receipt number, then the last six characters.
    await page.goto("/hall/apply/query")
    for digit in receipt_no:
        await page.locator(f'.key[data-key="{digit}"]').click()
    await page.locator("#id_last6").click()
    for ch in number[-6:]:
        await page.locator(f'.key[data-key="{ch}"]').click()
    await page.get_by_role("button", name="查询").click()
    await page.wait_for_url(re.compile(r".*/hall/apply/status/\d+"))
    assert "等待工作人员确认收到" in await page.locator("#deadline-box").inner_text()
    assert blocked(page) == []
