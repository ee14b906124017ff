"""The console over plain HTTP: redirects, CSRF, cookies, headers, static files."""

from __future__ import annotations

import httpx
import pytest

from tests.gateway.staff_helpers import (
    DEMO_PASSWORD,
    STRONG_PASSWORD,
    console_sign_in,
    csrf_from,
    unique_username,
)


@pytest.fixture
async def browser_like(server_url):
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as client:
        yield client


async def test_a_console_page_without_a_session_redirects_to_sign_in(browser_like):
    response = await browser_like.get("/console/users?page=2")
    assert response.status_code == 302
    assert response.headers["location"] == "/console/login?next=/console/users%3Fpage%3D2"


async def test_sign_in_sets_an_httponly_lax_session_cookie_and_follows_next(browser_like):
    page = await browser_like.get("/console/login?next=/console/audit")
    assert 'value="/console/audit"' in page.text
    response = await browser_like.post(
        "/console/login",
        data={
            "username": "admin",
            "password": DEMO_PASSWORD,
            "csrf_token": csrf_from(page.text),
            "next": "/console/audit",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/audit"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("gm_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # only when APP_ENV=production
    home = await browser_like.get("/console/")
    assert home.status_code == 200
    assert "全县概览" in home.text
    assert "管理员" in home.text


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:1"]
)
async def test_next_only_allows_local_paths(browser_like, target):
    page = await browser_like.get("/console/login")
    response = await browser_like.post(
        "/console/login",
        data={
            "username": "admin",
            "password": DEMO_PASSWORD,
            "csrf_token": csrf_from(page.text),
            "next": target,
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/"


async def test_a_login_post_without_a_csrf_token_is_refused(browser_like):
    await browser_like.get("/console/login")
    response = await browser_like.post(
        "/console/login", data={"username": "admin", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 403
    assert "页面已过期" in response.text
    assert "gm_session" not in response.headers.get("set-cookie", "")


async def test_a_token_from_another_browser_is_refused(browser_like, server_url):
    async with httpx.AsyncClient(base_url=server_url) as other:
        foreign = csrf_from((await other.get("/console/login")).text)
    await browser_like.get("/console/login")
    response = await browser_like.post(
        "/console/login",
        data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": foreign},
    )
    assert response.status_code == 403


async def test_console_forms_after_sign_in_need_the_csrf_token(browser_like):
    await console_sign_in(browser_like)
    response = await browser_like.post(
        "/console/users",
        data={"username": unique_username(), "role": "editor", "password": STRONG_PASSWORD},
    )
    assert response.status_code == 403
    response = await browser_like.post("/console/logout")
    assert response.status_code == 403
    assert (await browser_like.get("/console/")).status_code == 200  # still signed in


async def test_sign_out_ends_the_console_session(browser_like):
    await console_sign_in(browser_like)
    home = await browser_like.get("/console/")
    response = await browser_like.post("/console/logout", data={"csrf_token": csrf_from(home.text)})
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"
    assert (await browser_like.get("/console/")).status_code == 302


async def test_console_users_page_is_for_admins_only(browser_like):
    await console_sign_in(browser_like, "editor")
    response = await browser_like.get("/console/users")
    assert response.status_code == 403
    assert "没有权限" in response.text
    home = await browser_like.get("/console/")
    assert 'href="/console/users"' not in home.text  # not in the editor's menu


async def test_create_form_shows_field_errors_and_keeps_input(browser_like):
    await console_sign_in(browser_like)
    page = await browser_like.get("/console/users")
    response = await browser_like.post(
        "/console/users",
        data={
            "username": "Bad Name",
            "display_name": "测试",
            "role": "department_staff",
            "password": "short",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 422
    assert 'id="e-username"' in response.text
    assert 'id="e-password"' in response.text
    assert "部门工作人员必须选择所属部门" in response.text
    assert 'value="测试"' in response.text
    assert "short" not in response.text  # passwords are never echoed back


async def test_security_headers_on_console_pages(browser_like):
    response = await browser_like.get("/console/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["Cache-Control"] == "no-store"


async def test_static_files_are_served_by_the_app(browser_like):
    css = await browser_like.get("/static/console.css")
    assert css.status_code == 200
    assert "text/css" in css.headers["content-type"]
    htmx = await browser_like.get("/static/vendor/htmx.min.js")
    assert htmx.status_code == 200
    assert "htmx" in htmx.text
    chart = await browser_like.get("/static/vendor/chart.umd.js")
    assert chart.status_code == 200
    missing = await browser_like.get("/static/../gateway/config.py")
    assert missing.status_code == 404
