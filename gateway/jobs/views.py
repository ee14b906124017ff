"""Admin API and console page for background jobs ("后台任务")."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, redirect

from gateway.auth import audit_request, has_permission, staff_required
from gateway.console import register_nav, register_tile, render
from gateway.errors import parse_query
from gateway.jobs import service
from gateway.jobs.models import STATE_LABELS, JobState
from gateway.paging import ConsolePageQuery, PageQuery, page_answer

bp = Blueprint("jobs")

READ = "jobs.read"
MANAGE = "jobs.manage"
register_nav("后台任务", "/console/jobs", READ, order=800)


class JobQuery(PageQuery):
    state: Literal["queued", "running", "succeeded", "failed", "dead", ""] = ""
    kind: str = Field("", max_length=100)


class ConsoleJobQuery(JobQuery, ConsolePageQuery):
    pass


async def _listing(query: JobQuery) -> dict[str, Any]:
    rows, total = await service.list_jobs(
        state=query.state or None,
        kind=query.kind or None,
        page=query.page,
        per_page=query.per_page,
    )
    return page_answer(
        [row.to_dict() for row in rows],
        total=total,
        page=query.page,
        per_page=query.per_page,
        counts=await service.count_by_state(),
    )


@bp.get("/api/v1/admin/jobs")
@staff_required(READ)
async def list_jobs(request: Request) -> HTTPResponse:
    """Background jobs, newest first; filter by `state` and `kind`."""
    return json(await _listing(parse_query(request, JobQuery)))


@bp.get("/api/v1/admin/jobs/<job_id:int>")
@staff_required(READ)
async def get_job(request: Request, job_id: int) -> HTTPResponse:
    """One background job with its payload, attempts, last error and progress."""
    return json((await service.get_job(job_id=job_id)).to_dict())


@bp.post("/api/v1/admin/jobs/<job_id:int>/retry")
@staff_required(MANAGE)
async def retry_job(request: Request, job_id: int) -> HTTPResponse:
    """Queue a dead or failed job again to run now (409 for any other state)."""
    row = await service.retry_job(job_id=job_id)
    await audit_request(
        request, action="jobs.retry", target_type="job", target_id=job_id, detail={"kind": row.kind}
    )
    return json(row.to_dict())


@bp.get("/console/jobs")
@staff_required(READ)
async def jobs_page(request: Request) -> HTTPResponse:
    """Console page of background jobs, filtered by state and kind (htmx table refresh)."""
    query = parse_query(request, ConsoleJobQuery)
    listing = await _listing(query)
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
