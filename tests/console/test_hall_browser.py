"""The query terminals' kiosk (1920×1080) and the hall's console pages, in a real Chromium."""

from __future__ import annotations

import re

import httpx
import pytest

from gateway.config import get_settings
from tests.console.test_console_browser import sign_in
from tests.mini_program.hall.helpers import decode, pdf_pages

pytestmark = pytest.mark.browser

KIOSK = {"width": 1920, "height": 1080}


async def kiosk_tab(chromium, server_url: str):  # type: ignore[no-untyped-def]
    context = await chromium.new_context(base_url=server_url, locale="zh-CN", viewport=KIOSK)
    tab = await context.new_page()
    tab.console_errors = []
    tab.on("console", lambda m: tab.console_errors.append(m.text) if m.type == "error" else None)
    tab.set_default_timeout(10_000)
    return context, tab


async def test_the_kiosk_browses_the_catalogue_in_large_type_and_hands_over_to_the_phone(
    chromium, server_url: str
) -> None:
    context, tab = await kiosk_tab(chromium, server_url)
    try:
        await tab.goto("/hall")
        assert await tab.get_by_role("heading", name="欢迎使用政务公开查询").is_visible()
        tiles = tab.locator(".k-tile")
        assert await tiles.count() == 28
        size = await tiles.first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
        assert size >= 28  # read standing at arm's length
        # Everything fits the screen's width: no sideways scrolling on a touch screen.
        assert await tab.evaluate("document.documentElement.scrollWidth") <= 1920

        await tiles.filter(has_text="社会救助").click()
        await tab.wait_for_url(re.compile(r"/hall/domains/\d+"))
        await tab.locator(".k-list a").first.click()
        await tab.wait_for_url(re.compile(r"/hall/items/(\d+)"))
        item_id = re.search(r"/hall/items/(\d+)", tab.url).group(1)  # type: ignore[union-attr]
        panel = tab.locator(".k-phone")
        assert "继续在手机上看" in await panel.inner_text()
        png = await panel.locator("img").screenshot()
        assert decode(png) == [f"{get_settings().public_base_url}/m/items/{item_id}"]
        assert await tab.locator(".field-content dd").inner_text()

        await tab.get_by_role("link", name="首页").click()
        await tab.get_by_label("搜索内容").fill("低保")
        await tab.get_by_role("button", name="搜索").click()
        await tab.wait_for_url("**/hall/search?q=*")
        assert "找到" in await tab.locator(".k-muted").first.inner_text()
        assert await tab.locator(".hits em").count() > 0

        await tab.get_by_role("link", name="规范性文件", exact=True).click()
        await tab.get_by_label("发文机关").fill("蒙城县人民政府")
        await tab.get_by_role("button", name="查询").click()
        await tab.wait_for_url("**/hall/normative?**")
        first = tab.locator(".k-list a").first
        await first.click()
        await tab.wait_for_url(re.compile(r"/hall/documents/\d+"))
        assert await tab.locator(".doc-body p").count() > 0
        assert tab.console_errors == []
    finally:
        await context.close()


async def test_the_kiosk_returns_to_its_start_screen_after_two_idle_minutes(
    chromium, server_url: str
) -> None:
    context, tab = await kiosk_tab(chromium, server_url)
    try:
        await tab.clock.install()
        await tab.goto("/hall/normative")
        # A touch within the two minutes starts them again.
        await tab.clock.fast_forward("01:30")
        await tab.locator(".k-footer").click()
        await tab.clock.fast_forward("01:30")
        assert tab.url.endswith("/hall/normative")
        await tab.clock.fast_forward("00:31")
        await tab.wait_for_url("**/hall")
        assert await tab.get_by_role("heading", name="欢迎使用政务公开查询").is_visible()
    finally:
        await context.close()


async def test_the_mobile_page_of_a_spot_works_without_wechat(page, api: httpx.AsyncClient) -> None:
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto("/m/")
    assert await page.locator(".domains li").count() == 28
    await page.get_by_label("搜索内容").fill("入学")
    await page.get_by_role("button", name="搜索").click()
    await page.wait_for_url("**/m/search?q=*")
    await page.locator(".hits a").first.click()
    await page.wait_for_url(re.compile(r"/m/(items|documents)/\d+"))
    assert page.console_errors == []
    await page.goto("/q/NOSUCH")  # answered 404 on purpose, with a page people can read
    assert "没有找到这个二维码" in await page.locator(".missing").inner_text()


async def test_an_editor_makes_a_spot_in_the_console_and_prints_posters(page) -> None:
    await sign_in(page, "editor")
    await page.wait_for_url("**/console/")
    await page.locator(".sidebar").get_by_role("link", name="大厅二维码").click()
    await page.wait_for_url("**/console/qr")
    heat = page.locator("#heat-table")
    assert await heat.locator("tbody tr").count() >= 13
    assert "政务公开服务台" in await heat.inner_text()

    form = page.locator("#create-spot")
    await form.get_by_label("名称").fill("二楼 8 号查询机")
    await form.get_by_label("位置").fill("二楼自助服务区")
    await form.get_by_label("本站页面").check()
    await form.get_by_label("路径").fill("https://example.com/")
    await form.get_by_role("button", name="创建").click()
    error = page.locator("#e-target")
    await error.wait_for()
    assert "外部网址" in await error.inner_text()

    form = page.locator("#create-spot")
    await form.get_by_label("路径").fill("/hall")
    await form.get_by_role("button", name="创建").click()
    await page.wait_for_url(re.compile(r"/console/qr/[0-9A-Z]{6}\?message="))
    assert "已创建" in await page.locator(".alert-ok").inner_text()
    code = re.search(r"/console/qr/([0-9A-Z]{6})", page.url).group(1)  # type: ignore[union-attr]
    assert code in await page.locator("#spot-url").inner_text()
    preview = page.locator(".qr-preview img")
    assert await preview.evaluate("img => img.complete && img.naturalWidth > 0")

    await page.goto("/console/qr")
    await page.get_by_label("选择 二楼 8 号查询机").check()
    await page.get_by_label("选择 政务公开服务台").check()
    async with page.expect_download() as waiting:
        await page.get_by_role("button", name="打印 A4 海报（PDF）").click()
    download = await waiting.value
    pdf = open(await download.path(), "rb").read()  # noqa: ASYNC230 - a test reading a small file
    pages = pdf_pages(pdf, dpi=100)
    assert len(pages) == 2
    found = {text for png in pages for text in decode(png)}
    assert f"{get_settings().public_base_url}/q/{code}" in found
    assert b"WenQuanYi" in pdf  # the Chinese font travels with the file

    # The spot's page: charts by day, by hour, by channel.
    await page.goto("/console/qr")
    await page.locator("#spots-table").get_by_role("link", name="政务公开服务台").click()
    assert await page.locator("#day-chart svg polyline").count() == 1
    assert await page.locator("#hour-chart svg rect").count() == 24
    assert int(await page.locator("#sum-scans").inner_text()) > 0
    # Only the form answered with its field error (422) is reported: the CSP blocked nothing.
    assert [e for e in page.console_errors if "422" not in e] == []
