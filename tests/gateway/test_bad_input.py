"""Hostile or broken requests get the one error shape, never a 500."""

from __future__ import annotations

import httpx

from tests.conftest import assert_error
from tests.gateway.staff_helpers import sign_in


async def test_deeply_nested_json_is_a_malformed_body_not_a_crash(api: httpx.AsyncClient) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    for path in ("/api/v1/mp/login", "/api/v1/admin/session", "/api/v1/mp/search"):
        error = assert_error(await api.post(path, content=body), 400, "malformed_json")
        assert "嵌套" in error["message"]
    nested_object = b'{"code":' * 50_000 + b"1" + b"}" * 50_000
    assert_error(await api.post("/api/v1/mp/login", content=nested_object), 400, "malformed_json")


async def test_ids_beyond_64_bits_answer_404_on_every_id_route(api: httpx.AsyncClient) -> None:
    headers = await sign_in(api, "admin")
    huge = "99999999999999999999"
    for path in (
        f"/api/v1/admin/users/{huge}",
        "/api/v1/admin/users/9223372036854775808",
        f"/api/v1/admin/jobs/{huge}",
        f"/api/v1/admin/inbox/{huge}",
        f"/api/v1/mp/items/{huge}",
        f"/api/v1/mp/documents/{huge}",
        f"/api/v1/mp/domains/{huge}/items",
    ):
        assert_error(await api.get(path, headers=headers), 404, "not_found")
    patched = await api.patch(
        f"/api/v1/admin/users/{huge}", json={"role": "editor"}, headers=headers
    )
    assert_error(patched, 404)
    retried = await api.post(f"/api/v1/admin/jobs/{huge}/retry", headers=headers)
    assert_error(retried, 404)


async def test_ids_within_64_bits_still_reach_their_handlers(api: httpx.AsyncClient) -> None:
    headers = await sign_in(api, "admin")
    error = assert_error(await api.get("/api/v1/admin/users/3000000000", headers=headers), 404)
    assert error["message"] == "没有这个工作人员"
    assert_error(await api.get("/api/v1/mp/items/3000000000"), 404, "item_not_found")


async def test_oversized_headers_answer_413_in_the_error_shape(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/mp/domains", headers={"X-Filler": "a" * 20_000})
    error = assert_error(response, 413, "payload_too_large")
    assert error["message"] == "请求内容过大"


async def test_wrong_method_answers_405_in_the_error_shape(api: httpx.AsyncClient) -> None:
    for method, path in (
        ("GET", "/api/v1/mp/login"),
        ("POST", "/api/v1/mp/domains"),
        ("DELETE", "/api/v1/mp/items/1"),
        ("PUT", "/api/v1/admin/session"),
        ("POST", "/healthz"),
    ):
        response = await api.request(method, path)
        assert_error(response, 405, "method_not_allowed")
