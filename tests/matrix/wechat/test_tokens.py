"""Access tokens: one fetch for any number of processes, one refresh on refusal, typed failures."""

from __future__ import annotations

import asyncio
import json
import os
import time
from asyncio.subprocess import PIPE

import httpx
import pytest

from matrix.wechat import service
from matrix.wechat.errors import BusyError, CredentialError, QuotaError, TokenError
from tests.conftest import GOVMATRIX, ROOT
from tests.matrix.wechat.support import recorded, register_app

TOKEN_PATH = "/cgi-bin/stable_token"
PROBE = "/cgi-bin/getcallbackip"


async def test_ten_processes_making_100_calls_each_cause_one_token_fetch(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    app = await register_app(sandbox)
    start_at = time.time() + 4  # every process waits for the same instant, then fires
    env = {**os.environ, "WECHAT_SECRET": app.secret}
    args = ["wechat-calls", app.appid, "--calls", "100", "--start-at", str(start_at)]
    procs = [
        await asyncio.create_subprocess_exec(
            GOVMATRIX, *args, cwd=ROOT, env=env, stdout=PIPE, stderr=PIPE
        )
        for _ in range(10)
    ]
    summaries = []
    for proc in procs:
        out, err = await asyncio.wait_for(proc.communicate(), 120)
        assert proc.returncode == 0, err.decode()
        summaries.append(json.loads(out.decode().strip().splitlines()[-1]))
    assert all(s["outcomes"] == {"ok": 100} for s in summaries), summaries
    assert len(await recorded(sandbox, app.appid, TOKEN_PATH)) == 1
    assert len(await recorded(sandbox, app.appid, "/cgi-bin/token")) == 0
    assert len(await recorded(sandbox, app.appid, PROBE)) == 1000


async def test_concurrent_calls_in_one_process_share_one_fetch(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    app = await register_app(sandbox)
    results = await asyncio.gather(*(service.get_callback_ip(**app.creds) for _ in range(50)))
    assert all("127.0.0.1" in ips for ips in results)
    assert len(await recorded(sandbox, app.appid, TOKEN_PATH)) == 1


async def test_refused_token_is_refreshed_once_and_the_call_retried_once(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    app = await register_app(sandbox)
    await service.get_callback_ip(**app.creds)
    # Someone outside refreshed long ago: WeChat now answers 40001 to our stored token.
    await sandbox.post("/sandbox/revoke-tokens", json={"appid": app.appid})
    assert await service.get_callback_ip(**app.creds)
    assert len(await recorded(sandbox, app.appid, TOKEN_PATH)) == 2
    probes = await recorded(sandbox, app.appid, PROBE)
    assert [c["errcode"] for c in probes] == [0, 40001, 0]


async def test_token_refused_again_after_refresh_raises_without_looping(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    app = await register_app(sandbox)
    await sandbox.post(
        "/sandbox/faults", json={"appid": app.appid, "path": PROBE, "errcode": 40001, "rate": 1.0}
    )
    try:
        with pytest.raises(TokenError) as caught:
            await service.get_callback_ip(**app.creds)
    finally:
        await sandbox.delete("/sandbox/faults", params={"appid": app.appid})
    assert caught.value.errcode == 40001
    assert len(await recorded(sandbox, app.appid, PROBE)) == 2


async def test_system_busy_is_retried_with_backoff(sandbox: httpx.AsyncClient, db: None) -> None:
    app = await register_app(sandbox)
    await sandbox.post(
        "/sandbox/faults", json={"appid": app.appid, "path": PROBE, "rate_minus1": 1.0, "times": 2}
    )
    try:
        assert await service.get_callback_ip(**app.creds)
    finally:
        await sandbox.delete("/sandbox/faults", params={"appid": app.appid})
    assert [c["errcode"] for c in await recorded(sandbox, app.appid, PROBE)] == [-1, -1, 0]


async def test_system_busy_that_persists_gives_busy_error_after_three_retries(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    app = await register_app(sandbox)
    await sandbox.post(
        "/sandbox/faults", json={"appid": app.appid, "path": PROBE, "rate_minus1": 1.0}
    )
    try:
        with pytest.raises(BusyError):
            await service.get_callback_ip(**app.creds)
    finally:
        await sandbox.delete("/sandbox/faults", params={"appid": app.appid})
    assert len(await recorded(sandbox, app.appid, PROBE)) == 4


async def test_daily_quota_exhausted_is_a_quota_error_without_retry(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    app = await register_app(sandbox)
    await sandbox.post(
        "/sandbox/faults", json={"appid": app.appid, "path": PROBE, "rate_45009": 1.0}
    )
    try:
        with pytest.raises(QuotaError) as caught:
            await service.get_callback_ip(**app.creds)
    finally:
        await sandbox.delete("/sandbox/faults", params={"appid": app.appid})
    assert caught.value.errcode == 45009
    assert len(await recorded(sandbox, app.appid, PROBE)) == 1


async def test_wrong_secret_is_a_credential_error_and_not_hammered(
    sandbox: httpx.AsyncClient, db: None
) -> None:
    app = await register_app(sandbox)
    calls = [service.get_callback_ip(appid=app.appid, secret="wrong") for _ in range(20)]
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(o, CredentialError) and o.errcode == 40125 for o in outcomes)
    assert len(await recorded(sandbox, app.appid, TOKEN_PATH)) == 1


async def test_token_state_never_shows_the_token(sandbox: httpx.AsyncClient, db: None) -> None:
    app = await register_app(sandbox)
    assert (await service.token_state(appid=app.appid))["state"] == "none"
    await service.get_callback_ip(**app.creds)
    state = await service.token_state(appid=app.appid)
    assert state["state"] == "valid"
    assert 6000 < state["expires_in"] <= 7200
    assert set(state) == {"state", "expires_in"}
