"""Query-string shapes of the catalogue API, with field-level messages."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_PAGE = 1000


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(20, ge=1, le=50)


class DocumentQuery(PageQuery):
    normative: Literal["0", "1", "true", "false"] | None = None
    issuer: str | None = Field(None, max_length=100)
    doc_no: str | None = Field(None, max_length=100)
    title: str | None = Field(None, max_length=100)
    date_from: date | None = Field(None, alias="from")
    date_to: date | None = Field(None, alias="to")

    @property
    def normative_flag(self) -> bool | None:
        return None if self.normative is None else self.normative in ("1", "true")

    @model_validator(mode="after")
    def _range(self) -> DocumentQuery:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("起始日期不能晚于截止日期")
        return self


class SearchQuery(PageQuery):
    # Long queries are cut to 100 characters by the search itself, not rejected.
    q: str = Field(..., min_length=1, max_length=20000)
    domain: int | None = Field(None, ge=1, le=2**31 - 1)

    @model_validator(mode="after")
    def _not_blank(self) -> SearchQuery:
        if not self.q.strip():
            raise ValueError("请输入要搜索的内容")
        return self
