"""The analysis's query: a period (at most five years) and the channels."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sanic import Request

from gateway.errors import Invalid, fields_from_validation
from gateway.openapi import ResponseModel
from mini_program.consultations.models import Channel
from mini_program.consultations.schemas import CODE, IsoDate
from mini_program.consultations.service.common import today

MAX_DAYS = 5 * 366
DEFAULT_DAYS = 30


class AnalysisQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    date_from: IsoDate = Field(alias="from")
    date_to: IsoDate = Field(alias="to")
    channels: list[str] = Field(default_factory=list)
    department: str | None = Field(None, max_length=32)

    @model_validator(mode="after")
    def _check(self) -> AnalysisQuery:
        if self.date_from > self.date_to:
            raise ValueError("截止日期不能早于起始日期")
        if (self.date_to - self.date_from).days >= MAX_DAYS:
            raise ValueError("统计时段最长 5 年")
        if any(c not in Channel._value2member_map_ for c in self.channels):
            raise ValueError("渠道不在可选范围内")
        if self.department and not CODE.fullmatch(self.department):
            raise ValueError("没有这个部门")
        return self

    @classmethod
    def default(cls) -> AnalysisQuery:
        """The last 30 days, every channel."""
        end = today()
        start = end - timedelta(days=DEFAULT_DAYS - 1)
        return cls.model_validate({"from": start.isoformat(), "to": end.isoformat()})

    @classmethod
    def from_request(cls, request: Request) -> AnalysisQuery:
        """From the query string: `from`, `to` (default: the last 30 days), `channel` repeated."""
        default = cls.default()
        data = {
            "from": request.args.get("from") or default.date_from.isoformat(),
            "to": request.args.get("to") or default.date_to.isoformat(),
            "channels": [c for c in request.args.getlist("channel") if c],
            "department": request.args.get("department") or None,
        }
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise Invalid("查询参数有误", fields=fields_from_validation(exc)) from exc


class AnalysisQueryDoc(BaseModel):
    """The query string as the document shows it (`AnalysisQuery.from_request` reads it)."""

    date_from: IsoDate | None = Field(
        None, alias="from", description="起始日期 YYYY-MM-DD（默认 30 天前）；时段最长 5 年"
    )
    date_to: IsoDate | None = Field(None, alias="to", description="截止日期 YYYY-MM-DD（默认今天）")
    channel: list[Channel] | None = Field(None, description="渠道，可重复；不填为全部")
    department: str | None = Field(
        None, max_length=32, pattern=CODE.pattern, description="只看一个部门"
    )


# --- answers (documented with @returns) ------------------------------------------------------


class Count(ResponseModel):
    label: str
    count: int


class WordCount(ResponseModel):
    word: str
    count: int


class RisingWord(ResponseModel):
    word: str
    count: int
    previous: int = Field(..., description="上一时段出现次数")
    score: float
    change: str


class Period(ResponseModel):
    date_from: str = Field(..., alias="from")
    date_to: str = Field(..., alias="to")


class PreviousPeriod(Period):
    total: int


class ReplyTimes(ResponseModel):
    answered: int
    median: float | None = Field(..., description="答复用时中位数（工作日）")
    p90: float | None = Field(..., description="答复用时第 90 百分位（工作日）")
    on_time_share: float | None = Field(..., description="按时答复的比例")
    buckets: list[Count]


class Lengths(ResponseModel):
    mean: float | None
    median: float | None
    buckets: list[Count]


class AnalysisOut(ResponseModel):
    period: Period
    previous: PreviousPeriod
    channels: list[str]
    total: int
    answered: int
    open: int
    hot_words: list[WordCount]
    rising: list[RisingWord]
    by_channel: list[Count]
    by_kind: list[Count]
    by_domain: list[Count]
    by_department: list[Count]
    series: list[Count]
    reply: ReplyTimes
    length: Lengths
    seconds: float
    messages_per_second: int | None
