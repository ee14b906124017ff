"""Request and response shapes of the loudspeaker API, with field messages in Chinese."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonDict

from broadcast.audio.speech import MAX_RATE_CPM, MIN_RATE_CPM
from broadcast.speakable.pronounce import (
    normalise_reading,
    reading_problem,
    term_problem,
)
from gateway.clock import local_date, now
from gateway.openapi import ResponseModel
from gateway.paging import PageQuery
from gateway.review import ReviewState
from gateway.schemas import PatchModel, documented, stripped

MAX_TEXT = 5000
MAX_SPOKEN = 12000
MAX_TITLE = 100
MAX_TARGETS = 1000
MAX_PLAY_TIMES = 12
MAX_VALID_DAYS = 366
DEFAULT_PLAY_TIMES = ("07:00", "12:00", "18:00")
DEFAULT_VALID_DAYS = 7
CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
CLOCK = re.compile(r"^([01]?[0-9]|2[0-3])[:：]([0-5][0-9])$")
# What the document states of these fields (the validators strip blanks around them first).
CODE_DOC = stripped(CODE.pattern)
CLOCK_DOC = stripped(CLOCK.pattern)
NOT_BLANK: JsonDict = {"pattern": r"\S"}
Code = Annotated[str, Field(json_schema_extra=documented(CODE_DOC))]
Clock = Annotated[str, Field(json_schema_extra=documented(CLOCK_DOC))]


def play_time(value: str) -> str:
    """ "7:00" -> "07:00"; ValueError with the message to show when it is not a time."""
    match = CLOCK.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"播放时间应为 00:00–23:59 的“时:分”，“{value}”不是")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


class Targets(BaseModel):
    """Which villages: the whole county, whole towns, or named villages (exactly one)."""

    model_config = ConfigDict(extra="forbid")
    all: bool | None = None
    towns: list[Code] | None = Field(None, max_length=MAX_TARGETS)
    villages: list[Code] | None = Field(None, max_length=MAX_TARGETS)

    @field_validator("towns")
    @classmethod
    def _towns(cls, value: list[str] | None) -> list[str] | None:
        return _codes(value, "乡镇")

    @field_validator("villages")
    @classmethod
    def _villages(cls, value: list[str] | None) -> list[str] | None:
        return _codes(value, "村")

    @model_validator(mode="after")
    def _exactly_one(self) -> Targets:
        chosen = [given for given in (self.all is True, bool(self.towns), bool(self.villages))]
        if sum(chosen) != 1:
            raise ValueError(
                '请选择一种范围：{"all": true}（全县）、{"towns": [...]}（整乡镇）'
                '或 {"villages": [...]}（指定村）'
            )
        return self

    def kind(self) -> str:
        return "all" if self.all else "towns" if self.towns else "villages"

    def as_json(self) -> dict[str, Any]:
        if self.all:
            return {"all": True}
        return {"towns": self.towns} if self.towns else {"villages": self.villages}


def _codes(value: list[str] | None, what: str) -> list[str] | None:
    if value is None:
        return None
    out: list[str] = []
    for code in value:
        if not isinstance(code, str) or not CODE.match(code.strip()):
            raise ValueError(f"{what}代码格式不对：{str(code)[:40]}")
        if code.strip() not in out:
            out.append(code.strip())
    return out


def _title(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("请填写标题")
    return value


class _ScriptFields(BaseModel):
    """Fields a script has whether it is being created or edited."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("play_times", check_fields=False)
    @classmethod
    def _play_times(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("至少需要一个播放时间")
        return sorted({play_time(v) for v in value})

    @field_validator("valid_until", check_fields=False)
    @classmethod
    def _period(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("valid_from")
        if value is None or start is None:
            return value
        if value < start:
            raise ValueError("结束日期不能早于开始日期")
        if (value - start).days >= MAX_VALID_DAYS:
            raise ValueError(f"有效期最长 {MAX_VALID_DAYS} 天")
        return value


class ScriptCreate(_ScriptFields):
    title: str = Field(min_length=1, max_length=MAX_TITLE, json_schema_extra=NOT_BLANK)
    document_id: int | None = Field(None, ge=1, le=2**31 - 1)
    # Articles of push/: answered with "not available" until that domain offers them.
    article_id: int | None = Field(None, ge=1, le=2**31 - 1)
    # After the other sources, so that its check sees them.
    text: str | None = Field(None, max_length=MAX_TEXT, validate_default=True)
    targets: Targets
    chime: bool = True
    repeats: int = Field(2, ge=1, le=5)
    rate: int = Field(200, ge=MIN_RATE_CPM, le=MAX_RATE_CPM)
    play_times: list[Clock] = Field(
        default_factory=lambda: list(DEFAULT_PLAY_TIMES),
        max_length=MAX_PLAY_TIMES,
        # The validator says "至少需要一个播放时间"; the document states the same rule.
        json_schema_extra={"minItems": 1},
    )
    valid_from: date = Field(default_factory=lambda: local_date(now()))
    valid_until: date | None = Field(None, validate_default=True)

    @field_validator("title")
    @classmethod
    def _clean_title(cls, value: str) -> str:
        return _title(value)

    @field_validator("text")
    @classmethod
    def _one_source(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "document_id" not in info.data or "article_id" not in info.data:
            return value  # a bad id is already reported on its own field
        given = [
            present
            for present in (
                value is not None,
                info.data["document_id"] is not None,
                info.data["article_id"] is not None,
            )
            if present
        ]
        if not given:
            raise ValueError("请填写正文，或选择一份公开文件（document_id）或文章（article_id）")
        if len(given) > 1:
            raise ValueError("正文、公开文件和文章只能选一种来源")
        return value

    @field_validator("valid_until")
    @classmethod
    def _until(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("valid_from")
        if value is None and start is not None:
            value = start + timedelta(days=DEFAULT_VALID_DAYS - 1)
        value = cls._period(value, info)
        if value is not None and value < local_date(now()):
            raise ValueError("有效期已经结束，请改为今天或以后的日期")
        return value


class ScriptUpdate(_ScriptFields, PatchModel):
    """An edit; only the fields given change. spoken_text is the editor's correction."""

    title: str | None = Field(None, min_length=1, max_length=MAX_TITLE, json_schema_extra=NOT_BLANK)
    text: str | None = Field(None, min_length=1, max_length=MAX_TEXT)
    spoken_text: str | None = Field(None, min_length=1, max_length=MAX_SPOKEN)
    targets: Targets | None = None
    chime: bool | None = None
    repeats: int | None = Field(None, ge=1, le=5)
    rate: int | None = Field(None, ge=MIN_RATE_CPM, le=MAX_RATE_CPM)
    play_times: list[Clock] | None = Field(
        None, max_length=MAX_PLAY_TIMES, json_schema_extra={"minItems": 1}
    )
    valid_from: date | None = None
    valid_until: date | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return None if value is None else _title(value)


ScriptStateFilter = Literal["draft", "in_review", "rejected", "approved", "withdrawn"]


class ScriptListQuery(PageQuery):
    state: ScriptStateFilter | None = Field(
        None, description="draft, in_review, rejected, approved, withdrawn"
    )


class PronunciationQuery(PageQuery):
    q: str | None = Field(None, max_length=20, description="按词条筛选")


class PlayConfirm(BaseModel):
    """A play: which slot ("07:00") and when it was played (any time zone, default now)."""

    model_config = ConfigDict(extra="forbid")
    slot: str = Field(min_length=1, max_length=8, json_schema_extra=documented(CLOCK_DOC))
    played_at: datetime = Field(default_factory=now)

    @field_validator("slot")
    @classmethod
    def _slot(cls, value: str) -> str:
        return play_time(value)

    @field_validator("played_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("播放时间需带时区，例如 2026-05-06T07:01:00+08:00")
        return value


class VillageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    # County staff (admins) look at one village's list by naming it.
    village: str | None = Field(None, max_length=32, description="村代码（仅县级人员需要）")


class PronunciationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    term: str = Field(min_length=1, max_length=40)
    reading: str = Field(min_length=1, max_length=120)
    note: str = Field("", max_length=100)

    @field_validator("term")
    @classmethod
    def _term(cls, value: str) -> str:
        value = value.strip()
        problem = term_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("reading")
    @classmethod
    def _reading(cls, value: str) -> str:
        return _reading(value)


def _reading(value: str) -> str:
    value = normalise_reading(value)
    problem = reading_problem(value)
    if problem:
        raise ValueError(problem)
    return value


class PronunciationEdit(PatchModel):
    model_config = ConfigDict(extra="forbid")
    reading: str | None = Field(None, min_length=1, max_length=120)
    note: str | None = Field(None, max_length=100)

    @field_validator("reading")
    @classmethod
    def _reading(cls, value: str | None) -> str | None:
        return None if value is None else _reading(value)


# --- answers (documented in the OpenAPI description) -----------------------------------------


class AudioOut(ResponseModel):
    state: str
    state_label: str
    url: str | None
    sha256: str | None
    size: int | None
    duration_s: float | None
    lufs: float | None
    true_peak: float | None
    made_at: str | None
    error: str | None
    progress: int
    progress_message: str
    attempts: int
    will_retry: bool
    gave_up: bool


class TownOut(ResponseModel):
    code: str
    name: str
    villages: list[dict[str, str]]


class ScriptOut(ResponseModel):
    id: int
    title: str
    source: str
    source_id: str | None
    source_text: str
    spoken_text: str
    spoken_edited: bool
    spoken_chars: int
    targets: dict[str, Any]
    target_summary: str
    village_count: int
    chime: bool
    repeats: int
    rate: int
    play_times: list[str]
    valid_from: str
    valid_until: str
    state: str
    state_label: str
    version: int
    review: ReviewState
    audio: AudioOut | None
    created_by: str
    created_at: str | None
    updated_at: str | None
    approved_at: str | None


class ScriptAnswer(ResponseModel):
    script: ScriptOut


class ScriptPage(ResponseModel):
    items: list[ScriptOut]
    total: int
    page: int
    per_page: int


class VillageAudio(ResponseModel):
    url: str
    sha256: str
    size: int
    duration_s: float | None


class VillagePlay(ResponseModel):
    day: str
    slot: str
    played_at: str


class VillageScript(ResponseModel):
    id: int
    title: str
    spoken_text: str
    play_times: list[str]
    valid_from: str
    valid_until: str
    audio: VillageAudio | None
    downloaded: bool
    plays_today: list[VillagePlay]


class VillageList(ResponseModel):
    village: dict[str, str]
    today: str
    items: list[VillageScript]


class PlayAnswer(ResponseModel):
    play: VillagePlay
    counted: bool


class ListenPending(ResponseModel):
    state: str
    progress: int
    message: str
    retry_after: int
    title: str


class PronunciationOut(ResponseModel):
    id: int
    term: str
    reading: str
    note: str
    updated_by: str
    updated_at: str | None


class PronunciationList(ResponseModel):
    items: list[PronunciationOut]
    total: int
    page: int
    per_page: int


class PronunciationAnswer(ResponseModel):
    pronunciation: PronunciationOut


class CoverageVillage(ResponseModel):
    code: str
    name: str
    downloaded_at: str | None
    plays: dict[str, str | None]
    late: bool
    silent: bool


class CoverageTown(ResponseModel):
    code: str
    name: str
    villages: list[CoverageVillage]
    played: int
    total: int


class CoverageSlot(ResponseModel):
    key: str
    day: str
    slot: str
    label: str
    due: bool
    played: int
    total: int


class CoverageOut(ResponseModel):
    script_id: int
    total: int
    downloaded: int
    late: int
    silent: int
    slots: list[CoverageSlot]
    towns: list[CoverageTown]
