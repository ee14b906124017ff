"""The console shell's own pages: the county overview ("全县概览") and the static files.

The blueprint also installs, app-wide, the console's security headers (every room's pages).
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, DefaultSanic, Request
from sanic.response import BaseHTTPResponse, HTTPResponse
from sanic_ext import openapi

from gateway import audit
from gateway.auth.decorators import is_console, staff_required
from gateway.auth.permissions import AUDIT_READ, has_permission
from gateway.console import STATIC_DIR, register_nav, render, tiles_for

# Only our own origin may load scripts, styles, images or frame console pages.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


async def _security_headers(request: Request, response: BaseHTTPResponse) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if is_console(request):
        response.headers.setdefault("Content-Security-Policy", CSP)
        # Pages show staff-only data: never keep them in shared or back-button caches.
        response.headers.setdefault("Cache-Control", "no-store")


class _ConsoleBlueprint(Blueprint):
    # Blueprint middleware only sees the blueprint's own routes; the security headers must
    # cover every room's console pages, so they are installed on the app at registration.
    def register(self, app: DefaultSanic, options: dict[str, Any]) -> None:
        super().register(app, options)
        app.register_middleware(_security_headers, "response")


bp = _ConsoleBlueprint("console")
bp.static("/static", str(STATIC_DIR), name="static")

register_nav("全县概览", "/console/", None, order=0)


@bp.get("/console/")
@openapi.exclude()
@staff_required()
async def home(request: Request) -> HTTPResponse:
    """The console home: tiles with the county's figures, and recent staff actions."""
    staff = request.ctx.staff
    recent: list[audit.AuditRecord] = []
    if has_permission(staff, AUDIT_READ):
        recent, _ = await audit.list_records(page=1, per_page=8)
    return render(request, "console/home.html", tiles=await tiles_for(staff), recent=recent)
