"""The hall terminal `/hall/apply` over HTTP: no staff login, CSRF-checked posts, masked
pages, the query by receipt number and the last six ID characters, rate limits, and a
session that shows only what was filed or looked up in it."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from mini_program.applications.models import Application
from mini_program.applications.settings import get_app_settings
from tests.gateway.staff_helpers import csrf_from
from tests.mini_program.applications.helpers import applicant, enter, new_id_number, sign_in


@pytest.fixture
async def kiosk(server_url):
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as client:
        yield client


async def file_at_kiosk(kiosk: httpx.AsyncClient, **overrides: str) -> httpx.Response:
    page = await kiosk.get("/hall/apply/new")
    form = {**applicant(**overrides), "csrf_token": csrf_from(page.text)}
    return await kiosk.post("/hall/apply/new", data=form)


async def test_the_start_screen_needs_no_login_and_allows_only_its_own_files(kiosk, db):
    page = await kiosk.get("/hall/apply")
    assert page.status_code == 200
    assert "我要申请" in page.text
    assert "查询进度" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["cache-control"] == "no-store"
    assert "<script>" not in page.text
    assert "style=" not in page.text


async def test_a_visitor_files_and_gets_a_masked_receipt(kiosk, db):
    number = new_id_number()
    response = await file_at_kiosk(
        kiosk, id_number=number.lower(), name="王小明", phone="13955551234"
    )
    assert response.status_code == 303, response.text
    receipt = await kiosk.get(response.headers["location"])
    assert receipt.status_code == 200
    text = receipt.text
    stored = await Application.get(receipt_no=re.search(r'id="receipt-no">(\d+)<', text).group(1))
    assert stored.channel == "kiosk"
    assert stored.state == "submitted"
    assert "王*明" in text
    assert "王小明" not in text
    assert number[:4] + "****" + number[-4:] in text
    assert number not in text
    assert "139****1234" in text
    assert "13955551234" not in text
    assert "打印回执" in text


async def test_a_post_without_the_terminals_token_is_refused(kiosk, db):
    before = await Application.filter(channel="kiosk").count()
    response = await kiosk.post("/hall/apply/new", data=applicant())
    assert response.status_code == 403
    assert "页面已过期" in response.text
    assert await Application.filter(channel="kiosk").count() == before


async def test_field_errors_are_shown_in_large_type_and_the_input_is_kept(kiosk, db):
    response = await file_at_kiosk(kiosk, id_number="110105194912310021", address="蒙城县立仓镇")
    assert response.status_code == 422
    assert 'id="e-id_number"' in response.text
    assert "校验位不正确" in response.text
    assert 'value="蒙城县立仓镇"' in response.text


async def test_a_terminal_filing_too_often_is_stopped(kiosk, db):
    limit = get_app_settings().kiosk_filings_per_hour
    page = await kiosk.get("/hall/apply/new")
    token = csrf_from(page.text)
    responses = await asyncio.gather(
        *(
            kiosk.post("/hall/apply/new", data={**applicant(), "csrf_token": token})
            for _ in range(limit + 2)
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [303] * limit + [429] * 2
    refused = next(r for r in responses if r.status_code == 429)
    assert "本终端提交的申请过多" in refused.text
    assert int(refused.headers["retry-after"]) > 0


async def query(kiosk: httpx.AsyncClient, receipt_no: str, tail: str) -> httpx.Response:
    page = await kiosk.get("/hall/apply/query")
    return await kiosk.post(
        "/hall/apply/query",
        data={"receipt_no": receipt_no, "id_last6": tail, "csrf_token": csrf_from(page.text)},
    )


async def test_the_query_finds_an_application_and_shows_its_deadline_and_letters(api, kiosk, db):
    admin = await sign_in(api, "admin")
    number = new_id_number()
    app_id = await enter(api, admin, id_number=number)
    await api.post(
        f"/api/v1/admin/applications/{app_id}/answer",
        json={"on": "2026-03-10", "result": "disclose"},
        headers=admin,
    )
    app = await Application.get(id=app_id)
    found = await query(kiosk, app.receipt_no, number[-6:].lower())
    assert found.status_code == 303
    status = await kiosk.get(found.headers["location"])
    assert status.status_code == 200
    assert "已于 2026-03-10 答复：予以公开" in status.text
    assert "期限是怎么算的" in status.text
    assert "跳过春节假期" in status.text
    assert number not in status.text
    letter = re.search(r'href="(/hall/apply/files/\d+/\d+)"', status.text).group(1)
    pdf = await kiosk.get(letter)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")

    # Another terminal session cannot open it by guessing the address.
    async with httpx.AsyncClient(base_url=str(kiosk.base_url)) as other:
        assert (await other.get(found.headers["location"])).status_code == 303
        assert (await other.get(letter)).status_code == 303

    # Finishing forgets it.
    page = await kiosk.get("/hall/apply")
    await kiosk.post("/hall/apply/end", data={"csrf_token": csrf_from(page.text)})
    assert (await kiosk.get(found.headers["location"])).headers["location"] == "/hall/apply/query"


async def test_a_card_reader_may_type_the_whole_id_number_into_the_query(api, kiosk, db):
    admin = await sign_in(api, "admin")
    number = new_id_number()
    app = await Application.get(id=await enter(api, admin, id_number=number))
    assert (await query(kiosk, app.receipt_no, number)).status_code == 303


async def test_wrong_id_digits_are_counted_and_lock_the_receipt_number(api, kiosk, db):
    admin = await sign_in(api, "admin")
    number = new_id_number()
    app = await Application.get(id=await enter(api, admin, id_number=number))
    wrong = "000000" if number[-6:] != "000000" else "111111"
    limit = get_app_settings().query_failures_per_receipt
    for _ in range(limit):
        miss = await query(kiosk, app.receipt_no, wrong)
        assert miss.status_code == 404
        assert "没有找到这件申请" in miss.text
        assert wrong not in miss.text.split("id_last6")[1][:200]  # never echoed back
    locked = await query(kiosk, app.receipt_no, number[-6:])
    assert locked.status_code == 429
    assert "输错次数过多" in locked.text
    bad = await query(kiosk, "12", "abc")
    assert bad.status_code == 422
    assert "9 位数字" in bad.text
