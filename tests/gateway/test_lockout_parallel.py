"""The sign-in lockout holds when guesses arrive all at once, not only one after another."""

from __future__ import annotations

import asyncio

import httpx

from gateway.audit import AuditRecord
from tests.gateway.staff_helpers import STRONG_PASSWORD, create_staff, sign_in, unique_username


async def _guess(api: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await api.post(
        "/api/v1/admin/session", json={"username": username, "password": password}
    )


async def _verified_failures(username: str) -> int:
    # Every password that was really checked and found wrong leaves one audit record.
    return await AuditRecord.filter(action="staff.login_failed", actor_name=username).count()


async def test_thirty_parallel_wrong_guesses_verify_at_most_five_passwords(api, db):
    _id, username = await create_staff(api, await sign_in(api, "admin"), role="editor")
    responses = await asyncio.gather(
        *(_guess(api, username, f"Wrong#Guess{i:04d}") for i in range(30))
    )
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {401, 429}, statuses
    assert await _verified_failures(username) == 5
    assert statuses.count(401) <= 5
    assert await AuditRecord.filter(action="staff.login_locked", actor_name=username).count() == 1
    # The lock holds for the right password too.
    locked = await _guess(api, username, STRONG_PASSWORD)
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "login_locked"


async def test_the_right_password_after_a_burst_of_wrong_ones_gets_no_session(api, db):
    _id, username = await create_staff(api, await sign_in(api, "admin"), role="editor")
    wrong = [asyncio.ensure_future(_guess(api, username, f"Wrong#Burst{i:04d}")) for i in range(29)]
    right = asyncio.ensure_future(_guess(api, username, STRONG_PASSWORD))
    responses = await asyncio.gather(*wrong, right)
    assert all(r.status_code != 201 for r in responses), [r.status_code for r in responses]
    assert "token" not in right.result().text
    assert await _verified_failures(username) <= 5
    assert await AuditRecord.filter(action="staff.login", actor_name=username).count() == 0


async def test_parallel_guesses_across_usernames_are_bounded_per_address(api, db):
    prefix = unique_username("spray")
    names = [f"{prefix}_{i}" for i in range(40)]
    responses = await asyncio.gather(*(_guess(api, n, "Spray#2026abc") for n in names))
    assert {r.status_code for r in responses} <= {401, 429}
    verified = await AuditRecord.filter(action="staff.login_failed", actor_name__in=names).count()
    assert verified == 20  # four times the username limit, then the address is locked
    # A colleague behind the same address must wait too.
    assert (await _guess(api, "admin", "Mengcheng@2026")).status_code == 429


async def test_a_successful_sign_in_does_not_use_up_the_address(api, db):
    # A bureau behind one NAT address signs in all morning: successes cost the address nothing.
    for _ in range(25):
        await sign_in(api, "reviewer")
