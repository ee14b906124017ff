"""Request and response shapes of the hall's API, with Chinese field messages."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from gateway.openapi import ResponseModel
from gateway.paging import PageQuery
from gateway.schemas import PatchModel
from mini_program.hall import targets

# A spot's code column (codes made here are 6 characters; the column leaves room).
CODE_MAX_LENGTH = 16
# The document states the targets the validator takes (built from the same rules).
TARGET_SCHEMA = targets.json_schema()
TARGET_TEXT = '{"page", "params"}（本小程序页面）或 {"path"}（本站页面）'


def _target(value: Any) -> dict[str, Any]:
    return targets.validate(value)


def _text(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(f"请填写{what}")
    return value


class SpotCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., max_length=64, description="名称，如「3 号查询机」")
    place: str = Field("", max_length=128, description="位置，如「一楼政务公开专区」")
    target: dict[str, Any] = Field(..., description=TARGET_TEXT, json_schema_extra=TARGET_SCHEMA)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _text(value, "名称")

    @field_validator("place")
    @classmethod
    def _place(cls, value: str) -> str:
        return value.strip()

    @field_validator("target", mode="before")
    @classmethod
    def _valid_target(cls, value: Any) -> dict[str, Any]:
        return _target(value)


class SpotUpdate(PatchModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=64)
    place: str | None = Field(None, max_length=128)
    target: dict[str, Any] | None = Field(
        None, description=TARGET_TEXT, json_schema_extra=TARGET_SCHEMA
    )
    enabled: bool | None = Field(None, description="false：停用（扫码显示已停用说明页）")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else _text(value, "名称")

    @field_validator("place")
    @classmethod
    def _place(cls, value: str | None) -> str | None:
        return None if value is None else value.strip()

    @field_validator("target", mode="before")
    @classmethod
    def _valid_target(cls, value: Any) -> dict[str, Any] | None:
        return None if value is None else _target(value)


class SpotOut(ResponseModel):
    code: str
    name: str
    place: str
    target: dict[str, Any] = Field(..., json_schema_extra=TARGET_SCHEMA)
    target_label: str
    enabled: bool
    version: int
    url: str = Field(..., description="二维码内容：/q/{code} 的完整地址")
    web_path: str
    mp_url: str
    created_at: str | None
    updated_at: str | None


class SpotAnswer(ResponseModel):
    spot: SpotOut


class SpotList(ResponseModel):
    items: list[SpotOut]
    total: int
    page: int
    per_page: int


class SpotListQuery(PageQuery):
    q: str | None = Field(None, max_length=64)


class ImageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    size: int = Field(512, ge=128, le=2048, description="边长（像素），128–2048")
    margin: int = Field(4, ge=0, le=16, description="留白（模块数），0–16")
    logo: Literal["0", "1", "true", "false"] = Field("0", description="1：中间加县徽标")
    ecc: Literal["L", "M", "Q", "H"] | None = Field(None, description="纠错等级 L/M/Q/H")

    @field_validator("ecc")
    @classmethod
    def _logo_needs_h(cls, value: str | None, info: ValidationInfo) -> str | None:
        # A logo covers part of the code; only level H (30 %) still reads reliably.
        if info.data.get("logo") in ("1", "true") and value not in (None, "H"):
            raise ValueError("加徽标的二维码纠错等级必须为 H")
        return value

    @property
    def with_logo(self) -> bool:
        return self.logo in ("1", "true")

    @property
    def level(self) -> str:
        return self.ecc or ("H" if self.with_logo else "M")


class WxacodeQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    width: int = Field(430, ge=280, le=1280, description="边长（像素），280–1280（微信的范围）")


MAX_DAYS = {"day": 366, "hour": 31}


# Query dates are YYYY-MM-DD only: pydantic would also take "0" (a Unix time) or "20260101".
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: object) -> object:
    if isinstance(value, str) and not ISO_DATE.match(value):
        raise ValueError("应为日期（YYYY-MM-DD）")
    return value


def _check_range(start: date | None, end: date | None, by: str) -> None:
    if end and start:
        if start > end:
            raise ValueError("截止日期不能早于起始日期")
        if (end - start).days >= MAX_DAYS[by]:
            raise ValueError("时间范围太长（按小时最多 31 天，按日最多 366 天）")


def _span(start: date | None, end: date | None, by: str, today: date) -> tuple[date, date]:
    """The range asked for; by default the last 30 days (by day) or today (by hour)."""
    end = end or (min(today, start + timedelta(days=MAX_DAYS[by] - 1)) if start else today)
    default_days = 30 if by == "day" else 1
    return start or end - timedelta(days=default_days - 1), end


class ScansQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    by: Literal["day", "hour"] = Field("day", description="day 按日，hour 按小时（最多 31 天）")
    date_from: date | None = Field(None, alias="from", description="起始日期 YYYY-MM-DD")
    date_to: date | None = Field(None, alias="to", description="截止日期 YYYY-MM-DD")

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _iso(cls, value: object) -> object:
        return _iso_date(value)

    @field_validator("date_to")
    @classmethod
    def _range(cls, value: date | None, info: ValidationInfo) -> date | None:
        _check_range(info.data.get("date_from"), value, info.data.get("by", "day"))
        return value

    def span(self, today: date) -> tuple[date, date]:
        return _span(self.date_from, self.date_to, self.by, today)


class DaysQuery(BaseModel):
    """A range of whole days (the heat table, the exports): the last 30 days by default."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    date_from: date | None = Field(None, alias="from", description="起始日期 YYYY-MM-DD")
    date_to: date | None = Field(None, alias="to", description="截止日期 YYYY-MM-DD（最多 366 天）")

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _iso(cls, value: object) -> object:
        return _iso_date(value)

    @field_validator("date_to")
    @classmethod
    def _range(cls, value: date | None, info: ValidationInfo) -> date | None:
        _check_range(info.data.get("date_from"), value, "day")
        return value

    def span(self, today: date) -> tuple[date, date]:
        return _span(self.date_from, self.date_to, "day", today)


class ScanPoint(ResponseModel):
    at: str = Field(..., description="日期（按日）或小时起点（按小时）")
    scans: int
    visitors: int
    bots: int


class ScanSeries(ResponseModel):
    model_config = ConfigDict(populate_by_name=True)

    spot: SpotOut
    by: str
    date_from: str = Field(..., alias="from")
    date_to: str = Field(..., alias="to")
    total: int
    visitors: int = Field(..., description="各日独立访客之和（盐每日更换，跨日无法去重）")
    bots: int
    channels: dict[str, int]
    points: list[ScanPoint]


class ScanReport(BaseModel):
    # Exactly one of the two, as the document says.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"oneOf": [{"required": ["q"]}, {"required": ["scene"]}]},
    )

    q: str = Field(
        None,  # type: ignore[assignment]  # left out unless sent; never null
        min_length=1,
        max_length=512,
        description="普通链接二维码打开时的 query.q",
    )
    scene: str = Field(
        None,  # type: ignore[assignment]  # left out unless sent; never null
        min_length=1,
        max_length=64,
        description="小程序码打开时的 query.scene",
    )

    @model_validator(mode="after")
    def _one(self) -> ScanReport:
        if (self.q is None) == (self.scene is None):
            raise ValueError("请提供 q 或 scene 之一")
        return self


class ScanAnswer(ResponseModel):
    code: str
    name: str
    place: str
    page: str
    params: dict[str, Any]
    url: str = Field(..., description="小程序内跳转地址，如 /pages/item/index?id=12")


class PosterQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    codes: str = Field(..., min_length=1, max_length=2000, description="逗号分隔的码")

    @field_validator("codes")
    @classmethod
    def _codes(cls, value: str) -> str:
        codes = [c.strip() for c in value.split(",") if c.strip()]
        if not codes:
            raise ValueError("请至少选择一个二维码")
        if len(codes) > 200:
            raise ValueError("一次最多 200 个")
        return ",".join(dict.fromkeys(codes))

    @property
    def code_list(self) -> list[str]:
        return self.codes.split(",")


class HeatRow(ResponseModel):
    code: str
    name: str
    place: str
    hours: list[int] = Field(..., description="0–23 点各小时的扫码人次（不含机器人）")
    total: int


class HeatTable(ResponseModel):
    model_config = ConfigDict(populate_by_name=True)

    date_from: str = Field(..., alias="from")
    date_to: str = Field(..., alias="to")
    spots: list[HeatRow]


class HallInfo(ResponseModel):
    hall_name: str
    help_desk_phone: str
    hours: str
    ask_hotline: str
    ask_text: str
