"""One paging rule for every list: page 1–10000, per_page 1–100, one answer shape."""

from __future__ import annotations

import httpx

from tests.conftest import assert_error
from tests.gateway.staff_helpers import sign_in

LISTS = (
    "/api/v1/admin/users",
    "/api/v1/admin/audit",
    "/api/v1/admin/jobs",
    "/api/v1/admin/inbox",
)


async def test_every_list_refuses_pages_out_of_range_with_a_field_error(api: httpx.AsyncClient):
    admin = await sign_in(api, "admin")
    for path in LISTS:
        for params, field in (
            ({"per_page": 101}, "per_page"),
            ({"per_page": 0}, "per_page"),
            ({"page": 10_001}, "page"),
            ({"page": 0}, "page"),
            ({"page": "x"}, "page"),
        ):
            error = assert_error(await api.get(path, params=params, headers=admin), 422)
            assert set(error["fields"]) == {field}, (path, params, error)


async def test_every_list_answers_the_same_shape_with_the_same_defaults(api: httpx.AsyncClient):
    admin = await sign_in(api, "admin")
    for path in LISTS:
        body = (await api.get(path, headers=admin)).json()
        assert {"items", "total", "page", "per_page"} <= set(body), (path, body)
        assert (body["page"], body["per_page"]) == (1, 20), path
        assert len(body["items"]) <= 20
        edge = await api.get(path, params={"page": 10_000, "per_page": 100}, headers=admin)
        assert edge.status_code == 200, (path, edge.text)
        assert edge.json()["items"] == []
        assert edge.json()["page"] == 10_000


async def test_pages_do_not_overlap_and_cover_the_list(api: httpx.AsyncClient):
    admin = await sign_in(api, "admin")
    for path in LISTS:
        first = (await api.get(path, params={"per_page": 2}, headers=admin)).json()
        second = (await api.get(path, params={"per_page": 2, "page": 2}, headers=admin)).json()
        ids = [item["id"] for item in first["items"] + second["items"]]
        assert len(ids) == len(set(ids)) == min(4, first["total"]), path


async def test_the_inbox_still_says_how_many_pages_and_jobs_their_counts(api: httpx.AsyncClient):
    admin = await sign_in(api, "admin")
    inbox = (await api.get("/api/v1/admin/inbox", params={"per_page": 1}, headers=admin)).json()
    assert inbox["pages"] == max(1, inbox["total"])
    jobs = (await api.get("/api/v1/admin/jobs", headers=admin)).json()
    assert set(jobs["counts"]) == {"queued", "running", "succeeded", "failed", "dead"}
