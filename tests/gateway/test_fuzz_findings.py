"""What fuzzing the OpenAPI document found (make fuzz), each kept fixed by a test."""

from __future__ import annotations

import httpx

from tests.conftest import assert_error


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
