"""Request-side staff authentication: `staff_required`, `audit_request`, session cookies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import quote

from sanic import Request
from sanic.response import HTTPResponse, redirect

from gateway import audit
from gateway.audit import AuditRecord
from gateway.auth import csrf, sessions
from gateway.auth.models import StaffUser
from gateway.auth.permissions import has_all
from gateway.auth.service import get_active_staff
from gateway.auth.tokens import bearer_token
from gateway.config import get_settings
from gateway.errors import Forbidden, Unauthorized

SESSION_COOKIE = "gm_session"
CONSOLE_PREFIX = "/console"

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])
RefusalPage = Callable[[Request, str], HTTPResponse]

# How a refused console request is shown. The console shell (gateway.console) builds on this
# package, so it registers its page here rather than this module importing it.
_refusal_page: RefusalPage | None = None


def set_refusal_page(page: RefusalPage) -> None:
    """The console shell's page for "you may not do this" (called when it is imported)."""
    global _refusal_page
    _refusal_page = page


def client_ip(request: Request) -> str | None:
    """The client's address (forwarded by nginx when PROXIES_COUNT/REAL_IP_HEADER are set)."""
    return request.remote_addr or request.ip or None


async def load_staff(request: Request) -> StaffUser | None:
    """Find the staff member behind a request (Bearer header first, then console cookie).

    Sets request.ctx.staff, .session_key and .auth_via ("bearer" or "cookie") when found.
    """
    if getattr(request.ctx, "staff", None) is not None:
        return request.ctx.staff  # type: ignore[no-any-return]
    request.ctx.staff = None
    token = bearer_token(request)
    via = "bearer"
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
        via = "cookie"
    if not token:
        return None
    session = await sessions.resolve_session(token)
    if session is None:
        return None
    staff = await get_active_staff(staff_id=session.staff_id)
    if staff is None:
        return None
    request.ctx.staff = staff
    request.ctx.session_key = session.key
    request.ctx.session_token = token
    request.ctx.auth_via = via
    return staff


def is_console(request: Request) -> bool:
    return request.path == CONSOLE_PREFIX or request.path.startswith(CONSOLE_PREFIX + "/")


def login_redirect(request: Request) -> HTTPResponse:
    """Send a visitor without a session to the sign-in page, then back here."""
    if request.method in csrf.SAFE_METHODS:
        target = request.path + (f"?{request.query_string}" if request.query_string else "")
    else:
        target = f"{CONSOLE_PREFIX}/"  # a form post cannot be replayed after sign-in
    location = f"{CONSOLE_PREFIX}/login?next={quote(target, safe='/')}"
    if request.headers.get("HX-Request"):
        # htmx would swap the login page into a fragment; make it navigate instead.
        return HTTPResponse(status=204, headers={"HX-Redirect": location})
    return redirect(location, status=303 if request.method not in csrf.SAFE_METHODS else 302)


def _console_forbidden(request: Request, message: str) -> HTTPResponse:
    if _refusal_page is None:  # no console shell in this process: the one error shape
        raise Forbidden(message)
    return _refusal_page(request, message)


def staff_required(*permissions: str) -> Callable[[Handler], Handler]:
    """Require a signed-in, active staff member holding every listed permission.

    API requests authenticate with `Authorization: Bearer <token>` and get 401/403 in the
    error shape; console pages use the session cookie, and a visitor without a session is
    redirected to /console/login?next=... Cookie-authenticated requests that change state
    (POST, PUT, PATCH, DELETE) must carry the CSRF token, checked here so that every
    console form is protected without each view remembering to.
    """

    def decorator(handler: Handler) -> Handler:
        @wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> Any:
            staff = await load_staff(request)
            console = is_console(request)
            if staff is None:
                if console:
                    return login_redirect(request)
                raise Unauthorized("请先登录", code="unauthorized")
            if (
                request.ctx.auth_via == "cookie"
                and request.method not in csrf.SAFE_METHODS
                and not csrf.csrf_valid(request)
            ):
                if console:
                    return _console_forbidden(request, "页面已过期或来源不明，请刷新页面后重试")
                raise Forbidden("缺少有效的 CSRF 令牌", code="csrf_failed")
            if not has_all(staff, permissions):
                if console:
                    return _console_forbidden(request, "您的角色没有权限访问此页面")
                raise Forbidden("没有权限执行此操作", code="forbidden")
            return await handler(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


async def audit_request(
    request: Request,
    *,
    action: str,
    target_type: str,
    target_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditRecord:
    """Record an audit row for the current staff member's action (who, what, from where)."""
    staff: StaffUser | None = getattr(request.ctx, "staff", None)
    return await audit.record(
        actor_id=staff.id if staff else None,
        actor_name=staff.username if staff else "anonymous",
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
        ip=client_ip(request),
    )


async def audit_staff(
    request: Request, staff: StaffUser, *, action: str, detail: dict[str, Any]
) -> None:
    """Audit an admin's change to a staff user, the same from the API and the console."""
    await audit_request(
        request,
        action=action,
        target_type="staff_user",
        target_id=staff.id,
        detail={"username": staff.username, **detail},
    )


def set_session_cookie(response: HTTPResponse, token: str, ttl: int) -> None:
    response.add_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Lax",
        secure=get_settings().is_production,
        max_age=ttl,
        path="/",
    )


def clear_session_cookie(response: HTTPResponse) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
