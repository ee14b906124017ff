"""`make bench` parts of the catalogue: the mini-program's hottest reads and the search."""

from __future__ import annotations

from functools import partial
from urllib.parse import quote

import httpx

from ops.bench_kit import Bench, NotAvailable, Row, part, status_of

SEARCH_QUERIES = ["低保", "义务教育 入学", "医保", "危房改造", "养老保险", "营业执照", "招生"]


def item_ids(app_url: str, limit: int = 12) -> list[int]:
    """A few catalogue item ids, from the API itself (the first items of several domains)."""
    ids: list[int] = []
    domains = httpx.get(f"{app_url}/api/v1/mp/domains", timeout=10).json().get("items", [])
    for domain in domains:
        page = httpx.get(f"{app_url}/api/v1/mp/domains/{domain['id']}/items", timeout=10)
        if page.status_code == 200:
            ids += [item["id"] for item in page.json().get("items", [])[:2]]
        if len(ids) >= limit:
            break
    return ids


@part("reads")
def reads(bench: Bench) -> None:
    """The domain list and item pages, as the mini-program's home and detail pages read them."""

    def item_paths() -> list[str]:
        if (status := status_of(bench.app_url + "/api/v1/mp/domains")) != 200:
            raise NotAvailable(f"/api/v1/mp/domains answers {status}")
        return [f"/api/v1/mp/items/{i}" for i in item_ids(bench.app_url)]

    bench.run(
        Row("/api/v1/mp/domains (50 conn)", target=">= 40% of bare"),
        lambda: bench.measure_app("domains", ["/api/v1/mp/domains"]),
        judge=bench.vs_bare(0.4),
    )
    bench.run(
        Row("/api/v1/mp/items/{id} (50 conn)", target=">= 40% of bare"),
        lambda: bench.measure_app("items", item_paths()),
        judge=bench.vs_bare(0.4),
    )


@part("search")
def search(bench: Bench) -> None:
    """Full-text search with the answer cache off (the bench sets APP_SEARCH_CACHE_SECONDS=0)."""
    for name, queries in (("search-dibao", ["低保"]), ("search-mixed", SEARCH_QUERIES)):
        label = "低保" if len(queries) == 1 else f"{len(queries)} queries"
        paths = [f"/api/v1/mp/search?q={quote(q)}" for q in queries]
        bench.run(
            Row(f"/api/v1/mp/search {label}, uncached (20 conn)", target="p95 < 30 ms"),
            partial(bench.measure_app, name, paths, connections=20),
            judge=lambda r: r.p95_ms < 30,
        )
