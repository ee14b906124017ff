"""Request and answer shapes of the matrix API, with field-level messages in Chinese."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import JsonDict

from gateway.config import get_settings
from gateway.openapi import ResponseModel
from gateway.paging import PageQuery
from gateway.schemas import PatchModel, documented, optional
from matrix.models import WECHAT_PLATFORMS, InboxStatus, Platform, ReassignmentStatus

CODE_RE = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
WECHAT_APPID_RE = re.compile(r"^wx[0-9a-f]{16}$")
AES_KEY_RE = re.compile(r"^[A-Za-z0-9+/]{43}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9]{3,32}$")
ORIGINAL_ID_RE = re.compile(r"^gh_[0-9a-zA-Z]{6,29}$")

APPID_MESSAGE = "微信 AppID 应为 wx 加 16 位十六进制字符（共 18 位）"
AES_KEY_MESSAGE = "EncodingAESKey 应为 43 位，由字母、数字、+ 和 / 组成"
TOKEN_MESSAGE = "Token 应为 3–32 位字母或数字"
# WeChat's own AppSecrets are 32 characters; the demo county's start with "demo-".
SECRET_RE = re.compile(r"^\S{8,128}$")
SECRET_MESSAGE = "AppSecret 应为至少 8 位、不含空格的字符（在微信公众平台重置后复制）"
DEMO_SECRET_PREFIX = "demo-"
# A name or a reply: any text with something besides blanks in it.
NOT_BLANK: JsonDict = {"pattern": r"\S"}


def _secret(value: str) -> str:
    if not SECRET_RE.match(value):
        raise ValueError(SECRET_MESSAGE)
    if get_settings().is_production and value.startswith(DEMO_SECRET_PREFIX):
        raise ValueError("生产环境不能使用演示用的 AppSecret")
    return value


# An AppSecret as typed in (account creation and rotation alike).
Secret = Annotated[str, Field(json_schema_extra=documented(SECRET_RE)), AfterValidator(_secret)]


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class KeywordRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    keyword: str = Field(min_length=1, max_length=30)
    reply: str = Field(min_length=1, max_length=600)
    # exact: the whole message must equal the keyword; otherwise containing it is enough.
    exact: bool = False


class AutoReply(BaseModel):
    model_config = ConfigDict(extra="forbid")
    click: dict[str, str] = Field(
        default_factory=dict,
        description="菜单 KEY → 回复",
        json_schema_extra={
            "propertyNames": {"minLength": 1, "maxLength": 128},
            "additionalProperties": {"type": "string", "maxLength": 600, **NOT_BLANK},
        },
    )
    keywords: list[KeywordRule] = Field(default_factory=list, max_length=200)
    subscribe: str = Field("", max_length=600)

    @field_validator("click")
    @classmethod
    def _click_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for key, text in value.items():
            if not key or len(key) > 128:
                raise ValueError("菜单 KEY 应为 1–128 个字符")
            if not isinstance(text, str) or not text.strip() or len(text) > 600:
                raise ValueError(f"菜单 {key} 的回复应为 1–600 个字符")
        return value


def _platform(info: ValidationInfo) -> str | None:
    # From the body (create: `platform` is declared before the fields that depend on it) or
    # from the stored account (update: the validation context), so a field that the platform
    # makes wrong is reported together with every other bad field.
    platform = info.data.get("platform") or (info.context or {}).get("platform")
    return str(platform) if platform else None


class _AccountFields(BaseModel):
    # Values are taken as sent (the console strips its form fields itself): the document's
    # patterns are exactly what is accepted.
    model_config = ConfigDict(extra="forbid")

    @field_validator("appid", check_fields=False)
    @classmethod
    def _appid(cls, value: str | None, info: ValidationInfo) -> str | None:
        if _platform(info) in WECHAT_PLATFORMS:
            if not value:
                raise ValueError("微信账号必须填写 AppID")
            if not WECHAT_APPID_RE.match(value):
                raise ValueError(APPID_MESSAGE)
        return value or None

    @field_validator("encoding_aes_key", check_fields=False)
    @classmethod
    def _aes_key(cls, value: str | None) -> str | None:
        if value and not AES_KEY_RE.match(value):
            raise ValueError(AES_KEY_MESSAGE)
        return value or None

    @field_validator("token", check_fields=False)
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        if value and not TOKEN_RE.match(value):
            raise ValueError(TOKEN_MESSAGE)
        return value or None

    @field_validator("original_id", check_fields=False)
    @classmethod
    def _original_id(cls, value: str | None) -> str | None:
        if value and not ORIGINAL_ID_RE.match(value):
            raise ValueError("原始 ID 应以 gh_ 开头")
        return value or None

    @field_validator("department_code", check_fields=False)
    @classmethod
    def _department(cls, value: str | None, info: ValidationInfo) -> str | None:
        # The county's department codes come with the validation context (the registry's
        # validation_context); the registry validates again with them before saving.
        known = (info.context or {}).get("departments")
        if value and known is not None and value not in known:
            raise ValueError("没有这个部门")
        platform = _platform(info)
        if not value and platform and platform != Platform.WECHAT_MINIPROGRAM:
            raise ValueError("请选择所属部门")
        return value or None


class AccountCreate(_AccountFields):
    code: str = Field(
        description="账号编码（2–32 位，小写字母开头；回调地址的最后一段）",
        json_schema_extra=documented(CODE_RE),
    )
    platform: Platform
    name: str = Field(min_length=1, max_length=64, json_schema_extra=NOT_BLANK)
    # Checked even when absent: the platform decides whether they are required.
    department_code: str | None = Field(
        default=None,
        max_length=32,
        validate_default=True,
        description="所属部门代码（小程序以外必填，须是县里的部门）",
    )
    appid: str | None = Field(
        default=None,
        max_length=32,
        validate_default=True,
        description="微信账号必填：wx 加 16 位十六进制字符",
    )
    original_id: str | None = Field(
        default=None, json_schema_extra=documented(optional(ORIGINAL_ID_RE))
    )
    secret: str | None = Field(
        default=None,
        validate_default=True,
        description="微信账号必填：AppSecret",
        json_schema_extra=documented(optional(SECRET_RE)),
    )
    encoding_aes_key: str | None = Field(
        default=None, description="不填则生成", json_schema_extra=documented(optional(AES_KEY_RE))
    )
    token: str | None = Field(
        default=None, description="不填则生成", json_schema_extra=documented(optional(TOKEN_RE))
    )
    safe_mode: bool = True
    auto_reply: AutoReply | None = None

    @field_validator("secret")
    @classmethod
    def _secret_required(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            if _platform(info) in WECHAT_PLATFORMS:
                raise ValueError("微信账号必须填写 AppSecret")
            return None
        return _secret(value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("名称不能为空")
        return value.strip()

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not CODE_RE.match(value):
            raise ValueError("编码应以小写字母开头，由小写字母、数字、- 和 _ 组成（2–32 位）")
        return value


class AccountUpdate(_AccountFields, PatchModel):
    """Fields left out (or null) are not changed; a given field is checked against the stored
    account's platform."""

    department_code: str | None = Field(default=None, max_length=32, description="所属部门代码")
    name: str | None = Field(default=None, min_length=1, max_length=64, json_schema_extra=NOT_BLANK)
    appid: str | None = Field(
        default=None, max_length=32, description="微信账号：wx 加 16 位十六进制字符"
    )
    original_id: str | None = Field(
        default=None, json_schema_extra=documented(optional(ORIGINAL_ID_RE))
    )
    encoding_aes_key: str | None = Field(
        default=None, json_schema_extra=documented(optional(AES_KEY_RE))
    )
    token: str | None = Field(default=None, json_schema_extra=documented(optional(TOKEN_RE)))
    safe_mode: bool | None = None
    is_active: bool | None = None
    auto_reply: AutoReply | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("名称不能为空")
        return value.strip() if value is not None else None


class RotateSecret(BaseModel):
    model_config = ConfigDict(extra="forbid")
    secret: Secret


class InboxQuery(PageQuery):
    account: str | None = Field(None, max_length=32)
    department: str | None = Field(None, max_length=32)
    status: InboxStatus | None = None

    @field_validator("account", "department", "status", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        value = _strip(value)
        return value or None


class AssignBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    department_code: str = Field(min_length=1, max_length=32)


def _reason(value: str) -> str:
    if len(value.strip()) < 2:
        raise ValueError("请写明理由（至少 2 个字）")
    return value.strip()


class ReassignmentBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    department_code: str = Field(min_length=1, max_length=32, description="应负责答复的部门代码")
    reason: str = Field(max_length=200, description="为什么应由该部门答复（管理员会看到）")

    check_reason = field_validator("reason")(_reason)


class ApproveBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: str | None = Field(None, max_length=200, description="给申请部门的说明（可选）")


class RefuseBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(max_length=200, description="不同意的理由（申请部门会看到）")

    check_reason = field_validator("reason")(_reason)


class ReassignmentQuery(PageQuery):
    status: ReassignmentStatus | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _strip(value) or None


class ReassignmentOut(ResponseModel):
    id: int
    message_id: int
    from_department: str
    from_department_name: str
    to_department: str
    to_department_name: str
    reason: str = Field(description="申请部门写的理由")
    status: ReassignmentStatus
    status_label: str
    requested_by: str
    requested_at: str
    decided_by: str | None
    decision_note: str | None = Field(description="管理员同意时的说明或不同意的理由")
    decided_at: str | None


class ReassignmentAnswer(ResponseModel):
    request: ReassignmentOut


class ReassignmentPage(ResponseModel):
    items: list[ReassignmentOut]
    total: int
    page: int
    per_page: int


class ReplyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=600, json_schema_extra=NOT_BLANK)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("回复内容不能为空")
        return value.strip()


# --- answers -------------------------------------------------------------------------------


class TokenState(ResponseModel):
    """The shared access token as the WeChat client keeps it (never the token itself)."""

    state: Literal["valid", "none", "unknown"]
    expires_in: int = Field(description="seconds")


class AccountHealth(ResponseModel):
    level: Literal["ok", "warning", "failing"]
    level_label: str
    problems: list[str] = Field(description="原因，中文")
    days_since_publication: int | None
    publication: Literal["ok", "warning", "failing", "n/a"]
    unanswered_messages: int
    overdue_messages: int = Field(description="超过回复时限（工作日）仍未回复的留言")
    token_state: TokenState | None


class FollowerDay(ResponseModel):
    day: date
    followers: int


class AccountOut(ResponseModel):
    """An account as the API shows it: never its AppSecret, Token or EncodingAESKey."""

    code: str
    department_code: str | None
    department_name: str | None
    platform: Platform
    platform_label: str
    name: str
    appid: str | None
    original_id: str | None
    follower_count: int
    last_published_at: datetime | None
    safe_mode: bool
    is_active: bool
    has_secret: bool
    has_encoding_aes_key: bool
    callback_url: str | None = Field(
        description="填入微信公众平台的服务器地址（不接收回调的平台为空）"
    )
    auto_reply: AutoReply
    created_at: datetime | None
    updated_at: datetime | None
    # With the account's health (listing, one account when it is in the matrix's health).
    token_state: TokenState | None = None
    health: AccountHealth | None = None
    follower_trend: list[FollowerDay] | None = Field(default=None, description="近 30 天粉丝数")


class AccountList(ResponseModel):
    accounts: list[AccountOut]
    total: int


class AccountAnswer(ResponseModel):
    account: AccountOut


class HealthSummary(ResponseModel):
    ok: int
    warning: int
    failing: int
    accounts: int
    followers: int
    overdue_messages: int


class AccountHealthRow(ResponseModel):
    code: str
    name: str
    department_code: str | None
    platform: Platform
    follower_count: int
    last_published_at: datetime | None
    token_state: TokenState | None
    health: AccountHealth
    follower_trend: list[FollowerDay]


class MatrixHealth(ResponseModel):
    summary: HealthSummary
    accounts: list[AccountHealthRow]


class MessageOut(ResponseModel):
    id: int
    account_code: str
    account_name: str
    department_code: str | None
    assigned_department: str | None
    responsible_department: str | None = Field(description="分派的部门，未分派时为账号所属部门")
    follower: str = Field(description="粉丝 openid，只显示首尾")
    msg_type: str
    content: str
    media_id: str | None
    received_at: datetime | None
    status: InboxStatus
    status_label: str
    auto_replied: bool
    reply_text: str | None
    replied_at: datetime | None
    replied_by: str | None
    reply_errcode: int | None
    reply_error: str | None
    reply_workdays: int | None = Field(description="回复用了几个工作日")
    reply_deadline: date = Field(description="应回复日期（收到后 3 个工作日）")
    overdue: bool
    reassignment: ReassignmentOut | None = Field(
        None, description="最近一次改派申请（部门提出，管理员或编辑决定）"
    )


class MessageAnswer(ResponseModel):
    message: MessageOut


class InboxPage(ResponseModel):
    items: list[MessageOut]
    total: int
    page: int
    per_page: int
    pages: int
