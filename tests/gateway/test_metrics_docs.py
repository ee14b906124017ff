"""Operations endpoints: Prometheus metrics and the OpenAPI description."""

from __future__ import annotations

import re

import httpx
import pytest


async def test_metrics_count_requests_by_route_and_status(api):
    await api.get("/healthz")
    await api.get("/api/v1/admin/users/12345")  # 401, counted under its route pattern
    await api.get("/no/such/page")
    text = (await api.get("/metrics")).text
    assert "# TYPE govmatrix_http_requests_total counter" in text
    assert re.search(
        r'govmatrix_http_requests_total\{method="GET",route="/healthz",status="200"\} \d', text
    )
    assert 'route="/api/v1/admin/users/<staff_id:int>",status="401"' in text
    assert 'route="unmatched",status="404"' in text
    # Raw paths never become labels (a histogram's sum may well contain those digits).
    labels = re.findall(r'(\w+)="([^"]*)"', text)
    assert not [v for _name, v in labels if "12345" in v or "no/such" in v]
    assert (
        'govmatrix_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/healthz"}'
        in text
    )


async def test_openapi_lists_the_staff_endpoints_with_summaries(api):
    response = await api.get("/docs/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path, method in (
        ("/api/v1/admin/session", "post"),
        ("/api/v1/admin/session", "delete"),
        ("/api/v1/admin/me", "get"),
        ("/api/v1/admin/users", "get"),
        ("/api/v1/admin/users", "post"),
        ("/api/v1/admin/users/{staff_id}", "patch"),
        ("/api/v1/admin/audit", "get"),
        ("/healthz", "get"),
        ("/metrics", "get"),
    ):
        operation = paths[path][method]
        assert operation.get("summary"), (path, method)
    body = paths["/api/v1/admin/session"]["post"]["requestBody"]["content"]["application/json"]
    assert "username" in str(body)


async def test_docs_page_renders(api):
    response = await api.get("/docs")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "swagger" in response.text.lower()


async def test_openapi_describes_every_api_endpoint_with_a_written_summary(api):
    spec = (await api.get("/docs/openapi.json")).json()
    assert "蒙城" in spec["info"]["title"]
    paths = spec["paths"]
    documented = {(path, method) for path, ops in paths.items() for method in ops}
    for path, method in (
        ("/api/v1/mp/login", "post"),
        ("/api/v1/mp/me", "get"),
        ("/api/v1/mp/session", "delete"),
        ("/api/v1/mp/domains", "get"),
        ("/api/v1/mp/domains/{domain_id}/items", "get"),
        ("/api/v1/mp/items/{item_id}", "get"),
        ("/api/v1/mp/documents", "get"),
        ("/api/v1/mp/documents/{document_id}", "get"),
        ("/api/v1/mp/search", "get"),
        ("/api/v1/mp/search", "post"),
    ):
        assert (path, method) in documented, (path, method)
    # Console pages are HTML for people, not part of the API a client is generated from.
    assert not [path for path in paths if path.startswith("/console")]
    mine = ("/api/v1/mp/", "/healthz", "/metrics", "/api/v1/admin/", "/console")
    for path, ops in paths.items():
        if not path.startswith(mine) or path.startswith(("/api/v1/admin/accounts",
                                                         "/api/v1/admin/inbox",
                                                         "/api/v1/admin/jobs")):  # fmt: skip
            continue
        for method, operation in ops.items():
            handler = operation["operationId"].rsplit(".", 1)[-1]
            # Without a docstring sanic-ext shows the handler's name ("Search View"): empty words.
            assert operation.get("summary") not in (None, "", handler.replace("_", " ").title()), (
                path,
                method,
            )
    search = {p["name"] for p in paths["/api/v1/mp/search"]["get"]["parameters"]}
    assert {"q", "domain", "page", "page_size"} <= search
    login = paths["/api/v1/mp/login"]["post"]["requestBody"]["content"]["application/json"]
    assert "code" in str(login)


async def test_every_json_operation_declares_its_answer_and_the_error_shape(api):
    spec = (await api.get("/docs/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]["error"]["properties"]) >= {"code", "message", "fields"}
    checked = 0
    for path, ops in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in ops.items():
            responses = operation["responses"]
            success = [status for status in responses if status.startswith("2")]
            assert success, (method, path)
            for status in success:
                if status != "204":
                    schema = responses[status]["content"]["application/json"]["schema"]
                    assert schema.get("properties"), (method, path, status)
            default = responses["default"]["content"]["application/json"]["schema"]
            assert default == {"$ref": "#/components/schemas/Error"}, (method, path)
            checked += 1
    assert checked >= 31


def test_an_answer_that_breaks_the_document_fails_the_test_that_got_it(openapi_check):
    def answer(method: str, path: str, status: int, body: object) -> httpx.Response:
        return httpx.Response(status, json=body, request=httpx.Request(method, "http://app" + path))

    good = answer("GET", "/api/v1/mp/domains", 200, {"items": []})
    openapi_check.check(good)
    error = {"error": {"code": "not_found", "message": "未找到", "fields": {}}}
    openapi_check.check(answer("GET", "/api/v1/mp/items/7", 404, error))
    openapi_check.check(answer("GET", "/nowhere", 404, error))
    for method, path, status, body in (
        ("GET", "/api/v1/mp/domains", 200, {"items": [{"id": "1"}]}),
        ("GET", "/api/v1/mp/domains", 200, {"items": [], "extra": 1}),
        ("GET", "/api/v1/mp/items/7", 404, {"detail": "not found"}),
        ("GET", "/api/v1/mp/items/7", 201, {}),
        ("GET", "/nowhere", 200, {"ok": True}),
    ):
        with pytest.raises(AssertionError):
            openapi_check.check(answer(method, path, status, body))
