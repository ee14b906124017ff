"""The staff room's console pages: sign-in and sign-out, staff users, the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect
from sanic_ext import openapi

from gateway import audit
from gateway.auth import csrf, service
from gateway.auth.csrf import form_of
from gateway.auth.decorators import (
    audit_request,
    audit_staff,
    clear_session_cookie,
    client_ip,
    load_staff,
    set_session_cookie,
    staff_required,
)
from gateway.auth.models import ROLE_LABELS, Role, StaffUser
from gateway.auth.permissions import AUDIT_READ, USERS_MANAGE, has_permission
from gateway.auth.schemas import StaffCreate, StaffPatch
from gateway.auth.sessions import revoke_session
from gateway.clock import now
from gateway.console import register_nav, register_tile, render
from gateway.errors import ApiError, parse_query, validate
from gateway.org import Department, Village
from gateway.paging import ConsolePageQuery, page_count

bp = Blueprint("staff_console")

register_nav("工作人员", "/console/users", USERS_MANAGE, order=900)
register_nav("操作日志", "/console/audit", AUDIT_READ, order=910)


@register_tile
async def _staff_tile(staff: StaffUser) -> dict[str, Any]:
    href = "/console/users" if has_permission(staff, USERS_MANAGE) else ""
    return {"label": "在岗工作人员", "value": await service.count_staff(), "href": href}


@register_tile
async def _audit_tile(staff: StaffUser) -> dict[str, Any] | None:
    if not has_permission(staff, AUDIT_READ):
        return None
    since = now() - timedelta(hours=24)
    return {
        "label": "24 小时内操作",
        "value": await audit.count_since(since),
        "href": "/console/audit",
    }


def safe_next(value: str | None) -> str:
    """Only a path on this site may follow sign-in (no open redirects)."""
    default = "/console/"
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if any(ord(ch) < 32 for ch in value) or "\\" in value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def _see_other(request: Request, location: str) -> HTTPResponse:
    if request.headers.get("HX-Request"):
        # htmx would follow a redirect inside the fragment; ask it to navigate instead.
        return HTTPResponse(status=204, headers={"HX-Redirect": location})
    return redirect(location, status=303)


# --- sign-in and sign-out --------------------------------------------------------------------


@bp.get("/console/login")
@openapi.exclude()
async def login_page(request: Request) -> HTTPResponse:
    """The console's sign-in form."""
    target = safe_next(request.args.get("next"))
    if await load_staff(request) is not None:
        return redirect(target, status=303)
    return render(request, "auth/login.html", next=target, username="", error=None)


@bp.post("/console/login")
@openapi.exclude()
async def login_submit(request: Request) -> HTTPResponse:
    """Sign in from the form (CSRF-protected); sets the HttpOnly session cookie."""
    form = form_of(request)
    target = safe_next(form.get("next"))
    username = (form.get("username") or "").strip()[:64]
    page = {"next": target, "username": username}
    if not csrf.csrf_valid(request):
        return render(
            request,
            "auth/login.html",
            error="页面已过期或来源不明，请重新输入后登录",
            status=403,
            **page,
        )
    password = form.get("password") or ""
    if not username or not password:
        return render(request, "auth/login.html", error="请输入用户名和密码", status=422, **page)
    try:
        _staff, token, ttl = await service.login(
            username=username, password=password[:1024], ip=client_ip(request), channel="console"
        )
    except service.LoginLocked as exc:
        response = render(request, "auth/login.html", error=exc.message, status=429, **page)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except ApiError as exc:
        return render(request, "auth/login.html", error=exc.message, status=401, **page)
    response = redirect(target, status=303)
    set_session_cookie(response, token, ttl)
    return response


@bp.post("/console/logout")
@openapi.exclude()
@staff_required()
async def logout(request: Request) -> HTTPResponse:
    """Sign out (CSRF-protected): ends the session and clears the cookie."""
    await revoke_session(request.ctx.session_token)
    await audit_request(
        request,
        action="staff.logout",
        target_type="staff_user",
        target_id=request.ctx.staff.id,
        detail={"channel": "console"},
    )
    response = _see_other(request, "/console/login")
    clear_session_cookie(response)
    return response


# --- staff users ------------------------------------------------------------------------------


async def _org_choices() -> tuple[list[Department], list[Village]]:
    return await Department.all(), await Village.all().order_by("code").limit(2000)


async def _unit_names() -> dict[str, str]:
    """Department and village names by code, to show "县教育局" instead of "jyj"."""
    departments, villages = await _org_choices()
    return {d.code: d.name for d in departments} | {v.code: v.name for v in villages}


async def _users_page(
    request: Request,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    error: str | None = None,
) -> HTTPResponse:
    paging = console_paging(request)
    users, total = await service.list_staff(page=paging.page, per_page=paging.per_page)
    departments, villages = await _org_choices()
    return render(
        request,
        "auth/users.html",
        status=status,
        users=users,
        total=total,
        page=paging.page,
        pages=page_count(total, paging.per_page),
        roles=[(r.value, ROLE_LABELS[r]) for r in Role],
        departments=departments,
        villages=villages,
        unit_names={d.code: d.name for d in departments} | {v.code: v.name for v in villages},
        form=form or {"role": Role.EDITOR.value},
        errors=errors or {},
        message=message,
        error=error,
    )


def console_paging(request: Request) -> ConsolePageQuery:
    """The page a console table shows; a hand-edited bad value shows the first page."""
    try:
        return parse_query(request, ConsolePageQuery)
    except ApiError:
        return ConsolePageQuery.model_validate({})


@bp.get("/console/users")
@openapi.exclude()
@staff_required(USERS_MANAGE)
async def users_page(request: Request) -> HTTPResponse:
    """Staff users (admins): the list and the form to create one."""
    created = request.args.get("created")
    message = f"已创建工作人员 {created}" if created else None
    return await _users_page(request, message=message)


@bp.post("/console/users")
@openapi.exclude()
@staff_required(USERS_MANAGE)
async def users_create(request: Request) -> HTTPResponse:
    """Create a staff user from the console form; invalid fields are shown beside them."""
    f = form_of(request)
    form = {
        key: (f.get(key) or "").strip()
        for key in ("username", "display_name", "role", "department_code", "village_code")
    }
    values = {**form, "password": f.get("password") or ""}
    try:
        context = await service.validation_context()
        data = validate(StaffCreate, values, context=context, message="工作人员信息有误")
        staff = await service.create_staff(data=data)
    except ApiError as exc:
        return await _users_page(
            request, status=exc.status, form=form, errors=exc.fields, error=exc.message
        )
    await audit_staff(request, staff, action="staff.create", detail={"role": str(staff.role)})
    return redirect(f"/console/users?created={quote(staff.username)}", status=303)


@bp.post("/console/users/<staff_id:int>/active")
@openapi.exclude()
@staff_required(USERS_MANAGE)
async def users_toggle_active(request: Request, staff_id: int) -> HTTPResponse:
    """Enable or disable a staff user (`active` = 1 or 0); htmx swaps in the updated row."""
    active = form_of(request).get("active") == "1"
    try:
        staff, changes = await service.update_staff(
            staff_id=staff_id, actor_id=request.ctx.staff.id, data=StaffPatch(is_active=active)
        )
    except ApiError as exc:
        message = next(iter(exc.fields.values()), exc.message)
        if request.headers.get("HX-Request"):
            target = await service.get_staff(staff_id=staff_id)
            return render(
                request, "auth/_user_row.html", user=target, row_error=message, status=200
            )
        return await _users_page(request, status=exc.status, error=message)
    if changes:
        await audit_staff(request, staff, action="staff.update", detail={"changes": changes})
    if request.headers.get("HX-Request"):
        return render(
            request,
            "auth/_user_row.html",
            user=staff,
            row_error=None,
            unit_names=await _unit_names(),
        )
    return redirect("/console/users", status=303)


# --- audit log --------------------------------------------------------------------------------


@bp.get("/console/audit")
@openapi.exclude()
@staff_required(AUDIT_READ)
async def audit_page(request: Request) -> HTTPResponse:
    """The audit log (admins): who did what, when, from where."""
    paging = console_paging(request)
    action = (request.args.get("action") or "").strip()[:64] or None
    rows, total = await audit.list_records(
        page=paging.page, per_page=paging.per_page, action=action
    )
    return render(
        request,
        "auth/audit.html",
        rows=rows,
        total=total,
        page=paging.page,
        pages=page_count(total, paging.per_page),
        action=action or "",
    )
