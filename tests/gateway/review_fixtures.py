"""The test-only review app (tests/gateway/review_app.py) as a fixture for the review tests."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from tests.conftest import RUN_DIR, free_port, running_app


@pytest.fixture(scope="module")
def review_url(prepared_database: str, sandbox_url: str) -> Iterator[str]:
    """The app with the test-only kind's routes, on a port of its own."""
    port = free_port()
    command = [sys.executable, "-m", "tests.gateway.review_app", "--port", str(port)]
    with running_app(port, RUN_DIR / f"review-app-{os.getpid()}.log", command=command) as url:
        yield url
