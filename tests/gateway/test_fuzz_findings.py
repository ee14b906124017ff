"""What fuzzing the OpenAPI document found (make fuzz), each kept fixed by a test."""

from __future__ import annotations

import httpx

from tests.conftest import assert_error
from tests.gateway.staff_helpers import sign_in


async def test_a_method_the_path_does_not_take_is_405_with_allow(api: httpx.AsyncClient) -> None:
    for method, path, allowed in (
        ("PUT", "/api/v1/admin/me", {"GET"}),
        ("DELETE", "/api/v1/mp/domains", {"GET"}),
        ("PATCH", "/api/v1/admin/session", {"POST", "DELETE"}),
        # Paths with parameters too, for which Sanic's router names no methods itself.
        ("TRACE", "/api/v1/mp/items/1", {"GET"}),
        ("PUT", "/api/v1/admin/users/1", {"GET", "PATCH"}),
    ):
        response = await api.request(method, path)
        assert_error(response, 405, "method_not_allowed")
        assert allowed <= {m.strip() for m in response.headers["allow"].split(",")}, path


async def test_an_unknown_role_filter_is_a_field_error_not_a_crash(api: httpx.AsyncClient) -> None:
    headers = await sign_in(api, "admin")
    error = assert_error(
        await api.get("/api/v1/admin/users", params={"role": "token"}, headers=headers), 422
    )
    assert "role" in error["fields"]
    editors = await api.get("/api/v1/admin/users", params={"role": "editor"}, headers=headers)
    assert {u["role"] for u in editors.json()["items"]} == {"editor"}


async def test_query_dates_are_calendar_dates_and_blank_filters_are_left_out(
    api: httpx.AsyncClient,
) -> None:
    for bad in ("0", "20260101", "2026-1-1"):
        error = assert_error(await api.get("/api/v1/mp/documents", params={"to": bad}), 422)
        assert error["fields"]["to"] == "应为日期（YYYY-MM-DD）"
    everything = (await api.get("/api/v1/mp/documents")).json()["total"]
    blank = await api.get("/api/v1/mp/documents", params={"to": "", "issuer": "", "normative": ""})
    assert blank.json()["total"] == everything


async def test_json_bodies_are_taken_exactly_as_typed(api: httpx.AsyncClient) -> None:
    # A string is not a number nor 0 a boolean: what the OpenAPI document says is what holds.
    error = assert_error(await api.post("/api/v1/mp/search", json={"q": "低保", "page": "2"}), 422)
    assert "page" in error["fields"]
    found = await api.post("/api/v1/mp/search", json={"q": "低保", "page": 1})
    assert found.status_code == 200


async def test_a_patch_leaves_out_what_is_null(api: httpx.AsyncClient) -> None:
    headers = await sign_in(api, "admin")
    before = (await api.get("/api/v1/admin/accounts/mcjy", headers=headers)).json()["account"]
    response = await api.patch(
        "/api/v1/admin/accounts/mcjy",
        json={"name": None, "appid": None, "department_code": None, "safe_mode": None},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    after = response.json()["account"]
    for key in ("name", "appid", "department_code", "safe_mode"):
        assert after[key] == before[key], key


async def test_a_get_search_is_as_long_as_a_request_line_allows(api: httpx.AsyncClient) -> None:
    longest = "𠀀" * 1000  # four UTF-8 bytes each: 12 bytes percent-encoded
    assert (await api.get("/api/v1/mp/search", params={"q": longest})).status_code == 200
    error = assert_error(await api.get("/api/v1/mp/search", params={"q": "低" * 1001}), 422)
    assert "q" in error["fields"]
    assert (await api.post("/api/v1/mp/search", json={"q": "低" * 1001})).status_code == 200
