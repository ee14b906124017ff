"""Staff use the loudspeaker pages in a real Chromium: write, correct, hear, review, county view."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from broadcast.service.villages import slot_moment
from tests.broadcast.helpers import approve, create_script, run_synthesis, today
from tests.gateway.staff_helpers import DEMO_PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("db")]


async def console_sign_in(page, username: str) -> None:
    await page.goto("/console/login")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url("**/console/")


async def test_an_editor_writes_corrects_and_hears_a_script_then_reviewers_approve_it(
    page, chromium
) -> None:
    await console_sign_in(page, "editor")
    await page.get_by_role("link", name="村村通广播").click()
    await page.get_by_role("link", name="新建广播稿").click()
    title = f"秋收安全提示{uuid.uuid4().hex[:4]}"
    await page.get_by_label("标题").fill(title)
    await page.get_by_label("正文（最多 5000 字）").fill(
        "各位村民：10月8日起，请将收割机停放在指定地点，咨询电话0558-7661234。"
    )
    await page.get_by_label("指定村").check()
    await page.get_by_label("板桥村").check()
    await page.get_by_label("播放时间（空格分隔，如 07:00 12:00 18:00）").fill("07:00 25:00")
    await page.get_by_role("button", name="保存").click()
    error = page.locator("#e-play_times")
    await error.wait_for()
    assert "25:00" in await error.inner_text()
    assert await page.get_by_label("标题").input_value() == title  # nothing typed is lost
    await page.get_by_label("播放时间（空格分隔，如 07:00 12:00 18:00）").fill("07:00 18:00")
    await page.get_by_role("button", name="保存").click()
    await page.wait_for_url(re.compile(r".*/console/broadcasts/\d+\?message=.*"))
    assert "已保存为草稿" in await page.get_by_role("status").first.inner_text()
    spoken = page.locator("#f-spoken")
    assert await spoken.input_value() == (
        "各位村民：十月八日起，请将收割机停放在指定地点，咨询电话零五五八，七六六幺二三四。"
    )
    await spoken.fill("各位村民：十月八日起，请把收割机停放在村部指定地点。")
    await page.get_by_role("button", name="保存朗读文本").click()
    await page.wait_for_url("**message=*")
    assert "（已人工修改）" in await page.locator("#spoken-title").inner_text()
    script_id = int(re.search(r"/broadcasts/(\d+)", page.url).group(1))  # type: ignore[union-attr]

    # Listen before review: the audio panel follows the synthesis by itself (htmx).
    await page.get_by_role("button", name="生成试听").click()
    await page.wait_for_url("**message=*")
    await page.locator("#audio-state", has_text="排队中").wait_for()
    await run_synthesis()
    await page.locator("#audio-state", has_text="已生成").wait_for(timeout=20_000)
    lufs = float((await page.locator("#audio-lufs").inner_text()).split()[0])
    peak = float((await page.locator("#audio-peak").inner_text()).split()[0])
    assert abs(lufs + 16) <= 1
    assert peak <= -1.5
    assert len(await page.locator("#audio-sha").inner_text()) == 64
    duration = await page.locator("#audio-player").evaluate(
        "a => new Promise(r => { a.onloadedmetadata = () => r(a.duration); a.load() })"
    )
    assert duration > 5

    await page.get_by_role("button", name="送审第 2 版").click()
    await page.locator(".review-status", has_text="审核中").wait_for()
    for username, button in (("reviewer", "初审通过"), ("admin", "终审通过")):
        context = await chromium.new_context(base_url=page.url.split("/console")[0], locale="zh-CN")
        tab = await context.new_page()
        tab.set_default_timeout(10_000)
        await console_sign_in(tab, username)
        await tab.goto(f"/console/broadcasts/{script_id}")
        await tab.get_by_role("button", name=button).click()
        if button == "终审通过":
            # The last signature puts it on the air: the page reloads with the new state.
            await tab.locator("#script-state", has_text="已通过").wait_for()
            assert await tab.locator("#audio-state", has_text="已生成").is_visible()
        else:
            await tab.locator(".review-level[data-state=approved]", has_text="初审").wait_for()
        await context.close()
    # Only the form's own answer to the bad play time (422) was not a success.
    assert [e for e in page.console_errors if "status of 422" not in e] == []


async def test_the_county_view_highlights_late_villages_and_exports_excel(page, client) -> None:
    editor = await sign_in(client, "editor")
    made = await create_script(client, editor, play_times=["00:00"])
    await approve(client, made["id"])
    await run_synthesis()
    village = await sign_in(client, "village_01")
    # 板桥村 played yesterday's and today's midnight slot; the other two villages never did.
    for day in (today() - timedelta(days=1), today()):
        played = await client.post(
            f"/api/v1/village/broadcasts/{made['id']}/plays",
            json={
                "slot": "00:00",
                "played_at": (slot_moment(day, "00:00") + timedelta(minutes=1)).isoformat(),
            },
            headers=village,
        )
        assert played.status_code == 201, played.text
    await console_sign_in(page, "admin")
    tile = page.locator(".tile", has_text="广播稿有村未播放")
    assert int(await tile.locator(".tile-value").inner_text()) >= 1
    await page.goto(f"/console/broadcasts/{made['id']}")
    assert await page.locator("#cov-total").inner_text() == "3"
    assert await page.locator("svg.chart").count() == 1
    late = page.locator("#coverage-table tr.late")
    assert await late.count() == 2  # 胡寨村 and 翟庄村 never played
    assert "一次未播" in await late.first.inner_text()
    played = page.locator('#coverage-table tr[data-village="banqiaoji-01"]')
    assert "✓" in await played.inner_text()
    async with page.expect_download() as download:
        await page.get_by_role("link", name="导出 Excel").click()
    assert (await download.value).suggested_filename.endswith(".xlsx")
    assert page.console_errors == []


async def test_admins_edit_the_pronunciation_list_in_the_console(page) -> None:
    await console_sign_in(page, "admin")
    await page.goto("/console/broadcasts/pronunciations")
    assert await page.locator('#pron-table tr[data-term="蒙城"]').count() == 1
    term = "测" + "".join(chr(0x4E00 + b) for b in uuid.uuid4().bytes[:3])
    form = page.locator("#pron-add")
    await form.get_by_label("词条").fill(term)
    await form.get_by_label("读音").fill("ce4shi4")
    await form.get_by_role("button", name="添加").click()
    await page.locator("#e-reading").wait_for()
    assert "声调数字" in await page.locator("#e-reading").inner_text()
    await form.get_by_label("读音").fill("ce4 shi4")
    await form.get_by_role("button", name="添加").click()
    await page.wait_for_url("**message=*")
    row = page.locator(f'#pron-table tr[data-term="{term}"]')
    assert await row.locator("input[name=reading]").input_value() == "ce4 shi4"
    await row.get_by_role("button", name="删除").click()
    await page.wait_for_url("**message=*")
    assert await page.locator(f'#pron-table tr[data-term="{term}"]').count() == 0
