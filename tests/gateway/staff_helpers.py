"""Helpers shared by the staff tests (sign-in, unique names)."""

from __future__ import annotations

import re
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


def csrf_from(html: str) -> str:
    """The CSRF token of the first console form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


async def console_sign_in(client: httpx.AsyncClient, username: str = "admin") -> str:
    """Sign in through the console's form, as a browser would; returns the CSRF token used."""
    page = await client.get("/console/login")
    token = csrf_from(page.text)
    response = await client.post(
        "/console/login",
        data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 303, response.text
    return token


async def create_staff(
    api: httpx.AsyncClient, admin: dict, *, role: str, prefix: str = "staff", **fields: str
) -> tuple[int, str]:
    """Create a staff user through the admin API (password STRONG_PASSWORD, plus `fields` such
    as department_code); (id, username)."""
    username = unique_username(prefix)
    created = await api.post(
        "/api/v1/admin/users",
        headers=admin,
        json={"username": username, "role": role, "password": STRONG_PASSWORD, **fields},
    )
    assert created.status_code == 201, created.text
    return created.json()["staff"]["id"], username
