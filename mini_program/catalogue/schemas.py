"""Query-string shapes of the catalogue API, with field-level messages."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

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

    @field_validator("date_to")
    @classmethod
    def _range(cls, value: date | None, info: ValidationInfo) -> date | None:
        # Named after the field the resident fixes, so the form shows it next to 「截止日期」.
        start = info.data.get("date_from")
        if value and start and start > value:
            raise ValueError("截止日期不能早于起始日期")
        return value


class SearchQuery(PageQuery):
    # Long queries are cut to 100 characters by the search itself, not rejected.
    q: str = Field(..., min_length=1, max_length=20000)
    domain: int | None = Field(None, ge=1, le=2**31 - 1)

    @field_validator("q")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("请输入要搜索的内容")
        return value
