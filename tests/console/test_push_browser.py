"""The push pages in a real Chromium: the rich-text editor under the console's CSP, limits
while typing, the phone preview, planning with a group, the deliveries and the calendar."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.console.test_console_browser import sign_in
from tests.push.push_helpers import (
    EDITOR,
    Staff,
    approved_article,
    create_article,
    jpeg,
    upload_image,
)

pytestmark = pytest.mark.browser


async def as_editor(page, path: str) -> None:
    await sign_in(page, EDITOR)
    await page.wait_for_url("**/console/")
    await page.goto(path)


async def plan_form(page, api: httpx.AsyncClient) -> dict:
    """The plan form of a freshly approved article, as the editor opens it."""
    article = await approved_article(api, Staff(api))
    await as_editor(page, f"/console/pushes/new?article={article['id']}")
    return article


async def test_editor_composes_with_the_rich_text_editor_within_the_csp(page, db) -> None:
    await as_editor(page, "/console/articles/new")
    editor = page.locator(".ql-editor")
    await editor.wait_for()
    assert await page.locator("#f-content").is_hidden()

    title = page.get_by_label("标题")
    await title.fill("标" * 70)
    counter = page.locator("#c-title")
    assert "70 / 64" in await counter.inner_text()
    assert "over" in (await counter.get_attribute("class") or "")
    await title.fill(f"浏览器里写的解读{uuid.uuid4().hex[:4]}")

    await editor.click()
    await page.keyboard.type("今年起，城乡低保标准提高。")
    await page.keyboard.press("Enter")
    await page.keyboard.type("第二段")
    assert int(await page.locator("#content-text").inner_text()) >= 15
    assert int(await page.locator("#content-chars").inner_text()) > 20

    await page.get_by_role("button", name="保存").click()
    await page.wait_for_url("**/console/articles/*?notice=*")
    assert "已保存" in await page.locator("#notice").inner_text()
    assert "今年起，城乡低保标准提高。" in await page.locator(".ql-editor").inner_text()

    # The phone preview shows the saved version in its own frame.
    frame = page.frame_locator("iframe[title='文章手机预览']")
    assert "第二段" in await frame.locator("#js_content").inner_text()
    # Nothing was blocked: Quill needs no inline script or style.
    assert page.console_errors == []


async def test_styled_body_survives_the_editor_and_shows_in_the_preview(
    page, api: httpx.AsyncClient, db
) -> None:
    staff = Staff(api)
    picture = await upload_image(api, await staff(EDITOR), jpeg((320, 160), "olive"))
    article = await create_article(
        api,
        staff,
        content=f'<p style="color:#b3261e">红色提示</p><p><img src="{picture["url"]}"></p>'
        "<ul><li>第一条</li><li>第二条</li></ul>",
    )
    await as_editor(page, f"/console/articles/{article['id']}")
    red = page.locator(".ql-editor >> text=红色提示")
    await red.wait_for()
    colour = await red.evaluate("el => getComputedStyle(el).color")
    assert colour == "rgb(179, 38, 30)"
    assert await page.locator(".ql-editor img").count() == 1
    # What the form would save keeps the list a list and the colour inline.
    html = await page.locator("#f-content").input_value()
    assert "<ul><li>第一条</li><li>第二条</li></ul>" in html
    assert "color" in html

    frame = page.frame_locator("iframe[title='文章手机预览']")
    shown = frame.locator("p", has_text="红色提示")
    assert await shown.evaluate("el => getComputedStyle(el).color") == "rgb(179, 38, 30)"
    width = await page.locator("iframe[title='文章手机预览']").evaluate("el => el.clientWidth")
    assert width <= 375
    assert page.console_errors == []


async def test_planning_a_push_to_a_group_and_following_its_deliveries(
    page, api: httpx.AsyncClient, db
) -> None:
    await plan_form(page, api)
    await page.get_by_role("button", name="教育文体系统").click()
    assert await page.locator('input[name="accounts"][value="mcjy"]').is_checked()
    assert await page.locator('input[name="accounts"][value="mcty"]').is_checked()
    assert not await page.locator('input[name="accounts"][value="mcga"]').is_checked()
    await page.get_by_label("每个账号之间间隔（分钟）").fill("15")
    await page.get_by_role("button", name="确认推送计划").click()
    await page.wait_for_url("**/console/pushes/*")
    rows = page.locator("#deliveries-table tbody tr")
    assert await rows.count() == 3
    assert "已排期" in await rows.first.inner_text()

    # Cancel one before its time.
    await rows.first.get_by_role("button", name="取消").click()
    await page.wait_for_url("**/console/pushes/*?message=*")
    assert "已取消" in await page.locator("#deliveries-table tbody tr").first.inner_text()
    assert page.console_errors == []


async def test_a_plan_with_a_past_time_is_refused_naming_the_account(
    page, api: httpx.AsyncClient, db
) -> None:
    await plan_form(page, api)
    await page.locator('input[name="accounts"][value="mcsf"]').check()
    await page.get_by_label("发送时间（北京时间）").fill("2024-01-01T09:00")
    await page.get_by_role("button", name="确认推送计划").click()
    error = page.locator("#form-error")
    await error.wait_for()
    assert "蒙城司法（mcsf）的发送时间 2024-01-01 09:00 已经过去" in await error.inner_text()


async def test_calendar_month_and_week_views(page, db) -> None:
    await sign_in(page, EDITOR)
    await page.wait_for_url("**/console/")
    await page.get_by_role("link", name="推送日历").click()
    await page.wait_for_url("**/console/calendar")
    assert await page.locator("#calendar td.today").count() == 1
    assert await page.locator("#conflicts li[data-kind='stale']").count() >= 1
    await page.get_by_role("link", name="周", exact=True).click()
    await page.wait_for_url("**/console/calendar?view=week*")
    assert await page.locator("#calendar td.day").count() == 7
    assert page.console_errors == []


async def test_home_shows_push_failures(page, db) -> None:
    await sign_in(page, EDITOR)
    await page.wait_for_url("**/console/")
    assert await page.locator(".tile", has_text="推送失败（近 7 天）").is_visible()


async def test_a_reviewer_finds_the_article_in_the_queue_and_signs_the_first_level(
    page, api: httpx.AsyncClient, db
) -> None:
    staff = Staff(api)
    article = await create_article(api, staff, title=f"待审的解读{uuid.uuid4().hex[:4]}")
    submitted = await api.post(
        f"/api/v1/admin/articles/{article['id']}/submit", headers=await staff(EDITOR), json={}
    )
    assert submitted.status_code == 201
    await sign_in(page, "reviewer")
    await page.wait_for_url("**/console/")
    await page.goto("/console/articles")
    queue = page.locator("#review-queue")
    await queue.get_by_role("link", name=article["title"]).click()
    await page.wait_for_url(f"**/console/articles/{article['id']}*")
    await page.get_by_role("button", name="初审通过").click()
    first = page.locator(".review-level").first
    await page.wait_for_function(
        "() => document.querySelector('.review-level').dataset.state === 'approved'"
    )
    assert "reviewer" in await first.inner_text()
    # Read-only for a reviewer: the body is not editable and there is no save button.
    assert await page.get_by_role("button", name="保存").count() == 0
    assert page.console_errors == []
