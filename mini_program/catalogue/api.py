"""Catalogue API for the mini-program: read-only, no login needed.

Responses are cached per process as encoded JSON (see cache.py) because these are the
hottest reads of the whole service; views are counted in memory (see stats.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from redis.exceptions import RedisError
from sanic import Blueprint, DefaultSanic, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from gateway.config import get_settings
from gateway.errors import parse_body, parse_query
from gateway.openapi import json_body, query, returns
from mini_program.catalogue import cache, search, service, stats, text
from mini_program.catalogue.schemas import (
    DocumentDetail,
    DocumentPage,
    DocumentQuery,
    DomainList,
    ItemDetail,
    ItemPage,
    PageQuery,
    SearchBody,
    SearchQuery,
    SearchResults,
)

log = logging.getLogger("govmatrix.catalogue")

bp = Blueprint("catalogue", url_prefix="/api/v1/mp")

DOMAINS_TTL = 2.0  # ranking refresh: a burst of views shows within seconds
DETAIL_TTL = 300.0
FLUSH_EVERY = 1.0


def _encode(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _raw(body: bytes) -> HTTPResponse:
    return HTTPResponse(body, content_type="application/json")


@bp.get("/domains")
@openapi.tag("mini-program")
@returns(DomainList)
async def domains(request: Request) -> HTTPResponse:
    """All 28 domains with item counts, most viewed in the last 30 days first."""

    async def load() -> bytes:
        return _encode({"items": await service.list_domains()})

    return _raw(await cache.get_or_load("domains", load, ttl=DOMAINS_TTL))


@bp.get("/domains/<domain_id:int>/items")
@openapi.tag("mini-program")
@query(PageQuery)
@returns(ItemPage)
async def domain_items(request: Request, domain_id: int) -> HTTPResponse:
    """One domain's catalogue items, paginated (`page`, `page_size` up to 50)."""
    q = parse_query(request, PageQuery)

    async def load() -> bytes:
        page = await service.list_items(domain_id=domain_id, page=q.page, page_size=q.page_size)
        return _encode(page)

    body = await cache.get_or_load(("items", domain_id, q.page, q.page_size), load, ttl=DETAIL_TTL)
    stats.record_view((domain_id,))
    return _raw(body)


@bp.get("/items/<item_id:int>")
@openapi.tag("mini-program")
@returns(ItemDetail)
async def item_detail(request: Request, item_id: int) -> HTTPResponse:
    """One catalogue item: every standard column and the documents published under it."""

    async def load() -> tuple[bytes, int]:
        item = await service.get_item(item_id=item_id)
        return _encode(item), item["domain"]["id"]

    body, domain_id = await cache.get_or_load(("item", item_id), load, ttl=DETAIL_TTL)
    stats.record_view((domain_id,))
    return _raw(body)


@bp.get("/documents/<document_id:int>")
@openapi.tag("mini-program")
@returns(DocumentDetail)
async def document_detail(request: Request, document_id: int) -> HTTPResponse:
    """One policy document: 文号, issuer, dates, validity, body, attachments, interpretations."""

    async def load() -> tuple[bytes, list[int]]:
        doc = await service.get_document(document_id=document_id)
        return _encode(doc), sorted({i["domain_id"] for i in doc["items"]})

    body, domain_ids = await cache.get_or_load(("doc", document_id), load, ttl=DETAIL_TTL)
    stats.record_view(domain_ids)
    return _raw(body)


@bp.get("/documents")
@openapi.tag("mini-program")
@query(DocumentQuery)
@returns(DocumentPage)
async def documents(request: Request) -> HTTPResponse:
    """Query documents by `normative`, `issuer`, `doc_no`, `title`, `from`/`to` dates."""
    q = parse_query(request, DocumentQuery)
    key = ("docs", q.model_dump_json())

    async def load() -> bytes:
        return _encode(
            await service.list_documents(
                normative=q.normative_flag,
                issuer=q.issuer,
                doc_no=q.doc_no,
                title=q.title,
                date_from=q.date_from,
                date_to=q.date_to,
                page=q.page,
                page_size=q.page_size,
            )
        )

    return _raw(await cache.get_or_load(key, load, ttl=get_settings().search_cache_seconds))


@bp.get("/search")
@openapi.tag("mini-program")
@query(SearchQuery)
@returns(SearchResults)
async def search_view(request: Request) -> HTTPResponse:
    """Chinese full-text search over items and documents (`q`, `domain`, `page`)."""
    return await _search(parse_query(request, SearchQuery))


@bp.post("/search")
@openapi.tag("mini-program")
@json_body(SearchBody)
@returns(SearchResults)
async def search_post(request: Request) -> HTTPResponse:
    """The same search with `{"q", "domain", "page"}` in a JSON body, for long queries."""
    return await _search(parse_body(request, SearchBody))


async def _search(q: SearchQuery) -> HTTPResponse:
    query_text = q.q.strip()[: text.MAX_QUERY_CHARS]

    async def load() -> bytes:
        return _encode(
            await search.search(
                q=query_text, domain_id=q.domain, page=q.page, page_size=q.page_size
            )
        )

    key = ("search", query_text, q.domain, q.page, q.page_size)
    return _raw(await cache.get_or_load(key, load, ttl=get_settings().search_cache_seconds))


async def _flush_loop() -> None:
    # Counts go to Redis every second; the periodic job catalogue.flush_views persists them.
    while True:
        await asyncio.sleep(FLUSH_EVERY)
        try:
            await stats.flush_buffer()
        except RedisError as exc:
            # Counts stay buffered in memory until Redis answers again; one line, no traceback.
            log.warning("flushing catalogue view counts: Redis unavailable (%s)", exc)
        except Exception:
            log.exception("flushing catalogue view counts failed")


@bp.before_server_start
async def _load_dictionary(app: DefaultSanic) -> None:
    # jieba's dictionary loads once per process, before the first request.
    await asyncio.get_running_loop().run_in_executor(None, text.load)


@bp.after_server_start
async def _start_flusher(app: DefaultSanic) -> None:
    app.ctx.catalogue_flusher = asyncio.create_task(_flush_loop())


@bp.before_server_stop
async def _stop_flusher(app: DefaultSanic) -> None:
    task = getattr(app.ctx, "catalogue_flusher", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    with contextlib.suppress(Exception):
        await stats.flush_buffer()
