"""Admin JSON API for background jobs (`/api/v1/admin/jobs`)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from gateway.auth import audit_request, staff_required
from gateway.errors import parse_query
from gateway.jobs import service
from gateway.jobs.schemas import JobListing, JobOut, JobQuery
from gateway.openapi import query, returns

bp = Blueprint("jobs_api")


@bp.get("/api/v1/admin/jobs")
@openapi.tag("jobs")
@query(JobQuery)
@returns(JobListing)
@staff_required("jobs.read")
async def list_jobs(request: Request) -> HTTPResponse:
    """Background jobs, newest first; filter by `state` and `kind`."""
    query = parse_query(request, JobQuery)
    return json(
        await service.listing(
            state=query.state or None,
            kind=query.kind or None,
            page=query.page,
            per_page=query.per_page,
        )
    )


@bp.get("/api/v1/admin/jobs/<job_id:int>")
@openapi.tag("jobs")
@returns(JobOut)
@staff_required("jobs.read")
async def get_job(request: Request, job_id: int) -> HTTPResponse:
    """One background job with its payload, attempts, last error and progress."""
    return json((await service.get_job(job_id=job_id)).to_dict())


@bp.post("/api/v1/admin/jobs/<job_id:int>/retry")
@openapi.tag("jobs")
@returns(JobOut)
@staff_required("jobs.manage")
async def retry_job(request: Request, job_id: int) -> HTTPResponse:
    """Queue a dead or failed job again to run now (409 for any other state)."""
    row = await service.retry_job(job_id=job_id)
    await audit_request(
        request, action="jobs.retry", target_type="job", target_id=job_id, detail={"kind": row.kind}
    )
    return json(row.to_dict())
