"""Console page of residents' notifications: templates, grants and what was sent."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from gateway.auth import has_permission, staff_required
from gateway.console import register_nav, register_tile, render
from mini_program.notify import service

READ = "notify.read"

bp = Blueprint("notify_console", url_prefix="/console")

register_nav("居民通知", "/console/notifications", READ, order=210)

ERRCODE_HINTS = {
    43101: "居民未授权或授权已用完",
    47003: "模板数据不符合要求",
    41030: "页面路径无效",
    40037: "模板 ID 无效",
}


@register_tile
async def _grants_tile(staff: Any) -> dict[str, Any] | None:
    if not has_permission(staff, READ):
        return None
    rows = await service.statistics()
    return {
        "label": "居民订阅授权（未使用）",
        "value": sum(r["grants_outstanding"] for r in rows),
        "href": "/console/notifications",
    }


@bp.get("/notifications")
@openapi.exclude()
@staff_required(READ)
async def notifications_page(request: Request) -> HTTPResponse:
    """Subscribe templates per purpose, grants outstanding, messages sent and refused."""
    rows = await service.statistics()
    return render(
        request,
        "notify/notifications.html",
        rows=rows,
        refusals=await service.refusals_by_errcode(),
        hints=ERRCODE_HINTS,
    )
