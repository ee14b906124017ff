"""Liveness of what the service depends on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal

from pydantic import Field
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi
from tortoise import connections

from gateway.openapi import ResponseModel, returns
from gateway.redis import get_redis

bp = Blueprint("health")


class Health(ResponseModel):
    status: Literal["ok", "degraded"]
    checks: dict[str, str] = Field(description='each dependency: "ok" or "error: <kind>"')


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


@bp.get("/healthz")
@openapi.tag("health")
@returns(Health, description="数据库和 Redis 都正常")
@returns(Health, status=503, description="有依赖不正常")
async def healthz(request: Request) -> HTTPResponse:
    """Whether the database and Redis answer: 200 when both do, 503 otherwise."""
    checks = {
        "database": await _check(lambda: connections.get("default").execute_query("SELECT 1")),
        "redis": await _check(lambda: get_redis().ping()),
    }
    healthy = all(v == "ok" for v in checks.values())
    return json(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status=200 if healthy else 503,
    )
