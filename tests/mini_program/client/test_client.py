"""The mini-program client's own tests (Node, miniprogram-simulate) against the real server.

The pages run under `node --test` with a `wx` whose requests are real HTTP to the server this
suite started and whose `wx.login()` codes are minted by the WeChat sandbox.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CLIENT = Path(__file__).resolve().parents[3] / "mini_program" / "client"
# Debian 12 and Ubuntu 24.04 ship Node 18 (18.20, 18.19): the tests run on it as it comes.
MIN_NODE_MAJOR = 18


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"`{name}` is not installed: the mini-program client tests need Node {MIN_NODE_MAJOR}+"
            " and npm (Debian: apt-get install nodejs npm)",
            pytrace=False,
        )
    return path


def _install(npm: str) -> None:
    """Install the client's pinned devDependencies when they are missing."""
    if (CLIENT / "node_modules" / "miniprogram-simulate").is_dir() and (
        CLIENT / "node_modules" / "jsdom"
    ).is_dir():
        return
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=CLIENT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"npm ci failed in {CLIENT}:\n{done.stdout}\n{done.stderr}"


def test_mini_program_pages_pass_their_node_tests_against_the_server(
    server_url: str, sandbox_url: str
) -> None:
    node, npm = _tool("node"), _tool("npm")
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    major = int(version.lstrip("v").split(".")[0])
    assert major >= MIN_NODE_MAJOR, f"Node {version} is too old; {MIN_NODE_MAJOR}+ is needed"
    _install(npm)
    files = sorted(str(p.relative_to(CLIENT)) for p in (CLIENT / "test").glob("*.test.js"))
    assert files, "no client tests found"
    env = {**os.environ, "GOVMATRIX_URL": server_url, "GOVMATRIX_SANDBOX_URL": sandbox_url}
    # One file at a time (one `node --test` each: Node 18 has no --test-concurrency): the
    # files share the server, and the home page's order depends on the views the other
    # files' pages count.
    failed = []
    for name in files:
        done = subprocess.run(
            [node, "--test", "--test-reporter=spec", name],
            cwd=CLIENT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if done.returncode != 0:
            failed.append(f"{name}:\n{done.stdout}\n{done.stderr}")
    assert not failed, "mini-program client tests failed:\n" + "\n".join(failed)
