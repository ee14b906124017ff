"""Shapes of opinion calls, comments and adoption decisions, with Chinese field messages."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mini_program.consultations import text as rules
from mini_program.consultations.opinions.models import Adoption
from mini_program.consultations.schemas import Department, PageQuery, Strict

MAX_COMMENT_CHARS = 1000
MAX_BODY_CHARS = 50000


class CallBody(Strict):
    title: str = Field(..., max_length=500)
    summary: str = Field("", max_length=2000)
    body: str = Field(..., max_length=200000)
    department_code: Department = None
    opens_on: date
    closes_on: date

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return rules.plain_text(value, max_chars=120, what="标题")

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        return rules.clean(value)[:500]

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        return rules.plain_text(value, max_chars=MAX_BODY_CHARS, what="草案正文")

    @model_validator(mode="after")
    def _dates(self) -> CallBody:
        if self.closes_on < self.opens_on:
            raise ValueError("截止日期不能早于开始日期")
        return self


class CommentBody(Strict):
    text: str = Field(..., max_length=20000)
    client_key: str = Field(..., min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_\-:.]+$")

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return rules.question_text(value, min_chars=5, max_chars=MAX_COMMENT_CHARS)


class ModerationBody(Strict):
    approve: bool


class AdoptionBody(Strict):
    adoption: Adoption
    reason: str = Field("", max_length=4000)

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        return rules.clean(value)[:1000]

    @model_validator(mode="after")
    def _why(self) -> AdoptionBody:
        if self.adoption != Adoption.ADOPTED and not self.reason:
            raise ValueError("部分采纳或未采纳时请写明理由")
        return self


class SummaryBody(Strict):
    summary: str = Field(..., max_length=20000)

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        return rules.plain_text(value, max_chars=5000, what="采纳情况说明")


class CallQuery(PageQuery):
    state: str | None = Field(None, pattern="^(open|closed|upcoming)$")


class CommentQuery(PageQuery):
    state: str | None = Field(None, pattern="^(pending|approved|hidden)$")


# --- answers ---------------------------------------------------------------------------------


class AttachmentOut(BaseModel):
    id: int
    filename: str
    url: str
    size: int


class AdoptionCounts(BaseModel):
    adopted: int
    partly: int
    not_adopted: int


class CommentOut(BaseModel):
    id: int
    text: str
    created_at: str | None
    adoption: str | None
    adoption_label: str | None
    adoption_reason: str | None


class CallSummaryOut(BaseModel):
    id: int
    title: str
    summary: str
    department: dict[str, str] | None
    opens_on: str
    closes_on: str
    state: str
    state_label: str
    comment_count: int


class CallOut(CallSummaryOut):
    model_config = ConfigDict(extra="allow")
    body: str
    attachments: list[AttachmentOut]
    adoption_summary: str | None
    adoption_counts: AdoptionCounts | None
    not_adopted: list[CommentOut]
    can_comment: bool


class CallPage(BaseModel):
    items: list[CallSummaryOut]
    total: int
    page: int
    per_page: int


class CommentPage(BaseModel):
    items: list[CommentOut]
    total: int
    page: int
    per_page: int
