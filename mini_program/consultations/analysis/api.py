"""The analysis as JSON (`GET /api/v1/admin/analysis`), for the county's other systems."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from gateway.auth import staff_required
from gateway.openapi import query, returns
from mini_program.consultations.analysis import service
from mini_program.consultations.analysis.schemas import AnalysisOut, AnalysisQuery, AnalysisQueryDoc
from mini_program.consultations.api import actor_of

bp = Blueprint("analysis_api", url_prefix="/api/v1/admin")


@bp.get("/analysis")
@openapi.tag("consultations")
@query(AnalysisQueryDoc)
@returns(AnalysisOut)
@staff_required("analysis.read")
async def analysis(request: Request) -> HTTPResponse:
    """Hot words, rising topics, per topic and department, reply times, message length."""
    _, result = await run(request)
    return json(result)


async def run(
    request: Request, query: AnalysisQuery | None = None
) -> tuple[AnalysisQuery, dict[str, Any]]:
    """The analysis the signed-in staff member asked for (department staff: their own)."""
    q = query or AnalysisQuery.from_request(request)
    scope = actor_of(request).department_scope
    result = await service.analyse(
        date_from=q.date_from,
        date_to=q.date_to,
        channels=q.channels,
        department=scope if scope is not None else q.department,
    )
    return q, result
