"""The push tests run dispatch in this process (as a worker would) with short delays."""

from __future__ import annotations

import httpx
import pytest

from tests.push.push_helpers import Staff

FAST = {
    "APP_PUSH_RETRY_BASE_SECONDS": "0.2",
    "APP_PUSH_RETRY_CAP_SECONDS": "1",
    "APP_PUSH_POLL_FIRST_SECONDS": "0.5",
    "APP_PUSH_POLL_CAP_SECONDS": "1",
    "APP_PUSH_RECONCILE_SECONDS": "3",
    "APP_PUSH_STAGE_LEAD_SECONDS": "600",
}


@pytest.fixture(autouse=True)
def fast_dispatch(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in FAST.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
async def staff(api: httpx.AsyncClient, db: None) -> Staff:
    """Demo staff signed in on demand; also opens the database in this process (jobs run here)."""
    return Staff(api)
