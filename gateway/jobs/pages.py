"""Console page of background jobs ("后台任务"), with the home page's tile."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect
from sanic_ext import openapi

from gateway.auth import audit_request, has_permission, staff_required
from gateway.console import register_nav, register_tile, render
from gateway.errors import parse_query
from gateway.jobs import service
from gateway.jobs.models import STATE_LABELS, JobState
from gateway.jobs.schemas import ConsoleJobQuery

bp = Blueprint("jobs_console")

READ = "jobs.read"
MANAGE = "jobs.manage"

register_nav("后台任务", "/console/jobs", READ, order=800)


@bp.get("/console/jobs")
@openapi.exclude()
@staff_required(READ)
async def jobs_page(request: Request) -> HTTPResponse:
    """Console page of background jobs, filtered by state and kind (htmx table refresh)."""
    query = parse_query(request, ConsoleJobQuery)
    listing = await service.listing(
        state=query.state or None, kind=query.kind or None, page=query.page, per_page=query.per_page
    )
    template = "jobs/jobs_table.html" if request.headers.get("HX-Request") else "jobs/jobs.html"
    return render(
        request,
        template,
        query=query,
        states=[(str(s), STATE_LABELS[s]) for s in JobState],
        can_manage=has_permission(request.ctx.staff, MANAGE),
        **listing,
    )


@bp.post("/console/jobs/<job_id:int>/retry")
@openapi.exclude()
@staff_required(MANAGE)
async def retry_from_console(request: Request, job_id: int) -> HTTPResponse:
    """Retry a dead or failed job from the console (audited), then back to the jobs page."""
    row = await service.retry_job(job_id=job_id)
    await audit_request(
        request, action="jobs.retry", target_type="job", target_id=job_id, detail={"kind": row.kind}
    )
    # Back to the same filtered list, never to another site.
    back = urlsplit(request.headers.get("Referer", ""))
    target = "/console/jobs" + (f"?{back.query}" if back.path == "/console/jobs" else "")
    return redirect(target, status=303)


@register_tile
async def _dead_jobs_tile(staff: Any) -> dict[str, Any] | None:
    if not has_permission(staff, READ):
        return None
    counts = await service.count_by_state()
    return {
        "label": "已放弃的后台任务",
        "value": counts["dead"],
        "href": "/console/jobs?state=dead",
    }
