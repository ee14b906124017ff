"""Shapes of opinion calls, comments and adoption decisions, with Chinese field messages."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from gateway.openapi import ResponseModel
from gateway.paging import PageQuery
from mini_program.consultations import text as rules
from mini_program.consultations.opinions.models import Adoption
from mini_program.consultations.schemas import Department, DepartmentRef, IsoDate, Strict

MAX_COMMENT_CHARS = 1000
MAX_BODY_CHARS = 50000


class CallBody(Strict):
    title: str = Field(..., max_length=500)
    summary: str = Field("", max_length=2000)
    body: str = Field(..., max_length=200000)
    department_code: Department = None
    opens_on: IsoDate
    closes_on: IsoDate

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


# --- answers (documented with @returns) ------------------------------------------------------


class AttachmentOut(ResponseModel):
    id: int
    filename: str
    url: str
    size: int


class AdoptionCounts(ResponseModel):
    adopted: int
    partly: int
    not_adopted: int


class CommentOut(ResponseModel):
    id: int
    text: str
    created_at: str | None
    adoption: str | None
    adoption_label: str | None
    adoption_reason: str | None


class MyCommentOut(CommentOut):
    state: str = Field(..., description="pending（审核中）/ approved（已公开）/ hidden（未公开）")
    state_label: str


class StaffCommentOut(MyCommentOut):
    flagged: list[str] = Field(..., description="评论中含有的敏感词（提示审核人员）")
    moderated_by: str | None


class CallSummaryOut(ResponseModel):
    id: int
    title: str
    summary: str
    department: DepartmentRef | None
    opens_on: str
    closes_on: str
    state: str = Field(..., description="draft / upcoming / open / closed / summarised")
    state_label: str
    comment_count: int = Field(
        ..., description="居民看到的是已公开的评论数；工作人员看到的是收到的全部"
    )
    counts: dict[str, int] | None = Field(None, description="按审核状态计数（仅工作人员）")


class CallOut(CallSummaryOut):
    body: str
    attachments: list[AttachmentOut]
    adoption_summary: str | None
    adoption_counts: AdoptionCounts | None
    not_adopted: list[CommentOut]
    can_comment: bool
    received_count: int | None = Field(None, description="收到的评论总数（含未公开的）")


class CallAnswer(ResponseModel):
    call: CallOut


class CallPage(ResponseModel):
    items: list[CallSummaryOut]
    total: int
    page: int
    per_page: int


class CommentPage(ResponseModel):
    items: list[CommentOut]
    total: int
    page: int
    per_page: int


class StaffCommentPage(ResponseModel):
    items: list[StaffCommentOut]
    total: int
    page: int
    per_page: int


class CommentCreated(ResponseModel):
    comment: MyCommentOut
    created: bool = Field(..., description="false：同一提交编号已提交过，返回原来的评论")


class MyComments(ResponseModel):
    items: list[MyCommentOut]


class StaffCommentAnswer(ResponseModel):
    comment: StaffCommentOut
