"""The console's 居民通知 page in a real Chromium: templates, grants, messages by outcome."""

from __future__ import annotations

import httpx
import pytest

from mini_program.notify import service
from tests.console.test_console_browser import sign_in
from tests.mini_program.notify.helpers import allow, make_residents, run_notify_jobs, tag

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("db")]


async def test_editors_see_each_purposes_template_grants_and_sent_messages(
    page, sandbox: httpx.AsyncClient
) -> None:
    residents = await make_residents(3)
    await allow(sandbox, residents, "application_status")
    await service.notify(
        purpose="application_status",
        object_key=f"application:{tag()}",
        resident_ids=[r.id for r in residents],
        data={"title": "政府信息公开申请", "status": "已受理"},
    )
    await run_notify_jobs()
    expected = next(r for r in await service.statistics() if r["purpose"] == "application_status")

    await sign_in(page, "editor")
    await page.get_by_role("link", name="居民通知").click()
    await page.wait_for_url("**/console/notifications")
    row = page.locator('tr[data-purpose="application_status"]')
    assert "依申请公开办理进度" in await row.inner_text()
    assert (
        int((await row.locator(".sent").inner_text()).replace(",", ""))
        == (expected["messages"]["sent"])
    )
    assert expected["messages"]["sent"] >= 3
    assert await page.locator("tr[data-purpose]").count() == 5
    assert page.console_errors == []
