"""The review partial (review/_review.html) in a real Chromium, on the test-only kind."""

from __future__ import annotations

import pytest

from tests.gateway import review_app
from tests.gateway.review_fixtures import review_url  # noqa: F401  (fixture)
from tests.gateway.staff_helpers import STRONG_PASSWORD, create_staff, sign_in

pytestmark = [pytest.mark.usefixtures("db"), pytest.mark.browser]


async def test_reviewers_sign_in_the_console_panel_and_see_refusals_in_place(
    chromium,
    review_url: str,  # noqa: F811  (the imported fixture)
    api,
) -> None:
    await review_app.create_table()
    client = api
    admin = await sign_in(client, "admin")
    author_id, username = await create_staff(client, admin, role="admin", prefix="rva")
    _, first = await create_staff(client, admin, role="admin", prefix="rvb")
    note = await review_app.create_note(author_id=author_id, body="关于农村危房改造补助的公示")

    async def console(user: str):  # a signed-in browser tab of its own
        context = await chromium.new_context(base_url=review_url, locale="zh-CN")
        tab = await context.new_page()
        tab.set_default_timeout(10_000)
        await tab.goto("/console/login")
        await tab.fill("input[name=username]", user)
        await tab.fill("input[name=password]", STRONG_PASSWORD)
        await tab.click("button[type=submit]")
        await tab.wait_for_url("**/console/**")
        await tab.goto(f"/console/testnotes/{note}")
        return context, tab

    ctx_author, author = await console(username)
    panel = author.locator("#review-panel")
    assert "未送审" in await panel.locator(".review-status").inner_text()
    assert await panel.locator("form.review-sign").count() == 0  # the author has no sign form
    await panel.locator("#review-note").fill("请各位审核")
    await panel.get_by_role("button", name="送审第 1 版").click()
    await author.locator(".review-status", has_text="审核中").wait_for()
    await ctx_author.close()

    ctx_rev, rev = await console(first)
    await rev.locator("#review-comment").fill("内容准确")
    await rev.get_by_role("button", name="初审通过").click()
    await rev.locator('.review-level[data-state="approved"]', has_text="初审").wait_for()
    # The same reviewer tries the next level: refused in place, in Chinese.
    await rev.get_by_role("button", name="复审通过").click()
    error = rev.locator(".review-error")
    await error.wait_for()
    assert "同一版本的各级审核须由不同的审核人签署" in await error.inner_text()
    await rev.locator(".review-history summary").click()
    rows = rev.locator(".review-history tbody tr")
    assert await rows.count() == 2
    assert "内容准确" in await rows.first.inner_text()
    await ctx_rev.close()
