"""Console page of the catalogue: what the county publishes and what residents read most."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from gateway.auth import has_permission, staff_required
from gateway.console import register_nav, register_tile, render
from gateway.console.charts import bar_chart
from mini_program.catalogue import service

READ = "catalogue.read"

bp = Blueprint("catalogue_console", url_prefix="/console")

register_nav("公开目录", "/console/catalogue", READ, order=200)


@register_tile
async def _catalogue_tile(staff: Any) -> dict[str, Any] | None:
    if not has_permission(staff, READ):
        return None
    domains = await service.list_domains()
    items = sum(d["item_count"] for d in domains)
    return {
        "label": f"公开目录：{len(domains)} 个领域的事项",
        "value": items,
        "href": "/console/catalogue",
    }


@bp.get("/catalogue")
@openapi.exclude()
@staff_required(READ)
async def catalogue_page(request: Request) -> HTTPResponse:
    """The 28 domains with item counts and their 30-day readership, most read first."""
    domains = await service.list_domains()
    chart = bar_chart(
        [(d["name"], d["views_30d"]) for d in domains[:15]],
        label="近 30 天阅读量最高的领域",
    )
    documents = await service.list_documents(page=1, page_size=1)
    return render(
        request,
        "catalogue/overview.html",
        domains=domains,
        chart=Markup(chart),
        item_total=sum(d["item_count"] for d in domains),
        view_total=sum(d["views_30d"] for d in domains),
        document_total=documents["total"],
    )
