"""Residents with follows and grants on both sides (ours and WeChat's), for the notify tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from gateway.auth.models import Resident
from gateway.config import get_settings
from gateway.jobs import run_due
from mini_program.catalogue import service as catalogue
from mini_program.notify import service
from mini_program.notify.models import Follow
from mini_program.notify.purposes import get_purpose

NOTIFY_KINDS = ["notify.fan_out", "notify.send"]


def tag() -> str:
    return uuid.uuid4().hex[:10]


async def make_residents(count: int) -> list[Resident]:
    """Residents as their first mini-program login would create them."""
    prefix = "oNt" + tag()
    await Resident.bulk_create([Resident(openid=f"{prefix}{i:05d}") for i in range(count)])
    return list(await Resident.filter(openid__startswith=prefix).order_by("id"))


async def domain_ids(count: int = 2) -> list[int]:
    """Domains whose only followers will be the calling test's residents: the suite shares one
    database, and residents other tests (or other domains' demos) made may follow them."""
    ids = [int(d["id"]) for d in await catalogue.list_domains()][:count]
    await Follow.filter(domain_id__in=ids).delete()
    return ids


async def allow(
    sandbox: httpx.AsyncClient,
    residents: list[Resident],
    purpose: str = "article_published",
    *,
    ours: bool = True,
    wechat: int = 1,
) -> None:
    """The residents tap "allow": WeChat records the grant and the app reports it to us."""
    template_id = get_purpose(purpose).template_id
    if wechat:
        response = await sandbox.post(
            "/sandbox/subscribe-grants",
            json={
                "appid": get_settings().mp_appid,
                "template_id": template_id,
                "openids": [r.openid for r in residents],
                "count": wechat,
            },
        )
        assert response.status_code == 200, response.text
    if ours:
        for r in residents:
            await service.record_grants(resident_id=r.id, answers={template_id: "accept"})


async def follow(residents: list[Resident], ids: list[int]) -> None:
    for r in residents:
        await service.set_follows(resident_id=r.id, domain_ids=ids)


def prefix_of(residents: list[Resident]) -> str:
    return residents[0].openid[:13]


async def received(
    sandbox: httpx.AsyncClient,
    residents: list[Resident],
    purpose: str = "article_published",
    *,
    openid: str | None = None,
) -> dict[str, Any]:
    """What WeChat delivered to these residents (made by one make_residents call)."""
    params = {
        "appid": get_settings().mp_appid,
        "template_id": get_purpose(purpose).template_id,
        "prefix": prefix_of(residents),
    }
    if openid:
        params["openid"] = openid
    response = await sandbox.get("/sandbox/subscribe-sent", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def run_notify_jobs() -> int:
    return await run_due(1000, kinds=NOTIFY_KINDS)
