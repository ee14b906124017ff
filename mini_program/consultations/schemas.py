"""Request and response shapes of the consultation queue, with Chinese field messages.

Field rules live here (validators); services receive values that already passed them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from gateway.openapi import ResponseModel
from gateway.paging import PageQuery
from mini_program.consultations import text as rules
from mini_program.consultations.models import Channel, Kind, Rating, RequestState, Status

MAX_ANSWER_CHARS = 4000
MAX_REASON_CHARS = 500
CODE = re.compile(r"[a-z0-9_]{1,32}")
_CLIENT_KEY = re.compile(r"[A-Za-z0-9_\-:.]{8,64}")
_PHOTO_ID = re.compile(r"[0-9a-f]{32}")

DomainId = Annotated[int, Field(ge=0, le=2**31 - 1)]
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    # Only YYYY-MM-DD: pydantic would also take "0" (a Unix time) or "20260101".
    if isinstance(value, str):
        if not _ISO_DATE.fullmatch(value):
            raise ValueError("应为日期（YYYY-MM-DD）")
        # Parsed here: strict validation takes no text for a date once a validator ran.
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("应为日期（YYYY-MM-DD）") from exc
    return value


# A date as query strings and bodies give it: YYYY-MM-DD and nothing else.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def _phone(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return rules.phone_number(value)


# A topic: a catalogue domain's id, or none (null or 0) for 其他.
Topic = Annotated[DomainId | None, AfterValidator(lambda value: value or None)]


def _department(value: str | None) -> str | None:
    if value and not CODE.fullmatch(value):
        raise ValueError("没有这个部门")
    return value or None


# A department's code (gateway.org); whether it exists is the service's check.
Department = Annotated[str | None, Field(max_length=32), AfterValidator(_department)]
# An optional phone number, kept as digits only.
Phone = Annotated[str | None, Field(max_length=40), AfterValidator(_phone)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class SubmitBody(Strict):
    """我要咨询: what the mini-program sends."""

    domain_id: Topic = Field(None, description="公开领域 id；不填或 0 为“其他”")
    kind: Kind = Field(Kind.ENQUIRY, description="咨询 / 求助 / 建议 / 投诉")
    text: str = Field(..., max_length=20000, description="问题内容，10–2000 字")
    photos: list[str] = Field(default_factory=list, max_length=6, description="照片 id（先上传）")
    phone: Phone = Field(None, description="联系电话（加密保存，显示时打码）")
    private: bool = Field(False, description="不公开：答复不会作为常见问答发布")
    client_key: str = Field(..., description="客户端生成的提交编号，重复提交只算一次")

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return rules.question_text(value)

    @field_validator("client_key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _CLIENT_KEY.fullmatch(value):
            raise ValueError("提交编号应为 8–64 位字母、数字或 -_:.")
        return value

    @field_validator("photos")
    @classmethod
    def _photos(cls, value: list[str]) -> list[str]:
        if any(not _PHOTO_ID.fullmatch(p) for p in value):
            raise ValueError("照片编号无效，请重新上传")
        if len(set(value)) != len(value):
            raise ValueError("同一张照片只能添加一次")
        return value


class DeskBody(Strict):
    """服务大厅咨询台: what a visitor asked in person, entered by staff."""

    domain_id: Topic = None
    kind: Kind = Kind.ENQUIRY
    text: str = Field(..., max_length=20000)
    contact_name: str = Field("", max_length=32)
    phone: Phone = None
    private: bool = False

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return rules.question_text(value, min_chars=5)

    @field_validator("contact_name")
    @classmethod
    def _name(cls, value: str) -> str:
        return rules.clean(value)


class ConvertBody(Strict):
    """Turn an official-account message from the inbox into a consultation."""

    message_id: int = Field(..., ge=1, le=2**63 - 1)
    domain_id: Topic = None
    kind: Kind = Kind.ENQUIRY


class AnswerBody(Strict):
    text: str = Field(..., max_length=20000)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return rules.plain_text(value, max_chars=MAX_ANSWER_CHARS, what="答复内容")


class AssignBody(Strict):
    department_code: Annotated[str, Field(max_length=32), AfterValidator(_department)]
    reason: str = Field("", max_length=2000)

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        return rules.clean(value)[:MAX_REASON_CHARS]


class ClassifyBody(Strict):
    kind: Kind | None = None
    domain_id: DomainId | None = None

    @model_validator(mode="after")
    def _something(self) -> ClassifyBody:
        if self.kind is None and "domain_id" not in self.model_fields_set:
            raise ValueError("请指定类别或领域")
        return self


class ReassignRequestBody(Strict):
    reason: str = Field(..., max_length=2000)
    to_department: Department = None

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        return rules.plain_text(value, max_chars=MAX_REASON_CHARS, what="改派理由")


class DecisionBody(Strict):
    approve: bool
    department_code: Department = None
    note: str = Field("", max_length=2000)

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        return rules.clean(value)[:MAX_REASON_CHARS]

    @model_validator(mode="after")
    def _target(self) -> DecisionBody:
        if not self.approve and not self.note:
            raise ValueError("驳回时请写明理由")
        return self


class PublishBody(Strict):
    """What staff checked; both texts are masked again before they are published."""

    question: str | None = Field(None, max_length=20000)
    answer: str | None = Field(None, max_length=20000)

    @field_validator("question")
    @classmethod
    def _question(cls, value: str | None) -> str | None:
        return None if value is None else rules.plain_text(value, max_chars=4000, what="问题")

    @field_validator("answer")
    @classmethod
    def _answer(cls, value: str | None) -> str | None:
        return None if value is None else rules.plain_text(value, max_chars=4000, what="答复")


class RatingBody(Strict):
    rating: Rating
    comment: str = Field("", max_length=2000)

    @field_validator("comment")
    @classmethod
    def _comment(cls, value: str) -> str:
        text = rules.clean(value)
        if len(text) > MAX_REASON_CHARS:
            raise ValueError(f"评价最多 {MAX_REASON_CHARS} 字")
        return text


class QueueQuery(PageQuery):
    status: Status | None = None
    open: bool | None = Field(None, description="1: 未答复的（待分派和办理中）")
    overdue: bool | None = None
    department: str | None = Field(None, max_length=32)
    channel: Channel | None = None
    kind: Kind | None = None
    domain: int | None = Field(None, ge=0, le=2**31 - 1)
    reference: str | None = Field(None, max_length=24)
    sort: str = Field("newest", pattern="^(newest|due)$")


class QaQuery(PageQuery):
    domain: int | None = Field(None, ge=0, le=2**31 - 1, description="领域 id；0 为“其他”")
    q: str | None = Field(None, max_length=200)


class ReassignmentQuery(PageQuery):
    state: RequestState | None = Field(None, description="pending / approved / rejected")


class SimilarQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    q: str | None = Field(None, max_length=200, description="换个说法搜索（默认用问题本身）")


class RoutingBody(Strict):
    domain_id: DomainId
    department_code: Department = None


class LimitBody(Strict):
    kind: Kind
    workdays: int = Field(..., ge=1, le=60)


class PeriodQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    date_from: IsoDate | None = Field(None, alias="from", description="收到日期起，YYYY-MM-DD")
    date_to: IsoDate | None = Field(None, alias="to", description="收到日期止，YYYY-MM-DD")

    @model_validator(mode="after")
    def _order(self) -> PeriodQuery:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("截止日期不能早于起始日期")
        return self


# --- answers (documented with @returns) ------------------------------------------------------


class PhotoOut(ResponseModel):
    id: str
    url: str
    width: int
    height: int


class DomainRef(ResponseModel):
    id: int | None
    name: str


class DepartmentRef(ResponseModel):
    code: str
    name: str


class Deadline(ResponseModel):
    due_date: str
    workdays_left: int | None = Field(None, description="剩余工作日（负数为已超期天数）")
    overdue: bool
    label: str


class AnswerOut(ResponseModel):
    text: str
    answered_at: str | None
    department: DepartmentRef | None
    workdays: int | None
    on_time: bool | None


class RatingOut(ResponseModel):
    value: str
    label: str
    comment: str
    rated_at: str | None


class ConsultationOut(ResponseModel):
    id: int
    reference: str
    channel: str
    channel_label: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    domain: DomainRef
    text: str
    photos: list[PhotoOut]
    phone_masked: str
    private: bool
    received_at: str | None
    deadline: Deadline
    answer: AnswerOut | None
    rating: RatingOut | None
    can_rate: bool
    published: bool


class ConsultationAnswer(ResponseModel):
    consultation: ConsultationOut


class ConsultationCreated(ResponseModel):
    consultation: ConsultationOut
    created: bool = Field(..., description="false：同一提交编号已提交过，返回原来的咨询")


class ConsultationPage(ResponseModel):
    items: list[ConsultationOut]
    total: int
    page: int
    per_page: int


class ReassignmentOut(ResponseModel):
    id: int
    consultation_id: int
    from_department: DepartmentRef
    to_department: DepartmentRef | None
    reason: str
    state: str
    state_label: str
    requested_by: str
    decided_by: str | None
    decision_note: str | None
    created_at: str | None
    decided_at: str | None


class StaffConsultationOut(ConsultationOut):
    department: DepartmentRef | None
    contact_name: str
    answered_by: str | None
    recorded_by: str | None
    inbox_message_id: int | None
    account_code: str | None
    ack_delivery: str
    answer_delivery: str
    notification: dict[str, int] | None = Field(
        None, description="答复的订阅消息：按结果计数（sent、refused…）；无需通知时为空"
    )
    qa_id: int | None
    reassignments: list[ReassignmentOut]


class StaffConsultationItem(ResponseModel):
    id: int
    reference: str
    channel: str
    channel_label: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    domain: DomainRef
    department: DepartmentRef | None
    excerpt: str
    received_at: str | None
    deadline: Deadline
    rating: str | None
    published: bool
    private: bool


class StaffConsultationPage(ResponseModel):
    items: list[StaffConsultationItem]
    total: int
    page: int
    per_page: int


class StaffConsultationAnswer(ResponseModel):
    consultation: StaffConsultationOut


class PhotoUploaded(ResponseModel):
    id: str
    width: int
    height: int
    size: int


class SimilarOut(ResponseModel):
    id: int
    reference: str
    question: str
    answer: str
    department: DepartmentRef | None
    published: bool


class SimilarPage(ResponseModel):
    items: list[SimilarOut]


class MaskFinding(ResponseModel):
    kind: str
    text: str
    replacement: str


class PublishPreview(ResponseModel):
    question: str
    answer: str
    findings: list[MaskFinding]
    private: bool


class QaOut(ResponseModel):
    id: int
    domain: DomainRef
    department: DepartmentRef | None
    question: str
    answer: str
    published_at: str | None


class QaPage(ResponseModel):
    items: list[QaOut]
    total: int
    page: int
    per_page: int


class QaPublished(ResponseModel):
    qa: QaOut


class SatisfactionRow(ResponseModel):
    department: DepartmentRef
    answered: int
    rated: int
    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    satisfaction_rate: float | None = Field(None, description="（满意 + 基本满意）/ 已评价")
    on_time_rate: float | None
    overdue_open: int


class SatisfactionOut(ResponseModel):
    items: list[SatisfactionRow]


class RoutingRuleOut(ResponseModel):
    domain: DomainRef
    department: DepartmentRef | None


class SettingsOut(ResponseModel):
    limits: dict[str, int]
    routing: list[RoutingRuleOut]


class ReassignmentPage(ResponseModel):
    items: list[ReassignmentOut]
    total: int
    page: int
    per_page: int


class ReassignmentAnswer(ResponseModel):
    request: ReassignmentOut


class PhoneOut(ResponseModel):
    phone: str


class KindOption(ResponseModel):
    value: str
    label: str
    workdays: int = Field(..., description="答复时限（工作日）")


class TextLimits(ResponseModel):
    min: int
    max: int


class OptionsOut(ResponseModel):
    kinds: list[KindOption]
    max_photos: int
    max_photo_mb: int
    text_chars: TextLimits


class OverdueDepartment(ResponseModel):
    department: DepartmentRef = Field(..., description="code 为空：待分派")
    count: int


class OverdueOut(ResponseModel):
    total: int
    by_department: list[OverdueDepartment]
    items: list[StaffConsultationItem] = Field(..., description="最早到期的在前（最多 50 条）")
