"""In the console a department asks to move a message; an administrator refuses or approves it."""

from __future__ import annotations

import pytest

from tests.console.test_console_browser import sign_in
from tests.matrix.test_inbox import follower_writes

pytestmark = pytest.mark.browser


async def test_department_asks_admin_refuses_then_approves_in_the_console(
    page, chromium, server_url, sandbox, db
):
    message = await follower_writes(sandbox, "mcjy", "教育局：老年人乘车卡在哪办？")
    await sign_in(page, "dept_edu")
    await page.wait_for_url("**/console/")
    await page.goto("/console/inbox?account=mcjy")
    row = page.locator(f'tr[data-id="{message.id}"]')
    assert await row.get_by_role("button", name="分派").count() == 0  # no direct move
    await row.get_by_label("申请转办给").select_option("mzj")
    await row.get_by_label("理由（管理员会看到）").fill("老年人优待证由民政局办理")
    await row.get_by_role("button", name="提交申请").click()
    await page.get_by_role("status").wait_for()
    assert "等待管理员确认" in await page.get_by_role("status").inner_text()
    assert "已申请转办，等待管理员确认" in await row.inner_text()

    admin_context = await chromium.new_context(base_url=server_url, locale="zh-CN")
    admin = await admin_context.new_page()
    try:
        await sign_in(admin, "admin")
        await admin.wait_for_url("**/console/")
        await admin.goto("/console/inbox")
        request = admin.locator("#reassign-table tr", has_text="老年人优待证由民政局办理")
        await request.get_by_label("不同意的理由").fill("乘车卡由教育局代办，请直接答复")
        await request.get_by_role("button", name="不同意").click()
        await admin.get_by_role("status").wait_for()
        assert "留言仍由原部门答复" in await admin.get_by_role("status").inner_text()

        await page.reload()
        row = page.locator(f'tr[data-id="{message.id}"]')
        text = await row.inner_text()
        assert "未同意" in text
        assert "不同意的理由：乘车卡由教育局代办，请直接答复" in text

        # Asked again with a better reason, approved: the message leaves the department.
        await row.get_by_label("申请转办给").select_option("mzj")
        await row.get_by_label("理由（管理员会看到）").fill("补充：乘车卡已改由民政局发放")
        await row.get_by_role("button", name="提交申请").click()
        await page.get_by_role("status").wait_for()
        await admin.goto("/console/inbox")
        request = admin.locator("#reassign-table tr", has_text="补充：乘车卡已改由民政局发放")
        await request.get_by_role("button", name="同意转办").click()
        await admin.get_by_role("status").wait_for()
        await message.refresh_from_db()
        assert message.assigned_department == "mzj"
    finally:
        await admin_context.close()
    await page.reload()
    assert await page.locator(f'tr[data-id="{message.id}"]').count() == 0
    assert page.console_errors == []
