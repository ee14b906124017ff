"""Query shapes of the jobs API and console page."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class JobQuery(BaseModel):
    state: Literal["queued", "running", "succeeded", "failed", "dead", ""] = ""
    kind: str = Field("", max_length=100)
    page: int = Field(1, ge=1, le=100_000)
