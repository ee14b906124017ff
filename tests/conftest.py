"""Test harness: real database (SQLite or PostgreSQL), real Redis, the sandbox and app over HTTP.

Environment:
  TEST_DATABASE_URL  PostgreSQL URL for `make test-pg` (default: a fresh SQLite file under var/test)
  TEST_REDIS_URL     Redis URL; the suite uses its own database number and flushes it per test
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.openapi_check import OpenApiCheck

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
GOVMATRIX = str(VENV_BIN / "govmatrix")
RUN_DIR = ROOT / "var" / "test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# A bound for a server that will never answer, not a timing: a fresh machine builds caches
# (jieba's dictionary) on the first start, and a busy one may take a minute.
START_TIMEOUT = 120.0


def wait_http(
    url: str, timeout: float = START_TIMEOUT, proc: subprocess.Popen | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


# --- network guard: nothing in the suite may leave the machine --------------------------------
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address):  # type: ignore[no-untyped-def]
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        if host not in ("localhost", "::1") and not str(host).startswith("127."):
            raise RuntimeError(f"test tried to reach non-loopback address {host!r}")
    return _real_connect(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]


# --- the environment every process of the suite shares ---------------------------------------
RUN_DIR.mkdir(parents=True, exist_ok=True)
_db_url = os.environ.get("TEST_DATABASE_URL") or f"sqlite://{RUN_DIR}/suite-{os.getpid()}.sqlite3"
_redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SANDBOX_PORT = free_port()
SERVER_PORT = free_port()
TEST_ENV = {
    "APP_ENV": "test",
    "APP_DATABASE_URL": _db_url,
    "APP_REDIS_URL": _redis_url,
    "APP_WECHAT_API_BASE": f"http://127.0.0.1:{SANDBOX_PORT}",
    "APP_MEDIA_DIR": str(RUN_DIR / f"media-{os.getpid()}"),
    # Every process of the run (server, CLI commands under test) agrees on the app's address,
    # so callback URLs registered with the sandbox always point at the test server.
    "APP_PUBLIC_BASE_URL": f"http://127.0.0.1:{SERVER_PORT}",
}
os.environ.update(TEST_ENV)


def real_clock_env() -> dict[str, str]:
    """The environment without libfaketime, for programs that are not ours (redis-server):
    under `ops/midnight.sh` our processes share a shifted clock, but libfaketime crashes
    Redis's allocator at start, and a real Redis keeps real time anyway."""
    env = dict(os.environ)
    preload = [p for p in env.pop("LD_PRELOAD", "").split() if "faketime" not in p]
    if preload:
        env["LD_PRELOAD"] = " ".join(preload)
    return {k: v for k, v in env.items() if not k.startswith("FAKETIME")}


def run_cli(*args: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
    """Run `govmatrix ARGS` as an operator would, in the suite's environment (plus `env`)."""
    return subprocess.run(
        [GOVMATRIX, *args],
        cwd=ROOT,
        env={**os.environ, **TEST_ENV, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def prepared_database(sandbox_url: str) -> str:
    """Migrate and seed the demo county once per run (seeding registers apps in the sandbox)."""
    if _db_url.startswith("sqlite://"):
        for suffix in ("", "-wal", "-shm"):
            Path(_db_url.removeprefix("sqlite://") + suffix).unlink(missing_ok=True)
    for args in (("migrate",), ("seed-demo",)):
        done = run_cli(*args)
        assert done.returncode == 0, f"govmatrix {args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return _db_url


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    """The WeChat sandbox, over real HTTP, on its own port."""
    url = f"http://127.0.0.1:{SANDBOX_PORT}"
    log = open(RUN_DIR / f"sandbox-{os.getpid()}.log", "w")
    proc = subprocess.Popen(
        [GOVMATRIX, "sandbox", "--port", str(SANDBOX_PORT)],
        cwd=ROOT,
        env={**os.environ, **TEST_ENV},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_http(url + "/sandbox/calls", proc=proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@contextlib.contextmanager
def running_app(
    port: int, log_path: Path, *extra_args: str, command: list[str] | None = None, **env: str
) -> Iterator[str]:
    """`govmatrix serve --single-process` on a port (or another `command` serving the app),
    with the suite's environment plus `env`; yields its URL once /healthz answers and stops it
    afterwards."""
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            command or [GOVMATRIX, "serve", "--port", str(port), "--single-process", *extra_args],
            cwd=ROOT,
            env={**os.environ, **TEST_ENV, "APP_PUBLIC_BASE_URL": url, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            # A machine shared by several suites can take well over 30 s to start the app
            # (imports, jieba's dictionary, start-up listeners); a dead process fails at once.
            wait_http(url + "/healthz", timeout=120, proc=proc)
            yield url
        finally:
            proc.terminate()
            proc.wait(10)


@pytest.fixture(scope="session")
def server_url(prepared_database: str, sandbox_url: str) -> Iterator[str]:
    """The app itself, as `govmatrix serve` runs it, on its own port."""
    with running_app(SERVER_PORT, RUN_DIR / f"server-{os.getpid()}.log") as url:
        yield url


@pytest.fixture(scope="session")
async def db(prepared_database: str) -> AsyncIterator[None]:
    """Tortoise in the test process, on the same database the server uses."""
    from gateway.connections import connected

    async with connected(database_url=prepared_database, redis_url=_redis_url):
        yield


@pytest.fixture(autouse=True)
def flush_redis() -> None:
    """Each test starts with an empty Redis database of its own number."""
    import redis

    client = redis.Redis.from_url(_redis_url)
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def openapi_check(server_url: str) -> OpenApiCheck:
    """The app's OpenAPI document, ready to check answers against (tests/openapi_check.py)."""
    return OpenApiCheck(httpx.get(f"{server_url}/docs/openapi.json", timeout=30).json())


@pytest.fixture
async def api(server_url: str, openapi_check: OpenApiCheck) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app whose every JSON answer must match the OpenAPI document."""

    async def check(response: httpx.Response) -> None:
        await response.aread()
        openapi_check.check(response)

    async with httpx.AsyncClient(
        base_url=server_url, timeout=30, event_hooks={"response": [check]}
    ) as client:
        yield client


@pytest.fixture
async def sandbox(sandbox_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=30) as client:
        yield client


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    """Assert the one error shape and return its body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]
