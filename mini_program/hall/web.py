"""Public HTML: `/q/{code}` (the scanned address), the plain mobile pages `/m/...` and the
kiosk `/hall` of the query terminals. Both page sets show the catalogue, the normative-document
query and open days from those domains' services, in two layouts.
"""

from __future__ import annotations

import base64
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sanic import Blueprint, DefaultSanic, Request
from sanic.response import HTTPResponse, html
from sanic_ext import openapi

from gateway.auth.decorators import client_ip
from gateway.config import get_settings
from gateway.console import render_fragment
from gateway.errors import ErrorBody, NotFound, route_max_length
from gateway.openapi import inline_schema
from mini_program.catalogue import search as catalogue_search
from mini_program.catalogue import service as catalogue
from mini_program.hall import images, posters, recorder, service
from mini_program.hall.models import Channel
from mini_program.hall.schemas import CODE_MAX_LENGTH
from mini_program.open_days import service as open_days

STATIC_DIR = Path(__file__).resolve().parent / "static"
IDLE_SECONDS = 120  # the kiosk returns to its start screen after two idle minutes

bp = Blueprint("hall_web")
bp.static("/static/hall", str(STATIC_DIR), name="hall_static")

# Public pages load only our own files; `data:` for the inline QR images of the kiosk. Set by
# page() rather than by a middleware, which every scan's redirect would pay for too.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


# Sanic's access log (on with `serve --dev`) writes the client's address and the request line.
# Scans must leave no address in any log, so for these paths the address is blanked.
# Residents' requests (the mini-program's API included) are logged without their address too.
_PRIVATE_PATHS = re.compile(r"^[A-Z]+ (?:[a-z]+://[^/]+)?/(?:q/|m/|hall|api/v1/mp/)")


class _NoScanAddresses(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _PRIVATE_PATHS.match(str(getattr(record, "request", ""))):
            record.host = "-"
        return True


_ACCESS_FILTER = _NoScanAddresses()


@bp.before_server_start
async def _start(app: DefaultSanic) -> None:
    access = logging.getLogger("sanic.access")
    if _ACCESS_FILTER not in access.filters:
        access.addFilter(_ACCESS_FILTER)
    recorder.writer.start()


@bp.before_server_stop
async def _stop(app: DefaultSanic) -> None:
    # Before the database closes (after_server_stop): buffered scans are written, not lost.
    await recorder.writer.stop()


def asset(name: str) -> str:
    """URL of one of the hall's static files, versioned by its modification time."""
    try:
        version = int((STATIC_DIR / name).stat().st_mtime)
    except OSError:
        return f"/static/hall/{name}"
    return f"/static/hall/{name}?v={version}"


def page(template: str, *, status: int = 200, **context: Any) -> HTTPResponse:
    body = render_fragment(f"hall/{template}", asset=asset, hall=posters.hall_info(), **context)
    return html(body, status=status, headers=PAGE_HEADERS)


def missing(layout: str, message: str) -> HTTPResponse:
    """The friendly page for anything not found: what happened and whom to ask."""
    return page(f"{layout}_missing.html", status=404, message=message)


# --- /q/{code} -------------------------------------------------------------------------------

_MISSING = {"text/html": {"type": "string"}, "application/json": inline_schema(ErrorBody)}


@bp.get("/q/<code:str>")
@route_max_length(code=CODE_MAX_LENGTH)
@openapi.tag("hall")
@openapi.response(302, None, "微信内跳转小程序；其他浏览器跳转本站手机页面")
# Longer than any code: the one error shape, like every route (no scanner holds one).
@openapi.response(404, _MISSING, "二维码不存在或已停用：中文说明页（带服务台电话）")
async def scan(request: Request, code: str) -> HTTPResponse:
    """A scanned spot: counted, then sent on with 302 (never 301: a cached redirect is lost)."""
    found = await service.resolve(code)
    if found is None or not found.enabled:
        message = "这个二维码已停用。" if found is not None else "没有找到这个二维码。"
        return missing("m", message)
    user_agent = request.headers.get("User-Agent", "")
    wechat = recorder.in_wechat(user_agent)
    await recorder.record(
        spot_id=found.spot_id,
        channel=Channel.WECHAT if wechat else Channel.BROWSER,
        address=client_ip(request),
        user_agent=user_agent,
        purpose=request.headers.get("Sec-Purpose", "") or request.headers.get("Purpose", ""),
    )
    location = found.wechat_location if wechat else found.web_location
    return HTTPResponse(
        status=302, headers={"Location": location, "Cache-Control": "no-store, private"}
    )


# --- what both page sets read ----------------------------------------------------------------


class DocumentFilter(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str | None = Field(None, max_length=100)
    issuer: str | None = Field(None, max_length=100)
    doc_no: str | None = Field(None, max_length=100)
    page: int = Field(1, ge=1, le=1000)


class SearchFilter(BaseModel):
    model_config = ConfigDict(extra="ignore")

    q: str = Field("", max_length=100)
    page: int = Field(1, ge=1, le=1000)


class PageFilter(BaseModel):
    model_config = ConfigDict(extra="ignore")

    page: int = Field(1, ge=1, le=1000)


def _args(request: Request, schema: type[BaseModel]) -> Any:
    # Bad values in a page's address fall back to the defaults: these are pages, not an API.
    data = {k: v[0] for k, v in request.args.items() if v}
    try:
        return schema.model_validate(data)
    except ValidationError:
        return schema.model_validate({})


async def _domain_page(domain_id: int, page_no: int, page_size: int) -> dict[str, Any]:
    listing = await catalogue.list_items(domain_id=domain_id, page=page_no, page_size=page_size)
    pages = max(1, -(-listing["total"] // page_size))
    return {**listing, "pages": pages}


async def _documents(query: DocumentFilter, page_size: int) -> dict[str, Any]:
    found = await catalogue.list_documents(
        normative=True,
        title=query.title,
        issuer=query.issuer,
        doc_no=query.doc_no,
        page=query.page,
        page_size=page_size,
    )
    return {**found, "pages": max(1, -(-found["total"] // page_size))}


async def _search(query: SearchFilter, page_size: int) -> dict[str, Any] | None:
    if not query.q.strip():
        return None
    found = await catalogue_search.search(
        q=query.q.strip(), domain_id=None, page=query.page, page_size=page_size
    )
    for hit in found["items"]:
        # The search escapes the text and marks matches with <em>: safe to show as markup.
        hit["title_html"] = Markup(hit["title"])
        hit["snippet_html"] = Markup(hit["snippet"])
    return {**found, "pages": max(1, -(-found["total"] // page_size))}


@lru_cache(maxsize=4096)
def phone_qr(path: str) -> str:
    """An inline SVG data URI of the QR for a mobile page (WeChat opens the mini-program)."""
    url = get_settings().public_base_url.rstrip("/") + path
    svg = images.render_svg(url, size=220, margin=2, level="M", logo=False)
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


# --- the mobile pages (/m/...) ----------------------------------------------------------------


@bp.get("/m/")
@openapi.exclude()
async def m_home(request: Request) -> HTTPResponse:
    """The mobile start page: search, shortcuts and the 28 domains."""
    domains = await catalogue.list_domains()
    return page("m_home.html", domains=domains)


@bp.get("/m/domains/<domain_id:int>")
@openapi.exclude()
async def m_domain(request: Request, domain_id: int) -> HTTPResponse:
    """A domain's items, 20 a page."""
    query = _args(request, PageFilter)
    try:
        listing = await _domain_page(domain_id, query.page, 20)
    except NotFound:
        return missing("m", "没有这个公开领域。")
    return page("m_domain.html", listing=listing)


@bp.get("/m/items/<item_id:int>")
@openapi.exclude()
async def m_item(request: Request, item_id: int) -> HTTPResponse:
    """One catalogue item with its standard columns and documents."""
    try:
        item = await catalogue.get_item(item_id=item_id)
    except NotFound:
        return missing("m", "没有这个公开事项。")
    return page("m_item.html", item=item)


@bp.get("/m/documents/<document_id:int>")
@openapi.exclude()
async def m_document(request: Request, document_id: int) -> HTTPResponse:
    """One policy document."""
    try:
        document = await catalogue.get_document(document_id=document_id)
    except NotFound:
        return missing("m", "没有这个文件。")
    return page("m_document.html", document=document)


@bp.get("/m/search")
@openapi.exclude()
async def m_search(request: Request) -> HTTPResponse:
    """Search results with matches highlighted."""
    query = _args(request, SearchFilter)
    return page("m_search.html", query=query, found=await _search(query, 20))


@bp.get("/m/normative")
@openapi.exclude()
async def m_normative(request: Request) -> HTTPResponse:
    """The normative-document query."""
    query = _args(request, DocumentFilter)
    return page("m_normative.html", query=query, found=await _documents(query, 20))


@bp.get("/m/open-days")
@openapi.exclude()
async def m_open_days(request: Request) -> HTTPResponse:
    """Open days from today on."""
    return page("m_open_days.html", events=await open_days.list_public())


@bp.get("/m/open-days/<event_id:int>")
@openapi.exclude()
async def m_open_day(request: Request, event_id: int) -> HTTPResponse:
    """One open day and how to register in the mini-program."""
    try:
        event = await open_days.get_public(event_id=event_id)
    except NotFound:
        return missing("m", "没有这场开放日活动。")
    return page("m_open_day.html", event=event)


@bp.get("/m/ask")
@openapi.exclude()
async def m_ask(request: Request) -> HTTPResponse:
    """How to ask the county outside WeChat (help desk, 12345); asking online needs the
    mini-program's WeChat login."""
    return page("m_ask.html")


# --- the kiosk (/hall) ------------------------------------------------------------------------

KIOSK_PAGE_SIZE = 8


def kiosk(template: str, **context: Any) -> HTTPResponse:
    return page(f"kiosk_{template}", idle_seconds=IDLE_SECONDS, **context)


@bp.get("/hall")
@openapi.exclude()
async def kiosk_home(request: Request) -> HTTPResponse:
    """The query terminal's start screen: search, the 28 domains, normative documents."""
    domains = await catalogue.list_domains()
    return kiosk("home.html", domains=domains)


@bp.get("/hall/domains/<domain_id:int>")
@openapi.exclude()
async def kiosk_domain(request: Request, domain_id: int) -> HTTPResponse:
    """A domain's items on the terminal, with the phone hand-over QR."""
    query = _args(request, PageFilter)
    try:
        listing = await _domain_page(domain_id, query.page, KIOSK_PAGE_SIZE)
    except NotFound:
        return missing("kiosk", "没有这个公开领域。")
    return kiosk("domain.html", listing=listing, phone=phone_qr(f"/m/domains/{domain_id}"))


@bp.get("/hall/items/<item_id:int>")
@openapi.exclude()
async def kiosk_item(request: Request, item_id: int) -> HTTPResponse:
    """One item on the terminal, with the phone hand-over QR."""
    try:
        item = await catalogue.get_item(item_id=item_id)
    except NotFound:
        return missing("kiosk", "没有这个公开事项。")
    return kiosk("item.html", item=item, phone=phone_qr(f"/m/items/{item_id}"))


@bp.get("/hall/documents/<document_id:int>")
@openapi.exclude()
async def kiosk_document(request: Request, document_id: int) -> HTTPResponse:
    """One document on the terminal, with the phone hand-over QR."""
    try:
        document = await catalogue.get_document(document_id=document_id)
    except NotFound:
        return missing("kiosk", "没有这个文件。")
    return kiosk("document.html", document=document, phone=phone_qr(f"/m/documents/{document_id}"))


@bp.get("/hall/search")
@openapi.exclude()
async def kiosk_search(request: Request) -> HTTPResponse:
    """Search on the terminal."""
    query = _args(request, SearchFilter)
    found = await _search(query, KIOSK_PAGE_SIZE)
    return kiosk("search.html", query=query, found=found)


@bp.get("/hall/normative")
@openapi.exclude()
async def kiosk_normative(request: Request) -> HTTPResponse:
    """The normative-document query on the terminal."""
    query = _args(request, DocumentFilter)
    found = await _documents(query, KIOSK_PAGE_SIZE)
    return kiosk("normative.html", query=query, found=found, phone=phone_qr("/m/normative"))


@bp.get("/hall/open-days")
@openapi.exclude()
async def kiosk_open_days(request: Request) -> HTTPResponse:
    """Open days on the terminal, each with a QR to register on the phone."""
    events = await open_days.list_public()
    for event in events:
        event["phone"] = phone_qr(f"/m/open-days/{event['id']}")
    return kiosk("open_days.html", events=events)
