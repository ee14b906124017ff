"""Liveness of what the service depends on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from pydantic import Field
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi
from tortoise import connections

from gateway.openapi import ResponseModel, returns
from gateway.redis import get_redis
from gateway.supervisor import worker_health

bp = Blueprint("health")


class Workers(ResponseModel):
    serving: int = Field(description="HTTP workers answering requests")
    expected: int = Field(description="HTTP workers started")
    restarts: int = Field(description="worker processes replaced since start")
    job_worker: Literal["running", "down"] | None = Field(
        None, description="the development job worker `serve` runs, when it runs one"
    )


class Health(ResponseModel):
    status: Literal["ok", "degraded"]
    checks: dict[str, str] = Field(
        description='each dependency: "ok" or "error: <kind>"; workers: "ok" or "degraded: …"'
    )
    workers: Workers | None = Field(None, description="under the process manager only")


# A load balancer's probe gives up after a few seconds: a dependency that hangs (a stopped
# Redis, a locked database) must show as degraded well before that, not as a timeout.
CHECK_TIMEOUT = 2.0


async def _check(probe: Callable[[], Awaitable[object]]) -> str:
    try:
        await asyncio.wait_for(probe(), CHECK_TIMEOUT)
    except TimeoutError:
        return "error: TimeoutError"
    # Any failure means unhealthy; report it rather than raise.
    except Exception as exc:  # noqa: BLE001
        return f"error: {type(exc).__name__}"
    return "ok"


def _workers_check(workers: dict[str, Any]) -> str:
    problems = []
    if workers["serving"] < workers["expected"]:
        problems.append(f"{workers['serving']} of {workers['expected']} serving")
    if workers.get("job_worker") == "down":
        problems.append("job worker down")
    return "degraded: " + "; ".join(problems) if problems else "ok"


@bp.get("/healthz")
@openapi.tag("health")
@returns(Health, description="数据库和 Redis 都正常")
@returns(Health, status=503, description="有依赖不正常")
async def healthz(request: Request) -> HTTPResponse:
    """Whether the database and Redis answer (503 when one does not), and under the process
    manager how many HTTP workers serve out of those started (`workers`): while one is being
    replaced the status is "degraded" but the answer stays 200, since this worker serves."""
    checks = {
        "database": await _check(lambda: connections.get("default").execute_query("SELECT 1")),
        "redis": await _check(lambda: get_redis().ping()),
    }
    dependencies_ok = all(v == "ok" for v in checks.values())
    body: dict[str, Any] = {"checks": checks}
    workers = await asyncio.to_thread(worker_health, request.app)
    healthy = dependencies_ok
    if workers is not None:
        body["workers"] = workers
        checks["workers"] = _workers_check(workers)
        healthy = healthy and checks["workers"] == "ok"
    body["status"] = "ok" if healthy else "degraded"
    return json(body, status=200 if dependencies_ok else 503)
