"""Request and response shapes of disclosure applications, with Chinese field messages.

Field rules live here (ID check digits, credit codes, phones, dates never in the future, a
refusal's reasons); the services trust what these models let through.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from gateway.clock import local_date, now
from gateway.openapi import ResponseModel
from gateway.paging import PageQuery
from mini_program.applications import ids
from mini_program.applications.vocab import (
    CHECKED_ID_TYPES,
    REASON_REQUIRED,
    RESULT_LABELS,
    STAFF_CHANNELS,
    ApplicantType,
    Channel,
    Delivery,
    Format,
    IdType,
    OrgKind,
    Result,
    ReviewKind,
    ReviewOutcome,
    State,
    reason_of,
)

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
RECEIPT_RE = re.compile(r"^\d{9,10}$")
TAIL_RE = re.compile(r"^[0-9A-Z]{6}$")


def today() -> date:
    """The county's date now (Asia/Shanghai)."""
    return local_date(now())


def _text(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def not_future(value: date | None) -> date | None:
    if value is not None and value > today():
        raise ValueError("日期不能晚于今天")
    return value


def check_phone(value: str) -> str:
    phone = re.sub(r"[\s()（）]", "", value or "")
    if not (MOBILE_RE.match(phone) or LANDLINE_RE.match(phone)):
        raise ValueError("请填写 11 位手机号码或带区号的固定电话")
    return phone


def check_id(id_type: IdType | None, value: str) -> str:
    number = ids.normalise(value)
    if not number:
        raise ValueError("请填写证件号码")
    if id_type in CHECKED_ID_TYPES:
        problem = ids.resident_id_problem(number, today=today())
        if problem:
            raise ValueError(problem)
    elif not ids.OTHER_ID_SHAPE.match(number):
        raise ValueError("证件号码应为 5–20 位字母或数字")
    return number


def check_credit_code(value: str) -> str:
    code = ids.normalise(value)
    problem = ids.credit_code_problem(code)
    if problem:
        raise ValueError(problem)
    return code


class ApplicationIn(BaseModel):
    """An application as the mini-program and the hall terminal file it."""

    model_config = ConfigDict(extra="forbid")

    applicant_type: ApplicantType = Field(
        description="citizen（自然人）或 organisation（法人或其他组织）"
    )
    name: str = Field(description="姓名，或法人、其他组织的名称")
    id_type: IdType = Field(description="证件类型：resident_id 居民身份证等")
    id_number: str = Field(description="证件号码（居民身份证校验第 18 位）")
    credit_code: str | None = Field(None, description="统一社会信用代码（法人或其他组织必填）")
    phone: str = Field(description="联系电话")
    address: str = Field(description="通信地址")
    description: str = Field(description="所需政府信息的名称、文号或便于查询的其他特征性描述")
    purpose: str = Field("", description="用途（选填）")
    format: Format = Field(description="electronic 电子文本 或 paper 纸质文本")
    delivery: Delivery = Field(description="electronic 网上获取、post 邮寄、collect 当面领取")

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: object) -> object:
        value = _text(value)
        if not value:
            raise ValueError("请填写姓名或名称")
        if isinstance(value, str) and len(value) > 100:
            raise ValueError("姓名或名称不超过 100 字")
        return value

    @field_validator("id_number", mode="before")
    @classmethod
    def _id_number(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        return check_id(info.data.get("id_type"), value)

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: object) -> object:
        return check_phone(value) if isinstance(value, str) else value

    @field_validator("address", mode="before")
    @classmethod
    def _address(cls, value: object) -> object:
        value = _text(value)
        if not value or (isinstance(value, str) and len(value) < 2):
            raise ValueError("请填写通信地址")
        if isinstance(value, str) and len(value) > 200:
            raise ValueError("通信地址不超过 200 字")
        return value

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: object) -> object:
        value = _text(value)
        if not value or (isinstance(value, str) and len(value) < 5):
            raise ValueError("请写明所需政府信息的名称、文号或其他特征（至少 5 个字）")
        if isinstance(value, str) and len(value) > 2000:
            raise ValueError("描述不超过 2000 字")
        return value

    @field_validator("purpose", mode="before")
    @classmethod
    def _purpose(cls, value: object) -> object:
        value = _text(value) if value is not None else ""
        if isinstance(value, str) and len(value) > 500:
            raise ValueError("用途不超过 500 字")
        return value

    @field_validator("credit_code", mode="before")
    @classmethod
    def _credit_code(cls, value: object) -> object:
        return ids.normalise(value) or None if isinstance(value, str) else value

    @model_validator(mode="after")
    def _applicant(self) -> ApplicationIn:
        if self.applicant_type == ApplicantType.ORGANISATION:
            if not self.credit_code:
                raise _field("credit_code", "法人或其他组织须填写统一社会信用代码")
            self.credit_code = _checked("credit_code", check_credit_code, self.credit_code)
        elif self.credit_code:
            raise _field("credit_code", "自然人申请无需填写统一社会信用代码")
        if self.format == Format.PAPER and self.delivery == Delivery.ELECTRONIC:
            raise _field("delivery", "纸质文本请选择邮寄或当面领取")
        return self


def _field(field: str, message: str) -> ValidationError:
    """A cross-field rule's error, reported under the field it is about (not "body")."""
    error = PydanticCustomError("value_error", message.replace("{", "(").replace("}", ")"))
    return ValidationError.from_exception_data(
        "application", [InitErrorDetails(type=error, loc=(field,), input=None)]
    )


def _checked(field: str, check: Any, value: str) -> str:
    try:
        return str(check(value))
    except ValueError as exc:
        raise _field(field, str(exc)) from exc


class StaffApplicationIn(ApplicationIn):
    """An application staff enter from a letter, a fax, an e-mail or a visit to the office."""

    channel: Channel = Field(description="letter、registered_post、fax、in_person 或 email")
    submitted_on: date | None = Field(None, description="来信、传真到达或当面提交的日期，默认今天")
    received_on: date | None = Field(
        None, description="确认收到的日期（第 0 日）；不填则待确认（如平常信函须与申请人确认）"
    )
    department: str | None = Field(None, max_length=32, description="承办部门代码")
    org_kind: OrgKind | None = Field(None, description="法人或其他组织的类别（年报分类）")
    # Organisations' letters often carry only the credit code.
    id_type: IdType | None = Field(None, description="证件类型（法人或其他组织可不填）")  # type: ignore[assignment]
    id_number: str | None = Field(None, description="证件号码（法人或其他组织可不填）")  # type: ignore[assignment]

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: Channel) -> Channel:
        if value not in STAFF_CHANNELS:
            raise ValueError("工作人员登记的申请渠道应为信函、传真、当面或电子邮件")
        return value

    @field_validator("submitted_on", "received_on")
    @classmethod
    def _dates(cls, value: date | None) -> date | None:
        return not_future(value)

    @field_validator("id_number", mode="before")
    @classmethod
    def _id_number(cls, value: object, info: ValidationInfo) -> object:
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            return value
        return check_id(info.data.get("id_type"), value)

    @model_validator(mode="after")
    def _staff_rules(self) -> StaffApplicationIn:
        if self.applicant_type == ApplicantType.CITIZEN:
            if self.id_type is None:
                raise _field("id_type", "请选择证件类型")
            if not self.id_number:
                raise _field("id_number", "请填写证件号码")
        elif bool(self.id_type) != bool(self.id_number):
            raise _field("id_number", "证件类型和证件号码应同时填写")
        if self.applicant_type == ApplicantType.CITIZEN and self.org_kind is not None:
            raise _field("org_kind", "自然人申请无需选择组织类别")
        if self.submitted_on and self.received_on and self.received_on < self.submitted_on:
            raise _field("received_on", "收到日期不能早于提交日期")
        return self


# --- steps --------------------------------------------------------------------------------


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: date | None = Field(None, description="日期 YYYY-MM-DD，默认今天，不能晚于今天")

    @field_validator("on")
    @classmethod
    def _on(cls, value: date | None) -> date | None:
        return not_future(value)

    def day(self) -> date:
        return self.on or today()


def _required_text(value: object, label: str, limit: int) -> object:
    value = _text(value)
    if not value:
        raise ValueError(f"请填写{label}")
    if isinstance(value, str) and len(value) > limit:
        raise ValueError(f"{label}不超过 {limit} 字")
    return value


class ReceiveIn(StepIn):
    channel: Channel | None = Field(
        None, description="申请渠道（默认不变）；决定收到日期的认定方式"
    )


class CorrectionIn(StepIn):
    missing: str = Field(description="需要补正的事项")
    period: int | None = Field(None, ge=1, le=60, description="补正期限（工作日），默认 15")

    @field_validator("missing", mode="before")
    @classmethod
    def _missing(cls, value: object) -> object:
        return _required_text(value, "需要补正的事项", 500)


class ExtendIn(StepIn):
    reason: str = Field(description="延期理由")

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, value: object) -> object:
        return _required_text(value, "延期理由", 500)


class ThirdPartyIn(StepIn):
    party: str = Field(description="第三方名称")

    @field_validator("party", mode="before")
    @classmethod
    def _party(cls, value: object) -> object:
        return _required_text(value, "第三方名称", 200)


class ThirdPartyReplyIn(StepIn):
    opinion: str = Field("", max_length=1000, description="第三方意见摘要（选填）")


class AnswerIn(StepIn):
    result: Result = Field(
        description="disclose、partial、withhold、unavailable、not_processed、other"
    )
    reasons: list[str] = Field(
        default_factory=list,
        max_length=8,
        description="理由代码；不予公开、无法提供、不予处理、其他处理必填",
    )
    explanation: str = Field("", max_length=5000, description="答复书中的具体说明（选填）")
    files: list[int] = Field(default_factory=list, max_length=20, description="已上传附件的编号")

    @model_validator(mode="after")
    def _reasons(self) -> AnswerIn:
        codes = list(dict.fromkeys(r.strip() for r in self.reasons if r and r.strip()))
        label = RESULT_LABELS[self.result]
        if self.result in REASON_REQUIRED and not codes:
            raise _field("reasons", f"答复“{label}”须选择理由")
        if self.result == Result.DISCLOSE and codes:
            raise _field("reasons", "予以公开无需选择理由")
        for code in codes:
            if reason_of(self.result, code) is None:
                raise _field("reasons", f"理由“{code}”不适用于“{label}”")
        self.reasons = codes
        self.explanation = self.explanation.strip()
        return self


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    department: str = Field(min_length=1, max_length=32, description="承办部门代码")


# --- queries ------------------------------------------------------------------------------


class StaffListQuery(PageQuery):
    state: State | None = Field(None, description="状态：submitted、received、awaiting_correction…")
    department: str | None = Field(None, max_length=32, description="承办部门代码")
    due: Literal["overdue", "week", "soon"] | None = Field(
        None, description="overdue 已逾期、week 本周到期、soon 5 个工作日内到期"
    )
    q: str | None = Field(None, max_length=50, description="申请编号开头或申请人名称")
    year: int | None = Field(None, ge=2000, le=2100, description="提交年度")


class ReportQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    year: int = Field(
        default_factory=lambda: today().year, ge=2000, le=2100, description="年度，默认今年"
    )
    department: str | None = Field(None, max_length=32, description="部门代码（默认全县）")


class ReviewListQuery(ReportQuery, PageQuery):
    """Reconsiderations and lawsuits of a year, a page at a time."""


class FileLinkQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    expires: int | None = Field(
        None, ge=0, le=2**40, description="签名链接的到期时间（详情中给出）"
    )
    signature: str | None = Field(
        None, min_length=1, max_length=128, description="签名（详情中给出）"
    )


class ReviewCaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: int = Field(ge=2000, le=2100, description="收到复议申请或起诉的年度")
    kind: ReviewKind
    outcome: ReviewOutcome = ReviewOutcome.PENDING
    department: str | None = Field(None, max_length=32)
    case_no: str = Field("", max_length=64)
    receipt_no: str = Field("", max_length=16)
    note: str = Field("", max_length=500)


class ReviewOutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: ReviewOutcome


class KioskQueryIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    receipt_no: str
    id_last6: str

    @field_validator("receipt_no", mode="before")
    @classmethod
    def _receipt(cls, value: object) -> object:
        text = re.sub(r"\s+", "", str(value or ""))
        if not RECEIPT_RE.match(text):
            raise ValueError("申请编号为 9 位数字")
        return text

    @field_validator("id_last6", mode="before")
    @classmethod
    def _tail(cls, value: object) -> object:
        text = ids.normalise(str(value or ""))
        if len(text) == 18:  # the ID-card reader typed the whole number
            text = text[-6:]
        if not TAIL_RE.match(text):
            raise ValueError("请输入证件号码（或统一社会信用代码）后六位")
        return text


# --- answers (exactly the JSON the API returns) ----------------------------------------------


class HolidayRunOut(ResponseModel):
    name: str
    from_: str = Field(alias="from", description="YYYY-MM-DD")
    to: str = Field(description="YYYY-MM-DD")
    days: int


class MakeupDayOut(ResponseModel):
    date: str
    name: str


class StepOut(ResponseModel):
    """One step of the deadline calculation; counting steps add what was counted and skipped."""

    kind: str
    date: str | None
    text: str = Field(description="这一步的文字说明")
    from_: str | None = Field(None, alias="from", description="计数起点 YYYY-MM-DD")
    to: str | None = Field(None, description="计数终点 YYYY-MM-DD")
    counted: int | None = Field(None, description="计入的工作日数")
    holidays: list[HolidayRunOut] | None = None
    weekends: list[str] | None = None
    makeup_workdays: list[MakeupDayOut] | None = None
    paused_workdays: list[str] | None = None


class FileOut(ResponseModel):
    id: int
    kind: str
    kind_label: str
    name: str
    size: int
    content_type: str
    published: bool
    created_at: str
    url: str


class ReasonOut(ResponseModel):
    code: str
    label: str


class AnswerOut(ResponseModel):
    result: str
    result_label: str
    reasons: list[ReasonOut]
    explanation: str
    answered_on: str | None


class ApplicationSummaryOut(ResponseModel):
    """One application in a list (no calculation)."""

    id: int
    receipt_no: str
    state: str
    state_label: str
    applicant_type: str
    applicant_type_label: str
    name: str
    channel: str
    channel_label: str
    department: str
    department_name: str
    description: str
    submitted_at: str
    received_on: str | None
    deadline: str | None = Field(description="答复期限 YYYY-MM-DD")
    deadline_provisional: bool
    deadline_error: str
    days_left: int | None
    overdue: bool
    extended: bool
    correction_due: str | None
    third_party_due: str | None
    finished_on: str | None
    on_time: bool | None
    result: str | None
    result_label: str


class ApplicationOut(ApplicationSummaryOut):
    """One application as its applicant sees it: the deadline with its calculation."""

    id_type: str | None
    id_type_label: str
    id_masked: str
    phone_masked: str
    credit_code: str | None
    org_kind: str | None
    org_kind_label: str
    purpose: str
    format: str
    format_label: str
    delivery: str
    delivery_label: str
    calculation: list[StepOut]
    answer: AnswerOut | None
    files: list[FileOut]


class EventOut(ResponseModel):
    kind: str
    label: str
    on: str
    actor: str
    detail: dict[str, Any]
    recorded_at: str


class StaffApplicationOut(ApplicationOut):
    """One application as staff see it: also the record of steps and what they may do next."""

    events: list[EventOut]
    actions: list[str]
    same_applicant_applications: int


class ApplicationPage(ResponseModel):
    items: list[ApplicationSummaryOut]
    total: int
    page: int
    per_page: int


class CreatedOut(ResponseModel):
    id: int
    receipt_no: str
    state: str


class UploadedOut(ResponseModel):
    file: FileOut


class JobOut(ResponseModel):
    job_id: int
    state: str


class ColumnOut(ResponseModel):
    key: str
    label: str


class Table3RowOut(ResponseModel):
    key: str
    label: str
    group: str
    heading: bool
    values: list[int]


class ChannelOut(ResponseModel):
    label: str
    values: list[int]


class ChannelGroupOut(ResponseModel):
    label: str
    values: list[int]
    channels: list[ChannelOut]


class ReviewGroupOut(ResponseModel):
    kind: str
    label: str
    values: list[int]


class Table4Out(ResponseModel):
    outcomes: list[str]
    groups: list[ReviewGroupOut]


class ReportFiguresOut(ResponseModel):
    answered: int
    on_time: int
    late: int
    extended: int
    corrections_requested: int
    third_party_consultations: int


class ReportOut(ResponseModel):
    """The annual report's tables for applications (三), reviews and lawsuits (四)."""

    year: int
    department: str | None
    columns: list[ColumnOut]
    table3: list[Table3RowOut]
    channels: list[ChannelGroupOut]
    table4: Table4Out
    figures: ReportFiguresOut


class ReviewCaseOut(ResponseModel):
    id: int
    year: int
    department: str | None
    kind: str
    kind_label: str
    outcome: str
    outcome_label: str
    case_no: str
    receipt_no: str
    note: str


class ReviewCasePage(ResponseModel):
    items: list[ReviewCaseOut]
    total: int
    page: int
    per_page: int


class OverdueDepartment(ResponseModel):
    department: str
    department_name: str
    running: int
    overdue: int
    due_soon: int
    cases: list[ApplicationSummaryOut]


class OverdueOut(ResponseModel):
    departments: list[OverdueDepartment]


class ReminderOut(ResponseModel):
    application_id: int
    receipt_no: str
    name: str
    department: str
    threshold: int
    deadline: str
    digest_on: str


class RemindersOut(ResponseModel):
    items: list[ReminderOut]


class CalendarStatusOut(ResponseModel):
    years: list[int]
    fingerprint: str
    recomputed_with: str
    recomputed_at: str | None
    stale: int
    missing_calendar: int


class ContactOut(ResponseModel):
    phone: str
    address: str
