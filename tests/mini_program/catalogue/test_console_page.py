import asyncio
import re

import httpx
import pytest

from tests.gateway.staff_helpers import console_sign_in


@pytest.fixture
async def browser(server_url):
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as client:
        yield client


async def test_editor_sees_domains_ranked_by_readership_with_a_chart(api, browser):
    # Residents read 社会救助 heavily: the console shows it first, as the mini-program does.
    domains = (await api.get("/api/v1/mp/domains")).json()["items"]
    target = next(d for d in domains if d["name"] == "社会救助")
    for _ in range(30):
        assert (await api.get(f"/api/v1/mp/domains/{target['id']}/items")).status_code == 200

    await console_sign_in(browser, "editor")
    page = None
    for _ in range(50):  # views reach the ranking within seconds (counted in memory, then Redis)
        page = await browser.get("/console/catalogue")
        assert page.status_code == 200
        first_row = re.search(r"<tbody>\s*<tr>\s*<td>1</td>\s*<td>([^<]+)</td>", page.text)
        if first_row and first_row.group(1) == "社会救助":
            break
        await asyncio.sleep(0.2)
    assert first_row, page.text
    assert first_row.group(1) == "社会救助", page.text
    assert "<svg" in page.text
    assert "近 30 天阅读量最高的领域" in page.text
    assert page.text.count("<tr>") == 28 + 1  # header row + 28 domains


async def test_home_shows_the_catalogue_tile(browser):
    await console_sign_in(browser, "editor")
    home = await browser.get("/console/")
    assert "公开目录：28 个领域的事项" in home.text


async def test_village_staff_may_not_open_the_catalogue_page(browser):
    await console_sign_in(browser, "village_01")
    page = await browser.get("/console/catalogue")
    assert page.status_code == 403
