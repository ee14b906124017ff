"""`make bench` figure for pushes: from a delivery's due time to `freepublish/submit` reaching
the sandbox, with 200 deliveries due in the same minute.

    python -m ops.bench --only push          (inside the bench stack: app, sandbox, demo county)

Everything goes through the product as an editor would: accounts registered through the admin
API, an article with a cover approved by three reviewers, plans of deliveries due at one
moment, `govmatrix worker` processes doing the work. The times come from the sandbox's own
call record (when each submit arrived), so nothing of the product measures itself. The floor
is the sandbox taking the same 200 submits straight from a client in the same run.
"""

from __future__ import annotations

import asyncio
import io
import os
import secrets
import statistics
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from ops.bench_kit import Bench, part

DELIVERIES = 200
WORKERS = 2
CONCURRENCY = 16
DEMO_PASSWORD = "Mengcheng@2026"
PER_PLAN = 25
SUBMIT = "/cgi-bin/freepublish/submit"


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _cover() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (900, 383), (179, 38, 30)).save(out, format="JPEG", quality=80)
    return out.getvalue()


async def _sign_in(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    answer = await client.post(
        "/api/v1/admin/session", json={"username": username, "password": DEMO_PASSWORD}
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def _accounts(client: httpx.AsyncClient, admin: dict[str, str], n: int) -> list[str]:
    """n service accounts of the bench's own (one delivery each: its submit is identifiable)."""
    codes = []
    for i in range(n):
        code = f"bp{i:03d}{secrets.token_hex(2)}"
        made = await client.post(
            "/api/v1/admin/accounts",
            headers=admin,
            json={
                "code": code,
                "department_code": "zfb",
                "platform": "wechat_service",
                "name": f"压测账号{i:03d}",
                "appid": "wx" + secrets.token_hex(8),
                "secret": secrets.token_hex(16),
            },
        )
        made.raise_for_status()
        codes.append(code)
    return codes


async def _approved_article(client: httpx.AsyncClient) -> int:
    editor = await _sign_in(client, "editor")
    cover = await client.post(
        "/api/v1/admin/article-images", headers=editor, files={"file": ("c.jpg", _cover())}
    )
    cover.raise_for_status()
    article = await client.post(
        "/api/v1/admin/articles",
        headers=editor,
        json={
            "title": "压测：政策解读",
            "author": "县政府办",
            "content": "<p>" + "蒙城县政务公开标准目录解读。" * 200 + "</p>",
            "cover_media_id": cover.json()["media_id"],
        },
    )
    article.raise_for_status()
    article_id = int(article.json()["article"]["id"])
    (
        await client.post(f"/api/v1/admin/articles/{article_id}/submit", headers=editor, json={})
    ).raise_for_status()
    for reviewer in ("reviewer", "reviewer2", "reviewer3"):
        signed = await client.post(
            f"/api/v1/admin/articles/{article_id}/review",
            headers=await _sign_in(client, reviewer),
            json={"decision": "approve", "comment": "同意"},
        )
        signed.raise_for_status()
    return article_id


async def _plan(
    client: httpx.AsyncClient, article_id: int, codes: list[str], due: datetime
) -> None:
    editor = await _sign_in(client, "editor")
    for start in range(0, len(codes), PER_PLAN):
        batch = codes[start : start + PER_PLAN]
        made = await client.post(
            "/api/v1/admin/pushes",
            headers=editor,
            json={
                "article_id": article_id,
                "deliveries": [{"account": c, "at": due.isoformat()} for c in batch],
            },
        )
        if made.status_code != 201:
            raise RuntimeError(f"plan refused: {made.text[:300]}")


async def _appids(client: httpx.AsyncClient, admin: dict[str, str], codes: list[str]) -> set[str]:
    listed = await client.get("/api/v1/admin/accounts", headers=admin)
    wanted = set(codes)
    return {a["appid"] for a in listed.json()["accounts"] if a["code"] in wanted}


async def _floor(sandbox_url: str, appids: list[str]) -> list[float]:
    """The sandbox alone: 200 submits fired at once by a bare client (tokens fetched first)."""
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=60) as client:
        apps = []
        for appid in appids:
            secret = secrets.token_hex(16)
            await client.post(
                "/sandbox/apps",
                json={"appid": appid, "secret": secret, "kind": "service", "name": "floor"},
            )
            token = await client.get(
                "/cgi-bin/token",
                params={"grant_type": "client_credential", "appid": appid, "secret": secret},
            )
            apps.append(token.json()["access_token"])
        # A material and a draft per app, so that submit does its real work.
        files = {"media": ("c.jpg", _cover(), "image/jpeg")}
        drafts = []
        for token in apps:
            material = await client.post(
                "/cgi-bin/material/add_material", params={"access_token": token, "type": "image"},
                files=files,
            )  # fmt: skip
            draft = await client.post(
                "/cgi-bin/draft/add",
                params={"access_token": token},
                json={"articles": [{"title": "floor", "content": "<p>x</p>",
                                    "thumb_media_id": material.json()["media_id"]}]},
            )  # fmt: skip
            drafts.append(draft.json()["media_id"])
        start = time.monotonic()

        async def one(token: str, media_id: str) -> float:
            await client.post(SUBMIT, params={"access_token": token}, json={"media_id": media_id})
            return time.monotonic() - start

        return list(await asyncio.gather(*[one(t, m) for t, m in zip(apps, drafts, strict=True)]))


def _workers(env: dict[str, str], govmatrix: str, log_dir: Path) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [govmatrix, "worker", "--concurrency", str(CONCURRENCY), "--poll-interval", "0.2"],
            env=env,
            stdout=(log_dir / f"push-worker-{n}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for n in range(WORKERS)
    ]


async def _measure(
    env: dict[str, str], govmatrix: str, sandbox_url: str, app_url: str, log_dir: Path
) -> list[tuple[str, str]]:
    async with httpx.AsyncClient(base_url=app_url, timeout=120) as client:
        admin = await _sign_in(client, "admin")
        codes = await _accounts(client, admin, DELIVERIES)
        article_id = await _approved_article(client)
        appids = await _appids(client, admin, codes)
        # Due at the start of a minute far enough ahead for the materials and drafts to be
        # prepared before it (the product does that `stage_lead_seconds` ahead).
        due = (datetime.now(UTC) + timedelta(seconds=150)).replace(second=0, microsecond=0)
        due += timedelta(minutes=1)
        workers = _workers(env, govmatrix, log_dir)
        try:
            await _plan(client, article_id, codes, due)
            print(f"    200 deliveries due at {due.isoformat()}, {WORKERS} workers × {CONCURRENCY}")
            while datetime.now(UTC) < due + timedelta(seconds=60):
                await asyncio.sleep(2)
                calls = await _calls(sandbox_url)
                if len([c for c in calls if c["appid"] in appids]) >= DELIVERIES:
                    break
        finally:
            for proc in workers:
                proc.terminate()
            for proc in workers:
                proc.wait(30)
        calls = [c for c in await _calls(sandbox_url) if c["appid"] in appids]
    delays = [c["at"] - due.timestamp() for c in calls]
    floor = await _floor(sandbox_url, ["wx" + secrets.token_hex(8) for _ in range(DELIVERIES)])
    out = [
        (
            "push: due time → freepublish/submit at the sandbox, 200 due at once (goal p99 < 5 s)",
            f"p50 {_quantile(delays, 0.5):.2f} s, p99 {_quantile(delays, 0.99):.2f} s, "
            f"max {max(delays):.2f} s, {len(delays)}/{DELIVERIES} submitted"
            if delays
            else "no submit reached the sandbox",
        ),
        (
            "push: the sandbox alone taking 200 submits at once (floor)",
            f"p50 {statistics.median(floor):.2f} s, p99 {_quantile(floor, 0.99):.2f} s",
        ),
    ]
    if delays and floor:
        out.append(
            (
                "push: p99 against the floor's p99",
                f"{_quantile(delays, 0.99) / max(_quantile(floor, 0.99), 1e-3):.1f}×",
            )
        )
    return out


async def _calls(sandbox_url: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=60) as client:
        answer = await client.get("/sandbox/calls", params={"path": SUBMIT})
    return [c for c in answer.json()["calls"] if c["errcode"] == 0]


@part("push")
def push(bench: Bench) -> None:
    """Due time to freepublish/submit with 200 deliveries due in the same minute."""
    print("==> pushes: 200 deliveries due in the same minute")
    env = {
        **bench.stack.env,
        "APP_PUSH_STAGE_LEAD_SECONDS": os.environ.get("APP_PUSH_STAGE_LEAD_SECONDS", "600"),
    }
    try:
        rows = asyncio.run(
            _measure(env, bench.stack.govmatrix, bench.sandbox_url, bench.app_url, bench.dir)
        )
    # A broken part must not hide the bench's other figures.
    except Exception as exc:  # noqa: BLE001
        rows = [("push", f"failed: {str(exc)[:100]}")]
    for label, value in rows:
        bench.note(label, value)
