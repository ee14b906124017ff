"""Prometheus metrics: request counts and latency by route and status, at GET /metrics.

Sanic runs several worker processes; each keeps its own counters. prometheus_client's
multiprocess mode has every process write its samples to memory-mapped files in one
directory, and /metrics (answered by any worker) adds them up. See docs/decisions.md.
The directory must be chosen before prometheus_client is imported, hence the order below.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

_BASE = Path("var/prometheus").resolve()
# Set once in the serving process; Sanic's workers inherit the environment, so they share it.
_OWN_DIR = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _OWN_DIR:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_BASE / str(os.getpid()))

from prometheus_client import (  # noqa: E402
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from sanic import Blueprint, DefaultSanic, Request  # noqa: E402
from sanic.response import BaseHTTPResponse, HTTPResponse  # noqa: E402
from sanic_ext import openapi  # noqa: E402

REQUESTS = Counter(
    "govmatrix_http_requests_total",
    "HTTP requests answered, by method, route and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "govmatrix_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def metrics_dir() -> Path:
    return Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])


def _route_label(request: Request) -> str:
    # The route's pattern, never the raw path: ids in paths would explode the label set.
    if request.route is None:
        return "unmatched"
    return request.uri_template or request.route.path or "unmatched"


async def _start_timer(request: Request) -> None:
    request.ctx.metrics_started = time.perf_counter()


async def _observe(request: Request, response: BaseHTTPResponse) -> None:
    started = getattr(request.ctx, "metrics_started", None)
    route = _route_label(request)
    status = str(getattr(response, "status", 0))
    REQUESTS.labels(request.method, route, status).inc()
    if started is not None:
        LATENCY.labels(request.method, route).observe(time.perf_counter() - started)


def _prune_dead_dirs() -> None:
    """Remove sample directories left by serving processes that are gone (crash, kill -9)."""
    if not _BASE.is_dir():
        return
    for entry in _BASE.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            os.kill(int(entry.name), 0)
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)
        except PermissionError:
            pass


class _MetricsBlueprint(Blueprint):
    # Blueprint middleware only sees the blueprint's own routes; request metrics must cover
    # every route of every room, so the middleware is installed on the app at registration.
    def register(self, app: DefaultSanic, options: dict[str, Any]) -> None:
        super().register(app, options)
        app.register_middleware(_start_timer, "request", priority=1000)
        app.register_middleware(_observe, "response", priority=-1000)


bp = _MetricsBlueprint("metrics")


@bp.main_process_start
async def _fresh_dir(app: DefaultSanic) -> None:
    # A new server starts its counters at zero (Prometheus handles counter resets).
    if _OWN_DIR:
        _prune_dead_dirs()
        shutil.rmtree(metrics_dir(), ignore_errors=True)
    metrics_dir().mkdir(parents=True, exist_ok=True)


@bp.before_server_start
async def _ensure_dir(app: DefaultSanic) -> None:
    # `serve --single-process` has no main-process phase: this process owns the directory.
    if _OWN_DIR and metrics_dir().name == str(os.getpid()):
        _prune_dead_dirs()
    metrics_dir().mkdir(parents=True, exist_ok=True)


@bp.main_process_stop
async def _remove_dir(app: DefaultSanic) -> None:
    if _OWN_DIR:
        shutil.rmtree(metrics_dir(), ignore_errors=True)


@bp.after_server_stop
async def _remove_single_process_dir(app: DefaultSanic) -> None:
    # In single-process mode this process named the directory after itself; workers did not.
    if _OWN_DIR and metrics_dir().name == str(os.getpid()):
        shutil.rmtree(metrics_dir(), ignore_errors=True)


@bp.get("/metrics")
@openapi.tag("ops")
@openapi.response(200, {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}, "Prometheus 文本格式")
async def metrics(request: Request) -> HTTPResponse:
    """Prometheus metrics of all worker processes (text exposition format)."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(metrics_dir()))
    return HTTPResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
