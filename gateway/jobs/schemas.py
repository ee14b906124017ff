"""Query shapes of the jobs API and console page."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from gateway.openapi import ResponseModel
from gateway.paging import ConsolePageQuery, PageQuery


class JobQuery(PageQuery):
    state: Literal["queued", "running", "succeeded", "failed", "dead", ""] = ""
    kind: str = Field("", max_length=100)


class ConsoleJobQuery(JobQuery, ConsolePageQuery):
    """The console's table: the same filters, 50 rows a page."""


class JobOut(ResponseModel):
    id: int
    kind: str = Field(description='"<domain>.<verb>", e.g. catalogue.flush_views')
    state: Literal["queued", "running", "succeeded", "failed", "dead"]
    state_label: str
    payload: dict[str, Any]
    run_at: datetime | None
    attempts: int
    max_attempts: int
    last_error: str | None
    locked_by: str | None
    lease_until: datetime | None
    key: str | None
    result: Any = Field(description="what the handler returned (JSON)")
    progress: int
    progress_message: str
    created_at: datetime | None
    updated_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None


class JobListing(ResponseModel):
    items: list[JobOut]
    total: int
    page: int
    per_page: int
    counts: dict[str, int] = Field(description="jobs per state")
