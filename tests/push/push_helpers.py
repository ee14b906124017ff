"""Helpers of the push tests: fresh accounts in the registry and the sandbox, articles taken
through the three review levels over the API, and running deliveries as workers do."""

from __future__ import annotations

import asyncio
import io
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
from PIL import Image

from gateway.clock import SHANGHAI
from gateway.clock import now as clock_now
from tests.gateway.staff_helpers import sign_in

EDITOR, REVIEWERS = "editor", ("reviewer", "reviewer2", "reviewer3")


async def new_account(kind: str = "subscription", *, active: bool = True) -> str:
    """A WeChat account of its own (registry and sandbox), so quotas never collide."""
    from matrix.schemas import AccountCreate, AccountUpdate
    from matrix.service import Actor, create_account, update_account

    code = f"t{uuid.uuid4().hex[:10]}"
    await create_account(
        data=AccountCreate(
            code=code,
            department_code="jyj",
            platform="wechat_subscription" if kind == "subscription" else "wechat_service",
            name=f"测试{code[-4:]}",
            appid="wx" + secrets.token_hex(8),
            secret=secrets.token_hex(16),
        ),
        actor=Actor.cli(),
    )
    if not active:
        await update_account(code=code, data=AccountUpdate(is_active=False), actor=Actor.cli())
    return code


async def appid_of(code: str) -> str:
    from matrix.service import get_credentials

    return (await get_credentials(code=code)).appid


def jpeg(size: tuple[int, int] = (300, 200), colour: str = "navy") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG", quality=80)
    return out.getvalue()


class Staff:
    """Bearer headers of the demo staff, signed in once per test."""

    def __init__(self, api: httpx.AsyncClient) -> None:
        self.api = api
        self._headers: dict[str, dict[str, str]] = {}

    async def __call__(self, username: str) -> dict[str, str]:
        if username not in self._headers:
            self._headers[username] = await sign_in(self.api, username)
        return self._headers[username]


async def upload_image(api: httpx.AsyncClient, headers: dict[str, str], data: bytes) -> dict:
    response = await api.post(
        "/api/v1/admin/article-images", headers=headers, files={"file": ("a.jpg", data)}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def create_article(api: httpx.AsyncClient, staff: Staff, **fields: Any) -> dict[str, Any]:
    body = {
        "title": f"政策解读{uuid.uuid4().hex[:6]}",
        "author": "县教育局",
        "digest": "摘要",
        "content": "<p>蒙城县2026年义务教育招生入学政策解读。</p>",
        **fields,
    }
    response = await api.post("/api/v1/admin/articles", headers=await staff(EDITOR), json=body)
    assert response.status_code == 201, response.text
    return response.json()["article"]


async def approve(api: httpx.AsyncClient, staff: Staff, article_id: int) -> dict[str, Any]:
    """Submit as the editor, then sign 初审, 复审 and 终审 as three different reviewers."""
    submitted = await api.post(
        f"/api/v1/admin/articles/{article_id}/submit", headers=await staff(EDITOR), json={}
    )
    assert submitted.status_code == 201, submitted.text
    review: dict[str, Any] = {}
    for reviewer in REVIEWERS:
        signed = await api.post(
            f"/api/v1/admin/articles/{article_id}/review",
            headers=await staff(reviewer),
            json={"decision": "approve", "comment": "同意"},
        )
        assert signed.status_code == 200, signed.text
        review = signed.json()["review"]
    assert review["status"] == "approved"
    return review


async def approved_article(api: httpx.AsyncClient, staff: Staff, **fields: Any) -> dict:
    article = await create_article(api, staff, **fields)
    await approve(api, staff, article["id"])
    return article


def at(seconds: float = 0) -> str:
    """A time `seconds` from now, spelled as the API takes it (Shanghai, with offset)."""
    return (clock_now() + timedelta(seconds=seconds)).astimezone(SHANGHAI).isoformat()


def day_at(day: datetime, hour: int, minute: int = 0) -> str:
    return day.astimezone(SHANGHAI).replace(hour=hour, minute=minute, second=0).isoformat()


async def plan(
    api: httpx.AsyncClient, staff: Staff, article_id: int, deliveries: list[dict], **extra: Any
) -> httpx.Response:
    return await api.post(
        "/api/v1/admin/pushes",
        headers=await staff(EDITOR),
        json={"article_id": article_id, "deliveries": deliveries, **extra},
    )


async def run_jobs(*, ahead: float = 0.0, rounds: int = 1) -> int:
    """Run the push jobs that are due (`ahead` seconds into the future), as a worker would."""
    from gateway.jobs import run_due

    ran = 0
    for _ in range(rounds):
        ran += await run_due(
            limit=500,
            now=clock_now() + timedelta(seconds=ahead),
            kinds=["push.deliver", "push.discard_draft"],
        )
    return ran


async def settle(
    api: httpx.AsyncClient,
    staff: Staff,
    plan_id: int,
    *,
    within: float = 60.0,
    step: float = 0.3,
    ahead: float = 0.0,
) -> dict[str, Any]:
    """Run due jobs, as a worker would, until every delivery of a plan is closed."""
    deadline = time.monotonic() + within
    while True:
        current = await get_plan(api, staff, plan_id)
        if all(d["status"] in ("published", "failed", "cancelled") for d in current["deliveries"]):
            return current
        if time.monotonic() > deadline:
            raise AssertionError(f"deliveries still open: {current['deliveries']}")
        await run_jobs(ahead=ahead)
        await asyncio.sleep(step)


async def get_plan(api: httpx.AsyncClient, staff: Staff, plan_id: int) -> dict[str, Any]:
    response = await api.get(f"/api/v1/admin/pushes/{plan_id}", headers=await staff(EDITOR))
    assert response.status_code == 200, response.text
    return response.json()["plan"]


async def sandbox_record(sandbox: httpx.AsyncClient, appid: str) -> dict[str, list[dict]]:
    response = await sandbox.get("/sandbox/publishes", params={"appid": appid})
    assert response.status_code == 200
    return response.json()


async def plan_now(
    api: httpx.AsyncClient, staff: Staff, article_id: int, account: str, mode: str = "publish"
) -> int:
    """One delivery due now; the plan's id."""
    created = await plan(api, staff, article_id, [{"account": account, "at": at(), "mode": mode}])
    assert created.status_code == 201, created.text
    return int(created.json()["plan"]["id"])


@asynccontextmanager
async def sandbox_fault(
    sandbox: httpx.AsyncClient, appid: str, **fault: Any
) -> AsyncIterator[None]:
    """A fault of the sandbox for one app (POST /sandbox/faults), removed afterwards."""
    added = await sandbox.post("/sandbox/faults", json={"appid": appid, **fault})
    assert added.status_code == 201, added.text
    try:
        yield
    finally:
        await sandbox.delete("/sandbox/faults", params={"appid": appid})
