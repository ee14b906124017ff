"""Liveness of what the service depends on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from tortoise import connections

from gateway.redis import get_redis

bp = Blueprint("health")

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
