"""The village staff's phone page `/village`, its service worker and static files.

The page works without signal once opened: a service worker keeps the page and the last list,
and the page keeps downloaded audio in Cache Storage and queues play confirmations until the
phone is back online. It carries the console's security headers (no inline script or style).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from sanic import Blueprint, Request
from sanic.response import BaseHTTPResponse, HTTPResponse, file, redirect
from sanic_ext import openapi

from broadcast.service import org, villages
from gateway.auth import has_permission, load_staff, village_scope
from gateway.console import render
from gateway.errors import NotFound

STATIC = Path(__file__).resolve().parent / "static"
# The console's policy (gateway/console/views.py): our own origin only, no inline code.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; font-src 'self'; connect-src 'self'; worker-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

bp = Blueprint("broadcast_village_pages", url_prefix="/village")


@bp.on_response
async def _headers(request: Request, response: BaseHTTPResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")


@bp.get("")
@openapi.exclude()
async def village_page(request: Request) -> HTTPResponse:
    """The village staff's page: today's scripts, download, play, confirm (works offline)."""
    staff = await load_staff(request)
    if staff is None:
        return redirect(f"/console/login?next={quote('/village')}", status=302)
    if not has_permission(staff, "broadcast.download"):
        return render(
            request, "console/forbidden.html", message="只有村级工作人员可以使用此页面", status=403
        )
    scope = village_scope(staff)
    village = None
    choices: list[dict[str, str]] = []
    chosen = scope or (request.args.get("village") or "").strip()[:32]
    if chosen:
        try:
            village = await villages.village_of(chosen)
        except NotFound:  # an unknown code typed into ?village= just shows the picker
            village = None
    if scope is None:
        county = await org.county()
        choices = [
            {"code": v["code"], "name": f"{t['name']} {v['name']}"}
            for t in county.towns
            for v in t["villages"]
        ]
    response = render(
        request,
        "broadcast/village.html",
        village=village,
        choices=choices,
        bound=scope is not None,
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
@openapi.exclude()
async def service_worker(request: Request) -> HTTPResponse:
    """The page's service worker, allowed to control /village (it lives under it)."""
    return await file(
        STATIC / "village-sw.js",
        mime_type="text/javascript",
        headers={"Service-Worker-Allowed": "/village", "Cache-Control": "no-cache"},
    )


bp.static("/static", str(STATIC), name="static")
