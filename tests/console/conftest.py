"""A real Chromium (Debian's) driven by Playwright, for the console's browser tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def page(chromium, server_url) -> AsyncIterator:
    """A fresh browser profile (no cookies) per test, with console errors collected."""
    context = await chromium.new_context(base_url=server_url, locale="zh-CN")
    tab = await context.new_page()
    tab.console_errors = []  # type: ignore[attr-defined]
    tab.on(
        "console",
        lambda msg: tab.console_errors.append(msg.text) if msg.type == "error" else None,  # type: ignore[attr-defined]
    )
    tab.set_default_timeout(10_000)
    yield tab
    await context.close()
