"""Helpers shared by the staff tests (sign-in, unique names)."""

from __future__ import annotations

import uuid

import httpx

DEMO_PASSWORD = "Mengcheng@2026"
STRONG_PASSWORD = "Qingshan#2026x"


async def sign_in(api: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD) -> dict:
    """Sign in through the API; returns the Authorization header for later calls."""
    response = await api.post(
        "/api/v1/admin/session", json={"username": username, "password": password}
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def unique_username(prefix: str = "staff") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"
