"""Domains people read most come first; counting costs no database write per request."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from mini_program.catalogue import service, stats
from mini_program.catalogue.models import Domain, DomainViewDaily

MP = "/api/v1/mp"
pytestmark = pytest.mark.dates


async def test_a_burst_of_views_moves_a_domain_to_the_top(api: httpx.AsyncClient) -> None:
    domains = (await api.get(f"{MP}/domains")).json()["items"]
    last = domains[-1]
    items = (await api.get(f"{MP}/domains/{last['id']}/items")).json()["items"]
    needed = domains[0]["views_30d"] - last["views_30d"] + 20
    for n in range(needed):
        resp = await api.get(f"{MP}/items/{items[n % len(items)]['id']}")
        assert resp.status_code == 200
    for _ in range(100):
        top = (await api.get(f"{MP}/domains")).json()["items"][0]
        if top["id"] == last["id"]:
            break
        await asyncio.sleep(0.2)
    assert top["id"] == last["id"], top
    assert top["views_30d"] >= needed


async def test_view_counts_survive_losing_redis(db: None) -> None:
    domain = await Domain.get(code="ggty")
    before = (await stats.views_last_30_days()).get(domain.id, 0)
    stats.record_view([domain.id] * 7)
    assert await stats.flush_buffer() == 7
    assert (await stats.views_last_30_days())[domain.id] == before + 7
    assert await stats.flush_view_counts() >= 7
    row = await DomainViewDaily.get(domain_id=domain.id, day=stats.today())
    assert row.count >= 7
    # Redis loses everything: the ranking still has the persisted counts.
    from gateway.redis import get_redis

    await get_redis().flushdb()
    assert (await stats.views_last_30_days())[domain.id] >= 7
    # A second flush with nothing pending persists nothing twice.
    assert await stats.flush_view_counts() == 0


async def test_views_older_than_30_days_do_not_count(db: None) -> None:
    domain = await Domain.get(code="nyscfw")
    before = (await stats.views_last_30_days()).get(domain.id, 0)
    await DomainViewDaily.create(
        domain_id=domain.id, day=stats.today() - timedelta(days=31), count=100000
    )
    assert (await stats.views_last_30_days()).get(domain.id, 0) == before
    listed = {d["id"]: d for d in await service.list_domains()}
    assert listed[domain.id]["views_30d"] == before


async def test_flushing_views_is_a_registered_periodic_job(db: None) -> None:
    from gateway.jobs import discover
    from gateway.jobs.core import periodic_kinds

    discover()
    assert periodic_kinds()["catalogue.flush_views"] == 60
