"""Helpers for the applications tests: valid identity numbers, bodies, sign-ins."""

from __future__ import annotations

import itertools
import secrets
from typing import Any

import httpx

from gateway.auth.models import Resident
from gateway.auth.resident import issue_session
from mini_program.applications.ids import resident_id_check
from tests.gateway.staff_helpers import sign_in

__all__ = ["applicant", "enter", "new_id_number", "resident_headers", "sign_in", "staff_body"]

_serial = itertools.count(secrets.randbelow(500))


def new_id_number() -> str:
    """A valid resident ID number (check digit right), different on every call."""
    n = next(_serial)
    first17 = f"341622{1960 + n % 40}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return first17 + resident_id_check(first17)


def applicant(**overrides: Any) -> dict[str, Any]:
    """The mini-program's body: exactly the contract's fields."""
    body = {
        "applicant_type": "citizen",
        "name": "张三",
        "id_type": "resident_id",
        "id_number": new_id_number(),
        "phone": "13800138000",
        "address": "蒙城县城关街道嵇康路 1 号",
        "description": "2026年城关街道最低生活保障对象名单",
        "purpose": "了解政策",
        "format": "electronic",
        "delivery": "electronic",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def staff_body(**overrides: Any) -> dict[str, Any]:
    """A letter staff enter, received on a pinned date (so deadlines do not depend on today)."""
    body = applicant(
        channel="letter",
        submitted_on="2026-02-12",
        received_on="2026-02-13",
        department="jyj",
        format="paper",
        delivery="post",
    )
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


async def enter(api: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> int:
    """Enter an application as staff; its id."""
    response = await api.post(
        "/api/v1/admin/applications", json=staff_body(**overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def resident_headers(openid: str | None = None) -> tuple[int, dict[str, str]]:
    """A mini-program resident and the Authorization header of a fresh session."""
    resident, _ = await Resident.get_or_create(openid=openid or "o" + secrets.token_hex(10))
    token, _ = await issue_session(resident.id, openid=resident.openid)
    return resident.id, {"Authorization": f"Bearer {token}"}
