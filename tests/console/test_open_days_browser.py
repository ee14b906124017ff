"""Open days in the console and the door check-in, in a real Chromium (camera included)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.conftest import RUN_DIR
from tests.console.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.console.test_console_browser import sign_in
from tests.gateway.staff_helpers import sign_in as api_sign_in
from tests.mini_program.open_days.helpers import MP, make_event, person, residents

pytestmark = pytest.mark.browser


async def _ticket(api: httpx.AsyncClient, *, title: str) -> tuple[dict, dict]:
    admin = await api_sign_in(api, "admin")
    event = await make_event(api, admin, title=title, capacity=10)
    [me] = await residents(1)
    answer = await api.post(
        f"{MP}/{event['id']}/registrations", headers=me, json=person(8, companions=2)
    )
    assert answer.status_code == 201, answer.text
    return event, answer.json()["registration"]


async def test_staff_create_an_open_day_and_see_registrants_with_masked_phones(
    page, api: httpx.AsyncClient, db: None
) -> None:
    await sign_in(page, "admin")
    await page.wait_for_url("**/console/")
    await page.locator(".sidebar").get_by_role("link", name="政府开放日").click()
    await page.wait_for_url("**/console/open-days")
    assert await page.locator("#year-table").is_visible()
    form = page.locator("#create-event")
    await form.get_by_label("活动名称").fill("档案馆开放日")
    await form.get_by_label("主办部门").select_option("zfb")
    await form.get_by_label("地点").fill("县档案馆")
    await form.get_by_label("名额（人数，含随行人员）").fill("0")
    await form.get_by_role("button", name="创建").click()
    await page.locator("#e-capacity").wait_for()
    form = page.locator("#create-event")
    await form.get_by_label("名额（人数，含随行人员）").fill("40")
    await form.get_by_role("button", name="创建").click()
    await page.wait_for_url("**/console/open-days/*?message=*")
    assert "档案馆开放日" in await page.locator("#event-title").inner_text()

    event, _reg = await _ticket(api, title="看名单的开放日")
    await page.goto(f"/console/open-days/{event['id']}")
    row = page.locator("#registrants tbody tr").first
    text = await row.inner_text()
    assert "居民8" in text
    assert "139****0008" in text
    assert "13905580008" not in text
    assert await page.locator("#fig-registered").inner_text() == "3"
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="导出报名名单（Excel）").click()
    assert (await waiting.value).suggested_filename.endswith(".xlsx")
    assert [e for e in page.console_errors if "422" not in e] == []


async def test_the_door_page_checks_in_a_typed_ticket_and_answers_in_large_text(
    page, api: httpx.AsyncClient, db: None
) -> None:
    event, reg = await _ticket(api, title="门口签到的开放日")
    await sign_in(page, "admin")
    await page.wait_for_url("**/console/")
    await page.set_viewport_size({"width": 800, "height": 1100})  # a tablet at the door
    await page.goto(f"/console/check-in?event={event['id']}")
    result = page.locator("#result")
    assert await result.inner_text() == "请扫描入场券二维码"
    box = page.get_by_label("或输入入场券编码")
    await box.fill(reg["ticket"].lower())
    await page.get_by_role("button", name="签到", exact=True).click()
    await page.locator("#result.result-ok").wait_for()
    assert (await result.inner_text()).startswith("签到成功：居民8")
    assert "随行 2 人" in await result.inner_text()
    size = await result.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 36
    assert await page.locator("#present").inner_text() == "1"

    await box.fill(reg["ticket"])
    await page.get_by_role("button", name="签到", exact=True).click()
    await page.locator("#result.result-warn").wait_for()
    assert (await result.inner_text()).startswith("已于 ")

    await box.fill(reg["ticket"][:-1] + ("A" if reg["ticket"][-1] != "A" else "B"))
    await page.get_by_role("button", name="签到", exact=True).click()
    await page.locator("#result.result-bad").wait_for()
    assert await result.inner_text() == "入场券无效"
    # The refusals are answered 409/422 on purpose; nothing else went wrong on the page.
    assert [e for e in page.console_errors if "409" not in e and "422" not in e] == []


def _y4m(image: Image.Image, path: Path, frames: int = 6) -> None:
    """A raw YUV4MPEG2 video of one still picture: what Chromium plays as a fake camera."""
    width, height = image.size
    yuv = image.convert("YCbCr")
    y, cb, cr = yuv.split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)


async def test_the_door_page_reads_the_ticket_from_the_camera(
    api: httpx.AsyncClient, server_url: str, db: None
) -> None:
    from playwright.async_api import async_playwright

    event, reg = await _ticket(api, title="扫码签到的开放日")
    # The resident holds up 我的报名: the ticket's QR as the server drew it.
    png = reg["ticket_qr"].removeprefix("data:image/png;base64,")
    qr = Image.open(io.BytesIO(base64.b64decode(png))).convert("RGB")
    frame = Image.new("RGB", (640, 480), (200, 200, 200))
    frame.paste(qr.resize((360, 360)), (140, 60))
    video = RUN_DIR / f"ticket-{event['id']}.y4m"
    _y4m(frame, video)
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            context = await browser.new_context(base_url=server_url, locale="zh-CN")
            await context.grant_permissions(["camera"])
            tab = await context.new_page()
            errors: list[str] = []
            tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            await sign_in(tab, "admin")
            await tab.wait_for_url("**/console/")
            await tab.goto(f"/console/check-in?event={event['id']}")
            await tab.get_by_role("button", name="打开摄像头扫码").click()
            await tab.locator("#result.result-ok").wait_for(timeout=30_000)
            assert (await tab.locator("#result").inner_text()).startswith("签到成功：居民8")
            # Held in front of the camera, the same ticket is not sent again every frame.
            await tab.wait_for_timeout(1500)
            assert await tab.locator("#present").inner_text() == "1"
            assert errors == []
        finally:
            await browser.close()
