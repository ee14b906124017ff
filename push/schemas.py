"""Request and response shapes of the push API, with field messages in Chinese.

Field rules (WeChat's lengths, the body's limits after sanitising, aware times) live here as
validators; rules that need the database (accounts, approval, quotas) live in the services.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from gateway.config import get_settings
from gateway.openapi import ResponseModel
from gateway.paging import PageQuery
from gateway.review.schemas import ReviewState
from gateway.schemas import PatchModel, documented
from push import content as body_rules

HEX32 = re.compile(r"^[0-9a-f]{32}$")
KEY_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
# The matrix's account codes (matrix.models: 32 characters).
ACCOUNT_CODE_MAX = 32
ACCOUNT_RE = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
MAX_DELIVERIES = 200


def _length(value: str, limit: int, label: str) -> str:
    if len(value) > limit:
        raise ValueError(f"{label}最多 {limit} 个字符（现有 {len(value)} 个）")
    return value


def _source_url(value: str) -> str:
    value = value.strip()
    if value and not re.match(r"^https?://[^\s]+$", value):
        raise ValueError("原文链接应以 http:// 或 https:// 开头，且不含空格")
    return _length(value, body_rules.SOURCE_URL_MAX, "原文链接")


def _ids(value: list[int], label: str, limit: int) -> list[int]:
    if len(value) > limit:
        raise ValueError(f"{label}最多 {limit} 个")
    if any(i <= 0 or i > 2**31 - 1 for i in value):
        raise ValueError(f"{label}编号无效")
    return list(dict.fromkeys(value))


class _ArticleFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    _notice: str = PrivateAttr(default="")

    @field_validator("title", check_fields=False)
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value:
            raise ValueError("请填写标题")
        return _length(value, body_rules.TITLE_MAX, "标题")

    @field_validator("author", check_fields=False)
    @classmethod
    def _author(cls, value: str | None) -> str | None:
        return None if value is None else _length(value, body_rules.AUTHOR_MAX, "作者")

    @field_validator("digest", check_fields=False)
    @classmethod
    def _digest(cls, value: str | None) -> str | None:
        return None if value is None else _length(value, body_rules.DIGEST_MAX, "摘要")

    @field_validator("source_url", check_fields=False)
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return None if value is None else _source_url(value)

    @field_validator("cover_media_id", check_fields=False)
    @classmethod
    def _cover(cls, value: str | None) -> str | None:
        if value and not HEX32.match(value):
            raise ValueError("封面图片编号无效，请重新上传封面")
        return value or None

    @field_validator("document_ids", check_fields=False)
    @classmethod
    def _documents(cls, value: list[int] | None) -> list[int] | None:
        return None if value is None else _ids(value, "解读的文件", 20)

    @field_validator("domain_ids", check_fields=False)
    @classmethod
    def _domains(cls, value: list[int] | None) -> list[int] | None:
        return None if value is None else _ids(value, "领域标签", 28)

    @field_validator("content", check_fields=False)
    @classmethod
    def _content(cls, value: str | None) -> str | None:
        if value is None:
            return None
        # Far beyond any acceptable body: refuse before spending time sanitising it.
        if len(value) > 4 * body_rules.CONTENT_BYTES_LIMIT:
            raise ValueError("正文超过 1MB，微信要求小于 1MB")
        cleaned = body_rules.sanitize(value, public_base=get_settings().public_base_url)
        problem = body_rules.content_error(cleaned.html)
        if problem:
            raise ValueError(problem)
        return _CleanHtml(cleaned.html, cleaned.notice)

    @model_validator(mode="after")
    def _keep_notice(self) -> _ArticleFields:
        body = getattr(self, "content", None)
        if isinstance(body, _CleanHtml):
            self._notice = body.notice
            object.__setattr__(self, "content", str(body))
        return self

    @property
    def notice(self) -> str:
        """What sanitising removed, for the editor (empty when nothing was)."""
        return self._notice


class _CleanHtml(str):
    """Sanitised HTML that remembers what sanitising removed (until the model takes it)."""

    notice: str

    def __new__(cls, html: str, notice: str) -> _CleanHtml:
        made = super().__new__(cls, html)
        made.notice = notice
        return made


class ArticleCreate(_ArticleFields):
    title: str
    author: str = ""
    digest: str = ""
    content: str
    cover_media_id: str | None = None
    document_ids: list[int] = Field(default_factory=list)
    domain_ids: list[int] = Field(default_factory=list)
    source_url: str = ""


class ArticleUpdate(PatchModel, _ArticleFields):
    title: str | None = None
    author: str | None = None
    digest: str | None = None
    content: str | None = None
    cover_media_id: str | None = None
    document_ids: list[int] | None = None
    domain_ids: list[int] | None = None
    source_url: str | None = None


class ArticleQuery(PageQuery):
    q: str | None = Field(None, max_length=64, description="标题或作者包含的文字")
    state: Literal["draft", "in_review", "rejected", "approved"] | None = Field(
        None, description="审核状态：draft / in_review / rejected / approved"
    )


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("时间须带时区，如 2026-05-01T09:00:00+08:00")
    return value


class DeliveryIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    account: str = Field(min_length=1, max_length=32)
    at: datetime
    mode: Literal["publish", "mass"] = "publish"
    title: str | None = None
    author: str | None = None
    digest: str | None = None

    _aware = field_validator("at")(_aware)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return _length(value, body_rules.TITLE_MAX, "标题") if value else None

    @field_validator("author")
    @classmethod
    def _author(cls, value: str | None) -> str | None:
        return _length(value, body_rules.AUTHOR_MAX, "作者") if value else None

    @field_validator("digest")
    @classmethod
    def _digest(cls, value: str | None) -> str | None:
        return _length(value, body_rules.DIGEST_MAX, "摘要") if value else None


class GroupIn(BaseModel):
    """Every account of a group at one time, each `stagger_minutes` after the previous."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    group: str = Field(min_length=1, max_length=48)
    at: datetime
    mode: Literal["publish", "mass"] = "publish"
    stagger_minutes: int = Field(0, ge=0, le=240)

    _aware = field_validator("at")(_aware)


class PlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    article_id: int = Field(ge=1, le=2**31 - 1)
    key: str | None = Field(None, max_length=64)
    notify_followers: bool = False
    groups: list[GroupIn] = Field(default_factory=list, max_length=20)
    # Declared after `groups` so that its validator sees them (the rule names this field).
    deliveries: list[DeliveryIn] = Field(
        default_factory=list, max_length=MAX_DELIVERIES, validate_default=True
    )

    @field_validator("key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        if value and not KEY_RE.match(value):
            raise ValueError("幂等键应为 1–64 位字母、数字或 _ . : -")
        return value or None

    @field_validator("deliveries")
    @classmethod
    def _something(cls, value: list[DeliveryIn], info: ValidationInfo) -> list[DeliveryIn]:
        if not value and not info.data.get("groups"):
            raise ValueError("请至少选择一个账号")
        return value


class RescheduleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: datetime

    _aware = field_validator("at")(_aware)


def _account_codes(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    for code in value:
        if not ACCOUNT_RE.match(code):
            raise ValueError(f"账号编码 {code[:32]} 格式不正确")
    return list(dict.fromkeys(value))


class GroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=32)
    accounts: list[str] = Field(min_length=1, max_length=100)

    _accounts = field_validator("accounts")(_account_codes)


class GroupUpdate(PatchModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(None, min_length=1, max_length=32)
    accounts: list[str] | None = Field(None, min_length=1, max_length=100)

    _accounts = field_validator("accounts")(_account_codes)


class CoverBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    media_id: str = Field(
        min_length=32,
        max_length=32,
        json_schema_extra=documented(HEX32),
        description="封面图片编号",
    )

    @field_validator("media_id")
    @classmethod
    def _media(cls, value: str) -> str:
        if not HEX32.match(value):
            raise ValueError("封面图片编号无效，请重新上传封面")
        return value


class MpArticleQuery(PageQuery):
    domain_id: int | None = Field(None, ge=1, le=2**31 - 1, description="只看某个领域的文章")


class PushQuery(PageQuery):
    status: Literal["scheduled", "sending", "published", "failed", "cancelled"] | None = Field(
        None, description="只看含该状态投递的计划"
    )


class CalendarQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    from_: date = Field(alias="from", description="开始日期 YYYY-MM-DD（上海时间）")
    to: date = Field(description="结束日期 YYYY-MM-DD（含），最多 62 天")

    @field_validator("to")
    @classmethod
    def _range(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("from_")
        if start is None:
            return value
        if value < start:
            raise ValueError("结束日期不能早于开始日期")
        if (value - start).days > 62:
            raise ValueError("一次最多查看 62 天")
        return value


# --- answers (documented with gateway.openapi.returns) ------------------------------------


class ReviewSignatureOut(ResponseModel):
    level: int
    level_label: str
    reviewer: str
    decision: str
    comment: str
    at: str | None


class ReviewStatusOut(ResponseModel):
    status: str = Field(description="draft / in_review / rejected / approved")


class ArticleOut(ResponseModel):
    id: int
    title: str
    author: str
    digest: str
    content: str
    cover_media_id: str | None
    cover_url: str | None
    document_ids: list[int]
    domain_ids: list[int]
    source_url: str
    version: int
    content_hash: str
    review: ReviewState
    created_by: str
    updated_by: str
    created_at: str | None
    updated_at: str | None
    size: dict[str, int]
    notice: str = ""


class ArticleAnswer(ResponseModel):
    article: ArticleOut


class ArticleSummary(ResponseModel):
    id: int
    title: str
    author: str
    version: int
    review: ReviewStatusOut
    updated_at: str | None
    created_by: str


class ArticlePage(ResponseModel):
    items: list[ArticleSummary]
    total: int
    page: int
    per_page: int


class ImageAnswer(ResponseModel):
    media_id: str
    url: str
    width: int
    height: int
    size: int


class DeliveryOut(ResponseModel):
    id: int
    plan_id: int
    account: str
    account_name: str
    account_kind: str
    mode: str
    mode_label: str
    at: str | None
    title: str
    status: str
    status_label: str
    step: str
    url: str | None
    errcode: int | None
    error: str | None
    attempts: int
    next_attempt_at: str | None
    publish_id: str | None
    msg_id: str | None
    published_at: str | None
    failed_at: str | None
    can_cancel: bool
    can_retry: bool


class NotificationOut(ResponseModel):
    """The residents' notification of a plan's article (mini_program.notify's campaign)."""

    campaign_id: int
    purpose: str
    object_key: str
    state: str = Field(description="queued / running / done")
    recipients: int = Field(description="持有订阅授权、将收到通知的关注居民数")
    counts: dict[str, int] = Field(description="各结果的消息数：pending / sending / sent / ...")


class PlanOut(ResponseModel):
    id: int
    key: str | None
    article_id: int
    article_version: int
    content_hash: str
    title: str
    notify_followers: bool
    notified_at: str | None
    notification: NotificationOut | None
    created_by: str
    created_at: str | None
    counts: dict[str, int]
    deliveries: list[DeliveryOut]


class PlanAnswer(ResponseModel):
    plan: PlanOut


class PlanSummary(ResponseModel):
    id: int
    title: str
    article_id: int
    created_by: str
    created_at: str | None
    first_at: str | None
    counts: dict[str, int]


class PlanPage(ResponseModel):
    items: list[PlanSummary]
    total: int
    page: int
    per_page: int


class DeliveryAnswer(ResponseModel):
    delivery: DeliveryOut


class GroupOut(ResponseModel):
    id: str
    name: str
    kind: Literal["all", "system", "saved"]
    accounts: list[str]


class GroupList(ResponseModel):
    groups: list[GroupOut]


class GroupAnswer(ResponseModel):
    group: GroupOut


class CalendarEntry(ResponseModel):
    delivery_id: int
    plan_id: int
    account: str
    account_name: str
    at: str | None
    mode: str
    mode_label: str
    status: str
    title: str


class CalendarConflict(ResponseModel):
    kind: Literal["same_day", "quota", "stale"]
    day: str
    account: str
    account_name: str
    message: str


class CalendarDay(ResponseModel):
    day: str
    entries: list[CalendarEntry]
    conflicts: list[CalendarConflict]


class CalendarAnswer(ResponseModel):
    from_: str = Field(alias="from")
    to: str
    days: list[CalendarDay]
    conflicts: list[CalendarConflict]


class MpDomainOut(ResponseModel):
    id: int
    name: str


class MpDocumentOut(ResponseModel):
    id: int
    title: str
    doc_no: str | None


class MpArticleOut(ResponseModel):
    id: int
    title: str
    author: str
    digest: str
    content: str
    cover_url: str | None
    published_at: str | None
    domains: list[MpDomainOut]
    documents: list[MpDocumentOut]
    source_url: str


class MpArticleAnswer(ResponseModel):
    article: MpArticleOut


class MpArticleSummary(ResponseModel):
    id: int
    title: str
    digest: str
    cover_url: str | None
    published_at: str | None


class MpArticlePage(ResponseModel):
    items: list[MpArticleSummary]
    total: int
    page: int
    per_page: int
