"""Query-string and answer shapes of the catalogue API, with field-level messages."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from gateway.openapi import ResponseModel
from mini_program.catalogue.models import Validity

MAX_PAGE = 1000
GET_QUERY_CHARS = 1000
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    page: int = Field(1, ge=1, le=MAX_PAGE, description="页码，从 1 开始（最多 1000）")
    page_size: int = Field(20, ge=1, le=50, description="每页条数，1–50，默认 20")


class DocumentQuery(PageQuery):
    normative: Literal["0", "1", "true", "false"] | None = Field(
        None, description="1 只看规范性文件，0 只看其他"
    )
    issuer: str | None = Field(None, max_length=100, description="发文机关（部分匹配）")
    doc_no: str | None = Field(None, max_length=100, description="文号，如 蒙政办〔2026〕20号")
    title: str | None = Field(None, max_length=100, description="标题（部分匹配）")
    date_from: date | None = Field(None, alias="from", description="发布日期起，YYYY-MM-DD")
    date_to: date | None = Field(None, alias="to", description="发布日期止，YYYY-MM-DD")

    @property
    def normative_flag(self) -> bool | None:
        return None if self.normative is None else self.normative in ("1", "true")

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        # Only YYYY-MM-DD: pydantic would also take "0" (a Unix time) or "20260101".
        if isinstance(value, str) and not ISO_DATE.match(value):
            raise ValueError("应为日期（YYYY-MM-DD）")
        return value

    @field_validator("date_to")
    @classmethod
    def _range(cls, value: date | None, info: ValidationInfo) -> date | None:
        # Named after the field the resident fixes, so the form shows it next to 「截止日期」.
        start = info.data.get("date_from")
        if value and start and start > value:
            raise ValueError("截止日期不能早于起始日期")
        return value


class SearchQuery(PageQuery):
    # Long queries are cut to 100 characters by the search itself, not rejected. In a query
    # string the limit is what any text fits into Sanic's 16 KB request line (four-byte
    # characters percent-encoded are 12 bytes); longer text goes in a POST body.
    q: str = Field(
        ...,
        min_length=1,
        max_length=GET_QUERY_CHARS,
        description=f"搜索词（只取前 100 字；最多 {GET_QUERY_CHARS} 字，更长请用 POST）",
        json_schema_extra={"pattern": r"\S"},
    )
    domain: int | None = Field(None, ge=1, le=2**31 - 1, description="只搜这个领域")

    @field_validator("q")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("请输入要搜索的内容")
        return value


class SearchBody(SearchQuery):
    """The same search in a JSON body, for text too long for a query string."""

    q: str = Field(
        ...,
        min_length=1,
        max_length=20000,
        description="搜索词（只取前 100 字）",
        json_schema_extra={"pattern": r"\S"},
    )


# --- answers -------------------------------------------------------------------------------

Ticks = list[str]


class DomainOut(ResponseModel):
    id: int
    code: str
    name: str
    sort_order: int
    is_local: bool = Field(description="本县增设的领域（不在国家标准目录的 26 个领域中）")
    item_count: int
    views_30d: int = Field(description="近 30 天阅读量")


class DomainList(ResponseModel):
    items: list[DomainOut]


class DomainBrief(ResponseModel):
    id: int
    code: str
    name: str
    is_local: bool


class DomainRef(ResponseModel):
    id: int
    code: str
    name: str


class ItemSummary(ResponseModel):
    id: int
    level1: str = Field(description="一级事项")
    level2: str = Field(description="二级事项")
    subject: str = Field(description="公开主体")
    time_limit: str = Field(description="公开时限")
    audience: Ticks = Field(description="公开对象：全社会、特定群体")
    mode: Ticks = Field(description="公开方式：主动、依申请")
    level: Ticks = Field(description="公开层级：县级、乡级")


class ItemPage(ResponseModel):
    domain: DomainBrief
    items: list[ItemSummary]
    page: int
    page_size: int
    total: int


class DocumentSummary(ResponseModel):
    id: int
    title: str
    doc_no: str | None = Field(description="文号，如 蒙政办〔2026〕12号（非规范性文件可无）")
    issuer: str
    published_on: date | None
    effective_on: date | None
    validity: Validity
    is_normative: bool


class ItemDetail(ItemSummary):
    domain: DomainRef
    content: str = Field(description="公开内容（要素）")
    basis: str = Field(description="公开依据")
    channels: str = Field(description="公开渠道和载体")
    documents: list[DocumentSummary]


class AttachmentOut(ResponseModel):
    name: str
    url: str = Field(description="下载地址（/media/...）")
    size: int = Field(description="bytes")


class InterpretationOut(ResponseModel):
    id: int
    title: str
    body: str
    interpreter: str
    published_on: date | None


class DocumentItem(ResponseModel):
    id: int
    domain_id: int
    level1: str
    level2: str


class DocumentDetail(DocumentSummary):
    written_on: date | None
    body: str
    attachments: list[AttachmentOut]
    interpretations: list[InterpretationOut]
    items: list[DocumentItem] = Field(description="这份文件所依据的公开事项")


class DocumentPage(ResponseModel):
    items: list[DocumentSummary]
    page: int
    page_size: int
    total: int


class SearchHit(ResponseModel):
    # Other domains add kinds of their own (search.register_kind), e.g. qa: published Q&A.
    type: str = Field(
        description="item（事项）、document（文件），或其他领域登记的种类，如 qa（常见问答）"
    )
    id: int
    title: str = Field(description="HTML：匹配的词用 <em> 标出，其余已转义")
    snippet: str = Field(description="HTML：匹配处附近的一段，匹配的词用 <em> 标出")
    domain_ids: list[int]
    doc_no: str | None
    issuer: str | None = Field(None, description="文件的发文机关（事项没有）")


class SearchResults(ResponseModel):
    q: str = Field(description="实际搜索的词（最多 100 字）")
    items: list[SearchHit]
    page: int
    page_size: int
    total: int
