"""Request shapes of the matrix API, with field-level messages in Chinese."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from gateway.paging import PageQuery
from matrix.models import WECHAT_PLATFORMS, InboxStatus, Platform, ReassignmentStatus

CODE_RE = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
WECHAT_APPID_RE = re.compile(r"^wx[0-9a-f]{16}$")
AES_KEY_RE = re.compile(r"^[A-Za-z0-9+/]{43}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9]{3,32}$")
ORIGINAL_ID_RE = re.compile(r"^gh_[0-9a-zA-Z]{6,29}$")

APPID_MESSAGE = "微信 AppID 应为 wx 加 16 位十六进制字符（共 18 位）"
AES_KEY_MESSAGE = "EncodingAESKey 应为 43 位，由字母、数字、+ 和 / 组成"
TOKEN_MESSAGE = "Token 应为 3–32 位字母或数字"
SECRET_MESSAGE = "AppSecret 应为至少 8 位、不含空格的字符（在微信公众平台重置后复制）"


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
    click: dict[str, str] = Field(default_factory=dict)
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


class _AccountFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("appid", check_fields=False)
    @classmethod
    def _appid(cls, value: str | None, info: ValidationInfo) -> str | None:
        # The platform comes from the body (create) or from the stored account (update, via
        # the validation context), so a wrong appid is reported with every other bad field.
        platform = info.data.get("platform") or (info.context or {}).get("platform")
        if value and platform in WECHAT_PLATFORMS and not WECHAT_APPID_RE.match(value):
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
    def _department(cls, value: str | None) -> str | None:
        return value or None


class AccountCreate(_AccountFields):
    code: str = Field(min_length=2, max_length=32)
    department_code: str | None = None
    platform: Platform
    name: str = Field(min_length=1, max_length=64)
    appid: str | None = Field(None, max_length=32)
    original_id: str | None = None
    secret: str | None = Field(None, max_length=128)
    encoding_aes_key: str | None = None
    token: str | None = None
    safe_mode: bool = True
    auto_reply: AutoReply | None = None

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        # Same rule as rotating a secret (WeChat's own are 32 characters).
        if value and (len(value) < 8 or any(ch.isspace() for ch in value)):
            raise ValueError(SECRET_MESSAGE)
        return value or None

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not CODE_RE.match(value):
            raise ValueError("编码应以小写字母开头，由小写字母、数字、- 和 _ 组成（2–32 位）")
        return value


class AccountUpdate(_AccountFields):
    department_code: str | None = None
    name: str | None = Field(None, min_length=1, max_length=64)
    appid: str | None = Field(None, max_length=32)
    original_id: str | None = None
    encoding_aes_key: str | None = None
    token: str | None = None
    safe_mode: bool | None = None
    is_active: bool | None = None
    auto_reply: AutoReply | None = None


class RotateSecret(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    secret: str = Field(min_length=8, max_length=128)


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


class ReassignmentOut(BaseModel):
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


class ReassignmentAnswer(BaseModel):
    request: ReassignmentOut


class ReassignmentPage(BaseModel):
    items: list[ReassignmentOut]
    total: int
    page: int
    per_page: int


class ReplyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=600)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("回复内容不能为空")
        return value.strip()
