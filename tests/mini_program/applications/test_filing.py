"""Filing from the mini-program: the contract's fields, field errors, receipt numbers,
encryption and masking, abuse limits, and applicants seeing only their own."""

from __future__ import annotations

import asyncio

from gateway import crypto
from mini_program.applications.models import Application, ApplicationEvent
from tests.conftest import assert_error
from tests.mini_program.applications.helpers import (
    applicant,
    new_id_number,
    resident_headers,
)

MP = "/api/v1/mp/applications"


async def test_a_resident_files_and_reads_back_a_masked_application(api, db):
    _, headers = await resident_headers()
    number = new_id_number()
    response = await api.post(MP, json=applicant(id_number=number), headers=headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == {"id", "receipt_no", "state"}
    assert created["state"] == "submitted"
    assert len(created["receipt_no"]) == 9
    assert created["receipt_no"].isdigit()

    detail = (await api.get(f"{MP}/{created['id']}", headers=headers)).json()
    assert detail["receipt_no"] == created["receipt_no"]
    assert detail["state_label"] == "待确认收到"
    assert detail["deadline"] is None
    assert detail["id_masked"] == number[:4] + "****" + number[-4:]
    assert detail["phone_masked"] == "138****8000"
    assert number not in str(detail)
    assert "13800138000" not in str(detail)
    assert detail["calculation"][-1]["text"] == "尚未确认收到申请：答复期限自确认收到之日起计算"

    stored = await Application.get(id=created["id"])
    assert stored.channel == "online"
    assert stored.department_code == "zfb"
    assert number not in (stored.id_number_encrypted or "")
    assert crypto.decrypt(stored.id_number_encrypted) == number
    assert crypto.decrypt(stored.phone_encrypted) == "13800138000"
    assert await ApplicationEvent.filter(application_id=stored.id, kind="submitted").count() == 1

    mine = (await api.get(MP, headers=headers)).json()
    assert mine["total"] == 1
    assert mine["items"][0]["id"] == created["id"]
    assert set(mine) == {"items", "total", "page", "per_page"}


async def test_an_organisation_files_with_its_credit_code_and_gets_a_report_column(api, db):
    _, headers = await resident_headers()
    body = applicant(
        applicant_type="organisation", name="安徽某律师事务所", credit_code="31341600MD01234560"
    )
    response = await api.post(MP, json=body, headers=headers)
    error = assert_error(response, 422, "invalid")
    assert "校验位" in error["fields"]["credit_code"]

    from mini_program.applications.ids import credit_code_check

    code = "31341600MD0123456" + credit_code_check("31341600MD0123456")
    response = await api.post(MP, json={**body, "credit_code": code.lower()}, headers=headers)
    assert response.status_code == 201, response.text
    stored = await Application.get(id=response.json()["id"])
    assert stored.credit_code == code
    assert stored.org_kind == "legal_service"


async def test_wrong_fields_are_named_in_chinese(api, db):
    _, headers = await resident_headers()
    cases = [
        ({"id_number": "110105194912310021"}, "id_number", "校验位不正确"),
        ({"id_number": "12345"}, "id_number", "18 位"),
        ({"phone": "12345"}, "phone", "手机号码"),
        ({"description": "低保"}, "description", "至少 5 个字"),
        ({"format": "paper", "delivery": "electronic"}, "delivery", "邮寄或当面领取"),
        ({"credit_code": "91350100M000100Y43"}, "credit_code", "自然人申请无需填写"),
        ({"applicant_type": "company"}, "applicant_type", "不在可选范围内"),
        ({"name": "  "}, "name", "请填写姓名或名称"),
    ]
    for change, field, message in cases:
        response = await api.post(MP, json=applicant(**change), headers=headers)
        error = assert_error(response, 422, "invalid")
        assert message in error["fields"][field], (change, error)
    extra = await api.post(MP, json={**applicant(), "department": "jyj"}, headers=headers)
    assert assert_error(extra, 422)["fields"]["department"] == "不支持的字段"
    missing = await api.post(
        MP, json={k: v for k, v in applicant().items() if k != "phone"}, headers=headers
    )
    assert assert_error(missing, 422)["fields"]["phone"] == "必填"


async def test_filing_needs_a_resident_session(api, db):
    response = await api.post(MP, json=applicant())
    assert_error(response, 401, "resident_login_required")


async def test_an_applicant_gets_404_for_someone_elses_application(api, db):
    _, owner = await resident_headers()
    _, stranger = await resident_headers()
    created = (await api.post(MP, json=applicant(), headers=owner)).json()
    assert_error(
        await api.get(f"{MP}/{created['id']}", headers=stranger), 404, "application_not_found"
    )
    assert (await api.get(MP, headers=stranger)).json()["total"] == 0
    assert_error(await api.get(f"{MP}/99999999999999999999", headers=owner), 404)


async def test_parallel_filings_get_distinct_consecutive_receipt_numbers(api, db):
    headers = [(await resident_headers())[1] for _ in range(8)]
    responses = await asyncio.gather(*(api.post(MP, json=applicant(), headers=h) for h in headers))
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses]
    numbers = sorted(int(r.json()["receipt_no"]) for r in responses)
    assert numbers == list(range(numbers[0], numbers[0] + 8))


async def test_a_resident_filing_too_often_is_told_to_wait(api, db):
    from mini_program.applications.settings import get_app_settings

    limit = get_app_settings().resident_filings_per_day
    _, headers = await resident_headers()
    responses = await asyncio.gather(
        *(api.post(MP, json=applicant(), headers=headers) for _ in range(limit + 3))
    )
    assert sorted(r.status_code for r in responses) == [201] * limit + [429] * 3
    refused = next(r for r in responses if r.status_code == 429)
    error = assert_error(refused, 429, "rate_limited")
    assert "上限" in error["message"]
    assert error["retry_after"] > 0


async def test_the_paging_bounds_are_field_errors(api, db):
    _, headers = await resident_headers()
    for query, field in (({"page": 0}, "page"), ({"per_page": 101}, "per_page")):
        response = await api.get(MP, params=query, headers=headers)
        assert field in assert_error(response, 422)["fields"]
