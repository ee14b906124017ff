"""The service hall's self-service terminal for disclosure applications: `/hall/apply`.

A large-type touch-screen page that works without a staff login: a visitor files an
application (the ID-card reader types the number like a keyboard), checks its status with
the receipt number and the last six characters of the ID number, and opens or prints the
answer letter. It stands alone (the hall's main kiosk page `/hall` is another room's).

Protection: every form post carries a CSRF token bound to a nonce cookie; filings and
queries are rate-limited per terminal address, and wrong ID digits per receipt number; what a
visitor may see afterwards is held in a short kiosk session (an HttpOnly cookie naming a Redis
key), never in the URL; nothing shown or printed carries more than masked personal data.
"""

from __future__ import annotations

import json
import secrets
from hashlib import sha256
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sanic import Blueprint, Request
from sanic.response import BaseHTTPResponse, HTTPResponse, redirect
from sanic_ext import openapi

from gateway.auth import csrf
from gateway.auth.csrf import form_of
from gateway.auth.decorators import client_ip
from gateway.config import get_settings
from gateway.console import render
from gateway.console.pages import CSP
from gateway.errors import ApiError, RateLimited, fields_from_validation
from gateway.redis import get_redis
from mini_program.applications import limits, service
from mini_program.applications.api import file_response
from mini_program.applications.models import Application
from mini_program.applications.schemas import ApplicationIn, KioskQueryIn
from mini_program.applications.service.present import public_terminal
from mini_program.applications.service.queries import applicant_detail, get_file
from mini_program.applications.settings import get_app_settings
from mini_program.applications.vocab import (
    DELIVERY_LABELS,
    FORMAT_LABELS,
    ID_TYPE_LABELS,
    Channel,
)

bp = Blueprint("applications_hall", url_prefix="/hall/apply")
bp.static("/static", str(Path(__file__).resolve().parent / "static"), name="static")

COOKIE = "gm_kiosk"
# The terminal's form posts exactly the fields the filing schema takes.
FORM_FIELDS = tuple(ApplicationIn.model_fields)


@bp.on_response
async def _kiosk_headers(request: Request, response: BaseHTTPResponse) -> None:
    # The same strict policy as the console: our own scripts and styles only, never framed,
    # never cached (the next visitor must not find the last one's pages in the history).
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("Cache-Control", "no-store")


# --- the kiosk session ---------------------------------------------------------------------------


def _key(token: str) -> str:
    return "applications:kiosk:" + sha256(token.encode()).hexdigest()


async def _allowed(request: Request) -> list[int]:
    """Applications this terminal session may show (filed or looked up in it)."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 64:
        return []
    redis = get_redis()
    raw = await redis.get(_key(token))
    if raw is None:
        return []
    await redis.expire(_key(token), get_app_settings().kiosk_session_seconds)
    return [int(i) for i in json.loads(raw)]


async def _grant(request: Request, response: HTTPResponse, app_id: int) -> None:
    """Let this session show one application (the most recent grant replaces the others)."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 64:
        token = secrets.token_urlsafe(24)
    await get_redis().set(
        _key(token), json.dumps([app_id]), ex=get_app_settings().kiosk_session_seconds
    )
    response.add_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=get_settings().is_production,
        path="/hall/apply",
    )


async def _app_in_session(request: Request, app_id: int) -> Application | None:
    if app_id not in await _allowed(request):  # only ids this session was given
        return None
    return await Application.get_or_none(id=app_id)


def _page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTTPResponse:
    return render(
        request,
        f"applications/{template}",
        status=status,
        idle_seconds=120,
        **context,
    )


def _retry_after(response: HTTPResponse, exc: ApiError) -> HTTPResponse:
    if exc.extra.get("retry_after"):
        response.headers["Retry-After"] = str(exc.extra["retry_after"])
    return response


# --- pages ---------------------------------------------------------------------------------------


@bp.get("")
@openapi.exclude()
async def home(request: Request) -> HTTPResponse:
    """The terminal's start screen: apply, or check an application and fetch its answer."""
    return _page(request, "hall_home.html")


def _form_page(
    request: Request,
    *,
    status: int = 200,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
) -> HTTPResponse:
    return _page(
        request,
        "hall_form.html",
        status=status,
        form=form
        or {
            "applicant_type": "citizen",
            "id_type": "resident_id",
            "format": "electronic",
            "delivery": "electronic",
        },
        errors=errors or {},
        error=error,
        id_types=list(ID_TYPE_LABELS.items()),
        formats=list(FORMAT_LABELS.items()),
        deliveries=list(DELIVERY_LABELS.items()),
    )


@bp.get("/new")
@openapi.exclude()
async def new(request: Request) -> HTTPResponse:
    """The application form, in large type, with the ID-card reader's field first."""
    return _form_page(request)


@bp.post("/new")
@openapi.exclude()
async def create(request: Request) -> HTTPResponse:
    """File the application from the terminal (CSRF-checked, rate-limited per terminal)."""
    form = form_of(request)
    data = {name: (form.get(name) or "").strip() for name in FORM_FIELDS if form.get(name)}
    if not csrf.csrf_valid(request):
        return _form_page(request, status=403, form=data, error="页面已过期，请重新填写后提交")
    try:
        body = ApplicationIn.model_validate(data)
    except ValidationError as exc:
        return _form_page(
            request,
            status=422,
            form=data,
            errors=fields_from_validation(exc),
            error="有几项需要修改，请查看标红的内容",
        )
    settings = get_app_settings()
    try:
        await limits.enforce(
            f"kiosk:file:{client_ip(request) or 'unknown'}",
            limit=settings.kiosk_filings_per_hour,
            window=3600,
            message="本终端提交的申请过多，请稍后再试或到服务窗口办理",
        )
    except RateLimited as exc:
        return _retry_after(_form_page(request, status=429, form=data, error=exc.message), exc)
    app = await service.create_application(data=body, channel=Channel.KIOSK)
    response = redirect(f"/hall/apply/receipt/{app.id}", status=303)
    await _grant(request, response, app.id)
    return response


@bp.get("/receipt/<app_id:int>")
@openapi.exclude()
async def receipt(request: Request, app_id: int) -> HTTPResponse:
    """The receipt after filing (masked; printable), for the session that filed it."""
    app = await _app_in_session(request, app_id)
    if app is None:
        return redirect("/hall/apply/query", status=303)
    shown = public_terminal(await applicant_detail(app, url_for=_file_url))
    return _page(request, "hall_receipt.html", app=shown)


def _query_page(
    request: Request,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
) -> HTTPResponse:
    return _page(
        request,
        "hall_query.html",
        status=status,
        form=form or {},
        errors=errors or {},
        error=error,
    )


@bp.get("/query")
@openapi.exclude()
async def query(request: Request) -> HTTPResponse:
    """Check an application: receipt number and the last six characters of the ID number."""
    return _query_page(request)


@bp.post("/query")
@openapi.exclude()
async def lookup(request: Request) -> HTTPResponse:
    """Look an application up (CSRF-checked; rate-limited per terminal and per receipt)."""
    form = form_of(request)
    data = {k: (form.get(k) or "").strip()[:32] for k in ("receipt_no", "id_last6")}
    shown_form = {"receipt_no": data["receipt_no"]}  # the ID digits are never echoed back
    if not csrf.csrf_valid(request):
        return _query_page(request, status=403, form=shown_form, error="页面已过期，请重新输入")
    try:
        body = KioskQueryIn.model_validate(data)
    except ValidationError as exc:
        return _query_page(request, status=422, form=shown_form, errors=fields_from_validation(exc))
    settings = get_app_settings()
    fail_key = f"kiosk:fail:{body.receipt_no}"
    try:
        await limits.enforce(
            f"kiosk:query:{client_ip(request) or 'unknown'}",
            limit=settings.kiosk_queries_per_window,
            window=settings.kiosk_query_window_seconds,
            message="查询过于频繁，请稍后再试",
        )
        wait = await limits.blocked(fail_key, limit=settings.query_failures_per_receipt)
        if wait:
            raise RateLimited(
                f"该申请编号输错次数过多，请 {max(1, wait // 60)} 分钟后再试，或到服务窗口查询",
                extra={"retry_after": wait},
            )
    except RateLimited as exc:
        page = _query_page(request, status=429, form=shown_form, error=exc.message)
        return _retry_after(page, exc)
    app = await service.find_by_receipt(receipt_no=body.receipt_no, tail=body.id_last6)
    if app is None:
        await limits.hit(
            fail_key, limit=settings.query_failures_per_receipt, window=settings.query_lock_seconds
        )
        return _query_page(
            request,
            status=404,
            form=shown_form,
            error="没有找到这件申请：请核对申请编号和证件号码后六位",
        )
    response = redirect(f"/hall/apply/status/{app.id}", status=303)
    await _grant(request, response, app.id)
    return response


def _file_url(app: Application, row: Any) -> str:
    return f"/hall/apply/files/{app.id}/{row.id}"


@bp.get("/status/<app_id:int>")
@openapi.exclude()
async def status(request: Request, app_id: int) -> HTTPResponse:
    """The state, the deadline with its calculation, the answer and its letter (masked)."""
    app = await _app_in_session(request, app_id)
    if app is None:
        return redirect("/hall/apply/query", status=303)
    shown = public_terminal(await applicant_detail(app, url_for=_file_url))
    return _page(request, "hall_status.html", app=shown)


@bp.get("/files/<app_id:int>/<file_id:int>")
@openapi.exclude()
async def file(request: Request, app_id: int, file_id: int) -> HTTPResponse:
    """A letter or answer file of the application shown in this session (opens to print)."""
    app = await _app_in_session(request, app_id)
    if app is None:
        return redirect("/hall/apply/query", status=303)
    return file_response(await get_file(app, file_id, published_only=True))


@bp.post("/end")
@openapi.exclude()
async def end(request: Request) -> HTTPResponse:
    """Finish: forget what this terminal session may show, back to the start screen."""
    token = request.cookies.get(COOKIE)
    if token and len(token) <= 64 and csrf.csrf_valid(request):
        await get_redis().delete(_key(token))
    response = redirect("/hall/apply", status=303)
    response.delete_cookie(COOKIE, path="/hall/apply")
    return response
