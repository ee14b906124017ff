"""The mini-program's article page (what a follower notification opens), run under Node against
this suite's server with an article that really went out."""

from __future__ import annotations

import asyncio
import os
import subprocess

import httpx

from tests.mini_program.client.test_client import CLIENT, _install, _tool
from tests.push.push_helpers import (
    EDITOR,
    Staff,
    approved_article,
    at,
    jpeg,
    new_account,
    plan,
    settle,
    upload_image,
)


async def test_the_article_page_shows_what_was_published(
    api: httpx.AsyncClient, staff: Staff, server_url: str, sandbox_url: str
) -> None:
    from mini_program.catalogue import service as catalogue

    documents = await catalogue.list_documents(page=1, page_size=1)
    picture = await upload_image(api, await staff(EDITOR), jpeg((500, 250), "purple"))
    article = await approved_article(
        api,
        staff,
        document_ids=[documents["items"][0]["id"]],
        domain_ids=[1, 2],
        content=f'<p>居民读到的正文</p><p><img src="{picture["url"]}"></p>',
    )
    created = await plan(api, staff, article["id"], [{"account": await new_account(), "at": at()}])
    await settle(api, staff, created.json()["plan"]["id"])

    node, npm = _tool("node"), _tool("npm")
    _install(npm)
    env = {
        **os.environ,
        "GOVMATRIX_URL": server_url,
        "GOVMATRIX_SANDBOX_URL": sandbox_url,
        "GOVMATRIX_ARTICLE_ID": str(article["id"]),
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [node, "--test", "--test-reporter=spec", "test/article.test.js"],
        cwd=CLIENT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"article page tests failed:\n{done.stdout}\n{done.stderr}"
    assert "skipped 0" in done.stdout or "# skip 0" in done.stdout
