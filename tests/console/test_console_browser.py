"""Staff use the console in a real browser: sign in, overview, users, lockout, CSRF."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Mengcheng@2026"


async def sign_in(page, username: str = "admin", password: str = DEMO_PASSWORD) -> None:
    await page.goto("/console/login")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()


async def test_admin_signs_in_through_the_form_and_sees_the_county_overview(page):
    await page.goto("/console/users")
    assert page.url.endswith("/console/login?next=/console/users")
    await page.get_by_label("用户名").fill("admin")
    await page.get_by_label("密码").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url("**/console/users")

    await page.get_by_role("link", name="全县概览").click()
    await page.wait_for_url("**/console/")
    assert await page.get_by_role("heading", name="全县概览", level=2).is_visible()
    tile = page.locator(".tile", has_text="在岗工作人员")
    assert int(await tile.locator(".tile-value").inner_text()) >= 5
    assert await page.locator(".tile", has_text="24 小时内操作").is_visible()
    header = page.locator(".topbar")
    assert "管理员" in await header.inner_text()
    assert await page.get_by_role("heading", name="最近操作").is_visible()
    # The CSP allows only our own files: nothing on the page may have been blocked.
    assert page.console_errors == []


async def test_admin_creates_a_user_and_sees_field_errors_first(page):
    await sign_in(page)
    await page.wait_for_url("**/console/")
    await page.get_by_role("link", name="工作人员", exact=True).click()
    await page.wait_for_url("**/console/users")

    username = f"web_{uuid.uuid4().hex[:6]}"
    form = page.locator("#create-user")
    await form.get_by_label("用户名").fill(username)
    await form.get_by_label("显示名").fill("县数据资源局编辑")
    await form.get_by_label("初始密码").fill("weak")
    await form.get_by_label("角色").select_option("editor")
    await form.get_by_role("button", name="创建").click()
    error = page.locator("#e-password")
    await error.wait_for()
    assert "至少 10 位" in await error.inner_text()
    assert await form.get_by_label("用户名").input_value() == username

    await form.get_by_label("初始密码").fill("Shuju#Ziyuan2026")
    await form.get_by_role("button", name="创建").click()
    await page.wait_for_url("**/console/users?created=*")
    assert f"已创建工作人员 {username}" in await page.get_by_role("status").inner_text()
    row = page.locator("#users-table tr", has_text=username)
    assert "编辑" in await row.inner_text()
    assert "县数据资源局编辑" in await row.inner_text()


async def test_admin_disables_a_user_in_place_with_htmx(page):
    await sign_in(page)
    await page.wait_for_url("**/console/")
    await page.goto("/console/users")
    username = f"tmp_{uuid.uuid4().hex[:6]}"
    form = page.locator("#create-user")
    await form.get_by_label("用户名").fill(username)
    await form.get_by_label("初始密码").fill("Linshi#Yonghu2026")
    await form.get_by_role("button", name="创建").click()
    await page.wait_for_url("**/console/users?created=*")

    row = page.locator("#users-table tr", has_text=username)
    page.once("dialog", lambda dialog: dialog.accept())
    await row.get_by_role("button", name="停用").click()
    await row.get_by_role("button", name="启用").wait_for()
    assert "已停用" in await row.inner_text()
    assert "created=" in page.url  # swapped in place, no navigation
    assert page.console_errors == []


async def test_repeated_wrong_passwords_show_the_lockout_message(page):
    for _ in range(5):
        await sign_in(page, "reviewer", "Wrong#Password1")
    alert = page.get_by_role("alert")
    text = await alert.inner_text()
    assert "登录失败次数过多" in text
    assert "分钟后" in text
    await sign_in(page, "reviewer", DEMO_PASSWORD)
    assert "登录失败次数过多" in await page.get_by_role("alert").inner_text()
    assert "/console/login" in page.url


async def test_a_wrong_password_shows_a_generic_message(page):
    await sign_in(page, "editor", "Wrong#Password1")
    assert await page.get_by_role("alert").inner_text() == "用户名或密码错误"
    assert await page.get_by_label("用户名").input_value() == "editor"


async def test_a_login_post_without_the_csrf_token_is_rejected(page):
    await page.goto("/console/login")
    await page.evaluate("document.querySelector('input[name=csrf_token]').remove()")
    await page.get_by_label("用户名").fill("admin")
    await page.get_by_label("密码").fill(DEMO_PASSWORD)
    async with page.expect_response("**/console/login") as info:
        await page.get_by_role("button", name="登录").click()
    response = await info.value
    assert response.status == 403
    assert "页面已过期" in await page.get_by_role("alert").inner_text()
    await page.goto("/console/")
    assert "/console/login" in page.url  # not signed in


async def test_staff_sign_out_from_the_header(page):
    await sign_in(page, "dept_edu")
    await page.wait_for_url("**/console/")
    assert "部门工作人员" in await page.locator(".topbar").inner_text()
    assert await page.get_by_role("link", name="工作人员", exact=True).count() == 0
    await page.get_by_role("button", name="退出登录").click()
    await page.wait_for_url("**/console/login")
    await page.goto("/console/")
    assert "/console/login" in page.url
