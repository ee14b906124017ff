"""When Redis stops or hangs, the service says so in its health and error shape, never a 500."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import RUN_DIR, assert_error, free_port, real_clock_env, running_app


@dataclass
class Stack:
    url: str
    redis: subprocess.Popen


@pytest.fixture
def own_redis_server(prepared_database: str, sandbox_url: str) -> Iterator[Stack]:
    """An app on the suite's database with a Redis of its own that the test may stop."""
    redis_port, app_port = free_port(), free_port()
    redis_dir = RUN_DIR / f"redis-down-{os.getpid()}"
    redis_dir.mkdir(parents=True, exist_ok=True)
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""],
        cwd=redis_dir,
        env=real_clock_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    log_path = Path(RUN_DIR / f"server-redis-down-{os.getpid()}.log")
    try:
        with running_app(
            app_port, log_path, "--no-worker", APP_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0"
        ) as url:
            try:
                yield Stack(url=url, redis=redis)
            finally:
                # A frozen Redis is thawed before the app stops, so its shutdown never waits.
                if redis.poll() is None:
                    redis.send_signal(signal.SIGCONT)
    finally:
        if redis.poll() is None:
            redis.terminate()
            redis.wait(10)
    assert "Traceback" not in log_path.read_text("utf-8")


def test_redis_stopped_gives_503_degraded_and_503_errors(own_redis_server: Stack) -> None:
    stack = own_redis_server
    with httpx.Client(base_url=stack.url, timeout=20) as client:
        assert client.get("/healthz").status_code == 200
        stack.redis.terminate()
        stack.redis.wait(10)

        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["status"] == "degraded"
        assert health.json()["checks"]["database"] == "ok"
        assert health.json()["checks"]["redis"].startswith("error")

        # The catalogue still reads from the database.
        domains = client.get("/api/v1/mp/domains")
        assert domains.status_code == 200
        assert len(domains.json()["items"]) == 28
        assert client.get("/api/v1/mp/search", params={"q": "低保"}).json()["total"] > 0

        # Sessions live in Redis: without it, logins and token checks are unavailable.
        for response in (
            client.post("/api/v1/admin/session", json={"username": "admin", "password": "x"}),
            client.get("/api/v1/mp/me", headers={"Authorization": "Bearer abc"}),
        ):
            assert_error(response, 503, "unavailable")


def test_hung_redis_shows_as_degraded_within_the_probe_timeout(own_redis_server: Stack) -> None:
    stack = own_redis_server
    with httpx.Client(base_url=stack.url, timeout=20) as client:
        stack.redis.send_signal(signal.SIGSTOP)
        # Answers (the client would give up after 20 s) instead of hanging on the socket.
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["checks"] == {"database": "ok", "redis": "error: TimeoutError"}
