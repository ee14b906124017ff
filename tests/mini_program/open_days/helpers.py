"""Helpers for the open-day tests: events made through the API, residents with sessions."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx

from gateway.auth import resident as sessions
from gateway.auth.models import Resident
from gateway.clock import SHANGHAI, now

ADMIN = "/api/v1/admin/open-days"
MP = "/api/v1/mp/open-days"


def at(days: float, hour: int = 9) -> str:
    """A time `days` from now at `hour` o'clock, county time, as the API takes it."""
    moment = (now().astimezone(SHANGHAI) + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    return moment.isoformat()


def event_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "走进县民政局开放日",
        "department": "mzj",
        "starts_at": at(7),
        "place": "县民政局一楼大厅",
        "capacity": 20,
        "registration_opens": at(-2),
        "registration_closes": at(6),
        "description": "了解低保、特困供养等社会救助政策。",
    }
    body.update(overrides)
    return body


async def make_event(
    api: httpx.AsyncClient, headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    response = await api.post(f"{ADMIN}", headers=headers, json=event_body(**overrides))
    assert response.status_code == 201, response.text
    event: dict[str, Any] = response.json()["open_day"]
    return event


async def residents(count: int) -> list[dict[str, str]]:
    """`count` residents, each with a live mini-program session (Authorization headers).

    Sessions are issued the way login issues them (gateway.auth.resident); logging in 500
    residents through WeChat's code exchange would test the sandbox, not registration.
    """
    out = []
    for _ in range(count):
        resident = await Resident.create(openid=f"o_od_{uuid.uuid4().hex[:20]}")
        token, _ = await sessions.issue_session(resident.id, openid=resident.openid)
        out.append({"Authorization": f"Bearer {token}"})
    return out


def person(n: int = 0, companions: int = 0) -> dict[str, Any]:
    return {"name": f"居民{n}", "phone": f"1390558{n:04d}", "companions": companions}


def local(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(SHANGHAI)
