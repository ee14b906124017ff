"""Helpers shared by the loudspeaker tests: scripts made through the API, jobs run inline."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from gateway.clock import local_date, now
from tests.gateway.staff_helpers import sign_in

ADMIN_API = "/api/v1/admin/broadcasts"
VILLAGE_API = "/api/v1/village/broadcasts"


def today() -> date:
    return local_date(now())


def unique_title(prefix: str = "测试广播") -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


async def create_script(
    api: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    """A draft made through the API (defaults: one short sentence, the demo village's town)."""
    body: dict[str, Any] = {
        "title": unique_title(),
        "text": f"各位村民请注意，{uuid.uuid4().hex[:4]}号通知：明天上午八点在村委会发放补贴。",
        "targets": {"towns": ["banqiaoji"]},
        "valid_from": (today() - timedelta(days=1)).isoformat(),
        "valid_until": (today() + timedelta(days=5)).isoformat(),
        **fields,
    }
    response = await api.post(ADMIN_API, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["script"]


async def approve(api: httpx.AsyncClient, script_id: int) -> dict[str, Any]:
    """Through the real review: the editor submits, the reviewer and the admin sign."""
    editor = await sign_in(api, "editor")
    submitted = await api.post(f"{ADMIN_API}/{script_id}/submit", headers=editor)
    assert submitted.status_code == 201, submitted.text
    for username in ("reviewer", "admin"):
        signer = await sign_in(api, username)
        signed = await api.post(
            f"{ADMIN_API}/{script_id}/review", json={"decision": "approve"}, headers=signer
        )
        assert signed.status_code == 200, signed.text
    shown = await api.get(f"{ADMIN_API}/{script_id}", headers=editor)
    script: dict[str, Any] = shown.json()["script"]
    assert script["state"] == "approved", script
    return script


async def run_synthesis() -> int:
    """Run the due synthesis jobs inline, as a worker would (and nothing else)."""
    from gateway.jobs import run_due

    return await run_due(limit=50, kinds=["broadcast.synthesise"])
