"""Hidden diagnostics: `govmatrix wechat-calls APPID` makes N concurrent real calls.

Used by the token single-flight test and `make bench` (ten of these processes at once must
cause exactly one token fetch). The AppSecret comes from $WECHAT_SECRET, never argv, so it
does not show in `ps`. The client is imported inside the command, like every
command's dependencies, so that `govmatrix` starts quickly.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter

import click

from gateway.cli import fail, run_async


@click.command("wechat-calls", hidden=True)
@click.argument("appid")
@click.option("--calls", default=100, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--start-at", type=float, default=None, help="Unix time to start (sync processes).")
def wechat_calls(appid: str, calls: int, start_at: float | None) -> None:
    """Make CALLS concurrent getcallbackip calls for APPID; print a JSON summary."""
    secret = os.environ.get("WECHAT_SECRET", "")
    if not secret:
        fail("set WECHAT_SECRET to the account's AppSecret")

    async def _run() -> dict[str, object]:
        from matrix.wechat import service
        from matrix.wechat.errors import WeChatError

        if start_at is not None:
            await asyncio.sleep(max(0.0, start_at - time.time()))

        async def one() -> str:
            try:
                await service.get_callback_ip(appid=appid, secret=secret)
                return "ok"
            except WeChatError as exc:
                return str(exc.errcode)

        began = time.perf_counter()
        outcomes = Counter(await asyncio.gather(*(one() for _ in range(calls))))
        return {
            "calls": calls,
            "outcomes": dict(outcomes),
            "seconds": round(time.perf_counter() - began, 3),
        }

    click.echo(json.dumps(run_async(_run, with_db=False)))


commands = [wechat_calls]
