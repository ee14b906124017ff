"""The village page on a phone (real Chromium, phone viewport): download, play, confirm, and
the same without signal — the page, the list and the audio stay on the phone."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from gateway.clock import SHANGHAI, now
from tests.broadcast.helpers import ADMIN_API, approve, create_script, run_synthesis
from tests.gateway.staff_helpers import DEMO_PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("db")]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _slots() -> tuple[str, str]:
    """Two play times that can be confirmed right now, whatever the hour (same county day)."""
    here = now().astimezone(SHANGHAI)
    later = here + timedelta(minutes=30)
    other = later if later.date() == here.date() else here - timedelta(minutes=30)
    return here.strftime("%H:%M"), other.strftime("%H:%M")


async def test_village_staff_download_play_and_confirm_even_without_signal(
    chromium, client: httpx.AsyncClient, server_url: str
) -> None:
    first, second = _slots()
    editor = await sign_in(client, "editor")
    made = await create_script(
        client,
        editor,
        title="冬季防火广播（村级测试）",
        targets={"villages": ["banqiaoji-01"]},
        play_times=[first, second],
    )
    await approve(client, made["id"])
    await run_synthesis()

    context = await chromium.new_context(base_url=server_url, locale="zh-CN", **PHONE)
    page = await context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        await page.goto("/village")
        assert "/console/login" in page.url  # not signed in: the console's sign-in, then back
        await page.get_by_label("用户名").fill("village_01")
        await page.get_by_label("密码").fill(DEMO_PASSWORD)
        await page.get_by_role("button", name="登录").click()
        await page.wait_for_url("**/village")
        assert await page.locator("#village-name").inner_text() == "板桥村"
        card = page.locator(".script", has_text="冬季防火广播（村级测试）")
        await card.wait_for()
        assert [t.strip() for t in await card.locator(".slot-time").all_inner_texts()] == sorted(
            [first, second]
        )
        await card.get_by_role("button", name="下载音频").click()
        await card.locator(".audio-state", has_text="已下载").wait_for()
        await card.get_by_role("button", name="播放", exact=True).click()
        await page.wait_for_function(
            "id => document.querySelector(`.script[data-id='${id}'] audio`).currentTime > 0",
            arg=str(made["id"]),
        )
        await card.get_by_role("button", name=f"确认 {first} 已播放").click()
        await card.locator(".done", has_text="已播放").wait_for()

        assert errors == []
        # No signal: the page, the list and the audio come from the phone (failed network
        # requests are expected now and logged by the browser).
        await context.set_offline(True)
        await page.reload()
        card = page.locator(".script", has_text="冬季防火广播（村级测试）")
        await card.wait_for()
        assert await page.locator("#net").inner_text() == "离线"
        assert "已下载" in await card.locator(".audio-state").inner_text()
        await card.get_by_role("button", name="播放", exact=True).click()
        await page.wait_for_function(
            "id => document.querySelector(`.script[data-id='${id}'] audio`).currentTime > 0",
            arg=str(made["id"]),
        )
        await card.get_by_role("button", name=f"确认 {second} 已播放").click()
        await card.locator(".pending", has_text="待上传").wait_for()
        assert "等待上传" in await page.locator("#sync").inner_text()

        # Signal again: the confirmation goes up by itself.
        await context.set_offline(False)
        errors.clear()
        await page.locator("#sync").wait_for(state="hidden")
        await card.locator(".done").nth(1).wait_for()
    finally:
        await context.close()

    admin = await sign_in(client, "admin")
    view = (await client.get(f"{ADMIN_API}/{made['id']}/coverage", headers=admin)).json()
    village = view["towns"][0]["villages"][0]
    assert village["downloaded_at"] is not None
    today = datetime.now(SHANGHAI).date().isoformat()
    assert {k for k, v in village["plays"].items() if v} == {
        f"{today} {first}",
        f"{today} {second}",
    }
    assert errors == []
