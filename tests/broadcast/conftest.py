"""Loudspeaker fixtures: a script on the air with its audio made, shared by a test module."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.broadcast.helpers import ADMIN_API, approve, create_script, run_synthesis
from tests.gateway.staff_helpers import sign_in


@pytest.fixture(scope="module")
async def client(server_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server_url, timeout=60) as http:
        yield http


@pytest.fixture(scope="module")
async def on_air(client: httpx.AsyncClient, db: None) -> dict[str, Any]:
    """A script for the demo village's town (板桥集镇), approved, its audio made."""
    editor = await sign_in(client, "editor")
    script = await create_script(
        client,
        editor,
        text="各位村民请注意：明天上午九点在村委会召开秋季防火会议，请各户派一人参加。",
        play_times=["06:00", "12:00", "18:00"],
    )
    await approve(client, script["id"])
    await run_synthesis()
    shown = await client.get(f"{ADMIN_API}/{script['id']}", headers=editor)
    made: dict[str, Any] = shown.json()["script"]
    assert made["audio"]["state"] == "ready", made["audio"]
    return made


# The console's real Chromium (tests/console/conftest.py), for this package's browser tests.
from tests.console.conftest import chromium, page  # noqa: E402, F401
