"""Request and response shapes of open days, with Chinese field messages."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from gateway.clock import SHANGHAI
from gateway.openapi import ResponseModel
from gateway.paging import PageQuery
from gateway.schemas import PatchModel, documented

MAX_CAPACITY = 5000
MAX_COMPANIONS = 4
PHONE = re.compile(r"^1[3-9]\d{9}$")


def _aware(value: datetime) -> datetime:
    # A time typed without an offset is county time (what the console's form sends).
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


class OpenDayFields(BaseModel):
    """The fields an event has; creation needs all of them, an update any."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("title", "place", check_fields=False)
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value:
            raise ValueError("不能为空")
        return value

    @field_validator("department", check_fields=False)
    @classmethod
    def _department(cls, value: str | None) -> str | None:
        return None if value is None else value.strip()

    @field_validator("starts_at", "registration_opens", "registration_closes", check_fields=False)
    @classmethod
    def _tz(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _aware(value)

    @field_validator("registration_closes", check_fields=False)
    @classmethod
    def _window(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        opens, starts = info.data.get("registration_opens"), info.data.get("starts_at")
        if value is None:
            return None
        if opens is not None and value <= opens:
            raise ValueError("报名截止时间应晚于报名开始时间")
        if starts is not None and value > starts:
            raise ValueError("报名截止时间不能晚于活动开始时间")
        return value


class OpenDayCreate(OpenDayFields):
    title: str = Field(..., max_length=100, description="活动名称")
    department: str = Field(..., max_length=32, description="主办部门代码，如 jyj")
    starts_at: datetime = Field(..., description="开始时间，如 2026-05-20T09:00:00+08:00")
    place: str = Field(..., max_length=128, description="地点")
    capacity: int = Field(..., ge=1, le=MAX_CAPACITY, description="名额（人数，含随行人员）")
    registration_opens: datetime = Field(..., description="报名开始时间")
    registration_closes: datetime = Field(..., description="报名截止时间（不晚于活动开始）")
    description: str = Field("", max_length=5000, description="活动介绍")


class OpenDayUpdate(OpenDayFields, PatchModel):
    title: str | None = Field(None, max_length=100)
    department: str | None = Field(None, max_length=32)
    starts_at: datetime | None = None
    place: str | None = Field(None, max_length=128)
    capacity: int | None = Field(None, ge=1, le=MAX_CAPACITY)
    registration_opens: datetime | None = None
    registration_closes: datetime | None = None
    description: str | None = Field(None, max_length=5000)


class OpenDayOut(ResponseModel):
    id: int
    title: str
    department: str
    department_name: str
    starts_at: str
    place: str
    capacity: int
    registration_opens: str
    registration_closes: str
    description: str
    status: str
    taken: int
    remaining: int
    waitlisted: int
    registration_state: str = Field(
        ..., description="not_open / open / waitlist / closed / cancelled"
    )


class Attendance(ResponseModel):
    registrations: int = Field(..., description="已报名（不含候补、取消）")
    registered_people: int = Field(..., description="已报名人数（含随行）")
    waitlisted: int
    cancelled: int
    checked_in: int = Field(..., description="已签到的报名")
    present_people: int = Field(..., description="到场人数（含随行）")
    rate: float | None = Field(..., description="到场率（到场人数 / 报名人数）")


class OpenDayAnswer(ResponseModel):
    open_day: OpenDayOut


class OpenDayDetail(ResponseModel):
    open_day: OpenDayOut
    attendance: Attendance


class YearEvent(Attendance):
    id: int
    title: str
    department_name: str
    starts_at: str
    status: str
    capacity: int


class YearTotals(ResponseModel):
    events: int = Field(..., description="举办的活动（不含已取消）")
    cancelled_events: int
    registered_people: int
    present_people: int
    checked_in: int


class YearAttendance(ResponseModel):
    year: int
    events: list[YearEvent]
    totals: YearTotals


class OpenDayList(ResponseModel):
    items: list[OpenDayOut]
    total: int
    page: int
    per_page: int


class ListQuery(PageQuery):
    year: int | None = Field(None, ge=2000, le=2100)


class RegistrationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., max_length=32, description="姓名")
    phone: str = Field(
        ..., description="11 位手机号（加密保存）", json_schema_extra=documented(PHONE)
    )
    companions: int = Field(0, ge=0, le=MAX_COMPANIONS, description="随行人数 0–4")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("请填写姓名")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not PHONE.match(value):
            raise ValueError("请填写 11 位手机号")
        return value


class RegistrationOut(ResponseModel):
    id: int
    open_day_id: int
    status: str = Field(..., description="confirmed / waitlisted / cancelled")
    status_label: str
    name: str
    phone: str = Field(..., description="脱敏手机号")
    companions: int
    waitlist_no: int | None
    ticket: str | None = Field(None, description="签名入场券（仅已报名时）")
    ticket_qr: str | None = Field(None, description="入场券二维码（PNG data URI）")
    checked_in_at: str | None
    created_at: str | None
    open_day: OpenDayOut | None = Field(None, description="所属活动（我的报名中）")


class RegistrationAnswer(ResponseModel):
    registration: RegistrationOut


class MyRegistrations(ResponseModel):
    items: list[RegistrationOut]


class RegistrantList(ResponseModel):
    items: list[RegistrationOut]
    total: int
    page: int
    per_page: int


class CheckInBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ticket: str = Field(..., max_length=200, description="扫描或输入的入场券")

    @field_validator("ticket")
    @classmethod
    def _ticket(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("请扫描或输入入场券")
        return value


class CheckInAnswer(ResponseModel):
    result: str = Field(..., description="checked_in")
    message: str
    name: str
    companions: int
    checked_in_at: str


class AttendanceQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    year: int = Field(..., ge=2000, le=2100, description="年份")
