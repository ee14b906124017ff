"""The test-only review app (tests/gateway/review_app.py) as a fixture for the review tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.conftest import ROOT, RUN_DIR, TEST_ENV, free_port, wait_http


@pytest.fixture(scope="module")
def review_url(prepared_database: str, sandbox_url: str) -> Iterator[str]:
    """This app on a port of its own, in the suite's environment."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(RUN_DIR / f"review-app-{os.getpid()}.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.gateway.review_app", "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, **TEST_ENV, "APP_PUBLIC_BASE_URL": url},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_http(url + "/healthz", proc=proc)
            yield url
        finally:
            proc.terminate()
            proc.wait(10)
