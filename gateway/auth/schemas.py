"""Request shapes of the staff API, and the rules for staff users' fields (one home for each).

The API, the console form, the `govmatrix user` commands and the service all validate through
these models. A rule that depends on another field of the same body reads it from
`info.data` (the field it depends on is declared first); one that depends on the stored user
(the username a new password must not equal, or the role a department change applies to)
reads the validation context the service passes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import JsonDict

from gateway.auth.models import ROLE_LABELS, Role
from gateway.auth.passwords import MAX_LENGTH, MIN_LENGTH, PASSWORD_PATTERN, password_problem
from gateway.openapi import ResponseModel
from gateway.paging import PageQuery
from gateway.schemas import PatchModel, stripped

# Usernames are stored in lower case; typed in any case, with blanks around, they are folded.
USERNAME_INPUT = stripped(r"^[A-Za-z][A-Za-z0-9_.-]{2,31}$")
USERNAME_MESSAGE = "用户名应为 3–32 位小写字母、数字、下划线、点或连字符，以字母开头"
DISPLAY_NAME_MAX = 64
# The password policy as the document states it; password_problem is the rest of it.
PASSWORD_RULES: JsonDict = {
    "pattern": PASSWORD_PATTERN.pattern,
    "minLength": MIN_LENGTH,
    "maxLength": MAX_LENGTH,
}
PASSWORD_DESCRIPTION = (
    f"{MIN_LENGTH}–{MAX_LENGTH} 位，含大写字母、小写字母、数字、符号中的至少三类；"
    "不能包含用户名，不能是常见密码，不同的字符至少 5 个"
)


def parse_role(value: object) -> object:
    """A role value, or a ValueError listing the roles in Chinese."""
    if isinstance(value, Role):
        return value
    try:
        return Role(str(value))
    except ValueError:
        choices = "、".join(f"{r.value}（{ROLE_LABELS[r]}）" for r in Role)
        raise ValueError(f"角色无效，可选：{choices}") from None


def department_problem(role: object, department_code: str | None) -> str | None:
    """Department staff belong to a department."""
    if role == Role.DEPARTMENT_STAFF and not department_code:
        return "部门工作人员必须选择所属部门"
    return None


def village_problem(role: object, village_code: str | None) -> str | None:
    """Village staff belong to a village."""
    if role == Role.VILLAGE_STAFF and not village_code:
        return "村级工作人员必须选择所属村"
    return None


def _unit_code(value: str | None, info: ValidationInfo, kind: str, missing: str) -> str | None:
    # The county's department and village codes come with the validation context
    # (gateway.auth.service.validation_context); the service validates with them.
    code = (value or "").strip() or None
    known = (info.context or {}).get(kind)
    if code and known is not None and code not in known:
        raise ValueError(missing)
    return code


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, description="工作人员用户名")
    password: str = Field(min_length=1, max_length=1024, description="密码")


class StaffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        description="登录用户名，字母开头（保存为小写）",
        json_schema_extra={"pattern": USERNAME_INPUT.pattern},
    )
    role: Role = Field(description="admin | editor | reviewer | department_staff | village_staff")
    password: str = Field(description=PASSWORD_DESCRIPTION, json_schema_extra=PASSWORD_RULES)
    display_name: str = Field("", max_length=DISPLAY_NAME_MAX, description="显示名")
    # Checked even when absent: the role decides whether they are required.
    department_code: str | None = Field(
        None, max_length=32, validate_default=True, description="所属部门代码"
    )
    village_code: str | None = Field(
        None, max_length=32, validate_default=True, description="所属村代码"
    )

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not USERNAME_INPUT.match(value):
            raise ValueError(USERNAME_MESSAGE)
        return value.strip().lower()

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, value: object) -> object:
        return parse_role(value)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str, info: ValidationInfo) -> str:
        problem = password_problem(value, username=info.data.get("username") or "")
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("display_name")
    @classmethod
    def _display_name(cls, value: str) -> str:
        return value.strip()

    @field_validator("department_code")
    @classmethod
    def _department(cls, value: str | None, info: ValidationInfo) -> str | None:
        code = _unit_code(value, info, "departments", "没有这个部门")
        problem = department_problem(info.data.get("role"), code)
        if problem:
            raise ValueError(problem)
        return code

    @field_validator("village_code")
    @classmethod
    def _village(cls, value: str | None, info: ValidationInfo) -> str | None:
        code = _unit_code(value, info, "villages", "没有这个村")
        problem = village_problem(info.data.get("role"), code)
        if problem:
            raise ValueError(problem)
        return code


class StaffPatch(PatchModel):
    """Fields left out (or null) are not changed; "" clears a department or village."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = Field(default=None, description="新角色")
    is_active: StrictBool | None = None
    password: str | None = Field(
        default=None,
        description="重置为新密码：" + PASSWORD_DESCRIPTION,
        json_schema_extra=PASSWORD_RULES,
    )
    display_name: str | None = Field(default=None, max_length=DISPLAY_NAME_MAX)
    department_code: str | None = Field(default=None, max_length=32, description="空字符串表示清除")
    village_code: str | None = Field(default=None, max_length=32, description="空字符串表示清除")

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, value: object) -> object:
        return None if value is None else parse_role(value)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str | None, info: ValidationInfo) -> str | None:
        # The username is the stored user's (validation context).
        username = str((info.context or {}).get("username") or "")
        problem = password_problem(value, username=username) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("display_name")
    @classmethod
    def _display_name(cls, value: str | None) -> str | None:
        return value.strip() if value is not None else None

    @field_validator("department_code")
    @classmethod
    def _department(cls, value: str | None, info: ValidationInfo) -> str | None:
        # None: not changed; "" (after stripping): cleared.
        if value is None:
            return None
        return _unit_code(value, info, "departments", "没有这个部门") or ""

    @field_validator("village_code")
    @classmethod
    def _village(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        return _unit_code(value, info, "villages", "没有这个村") or ""


class StaffListQuery(PageQuery):
    role: Role | None = Field(None, description="只看这个角色")
    q: str | None = Field(None, max_length=64)


class AuditQuery(PageQuery):
    action: str | None = Field(None, max_length=64)
    actor_id: int | None = None
    target_type: str | None = Field(None, max_length=64)
    target_id: str | None = Field(None, max_length=64)


# --- answers -------------------------------------------------------------------------------


class StaffOut(ResponseModel):
    """A staff user as the API shows them (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: Role
    role_label: str
    department_code: str | None
    village_code: str | None
    is_active: bool
    created_at: datetime | None
    last_login_at: datetime | None
    permissions: list[str] = Field(description="权限，如 inbox.reply；管理员为 *")


class StaffAnswer(ResponseModel):
    staff: StaffOut


class SessionOut(ResponseModel):
    token: str = Field(description="Bearer 令牌：Authorization: Bearer <token>")
    expires_in: int = Field(description="seconds")
    staff: StaffOut


class StaffPage(ResponseModel):
    items: list[StaffOut]
    total: int
    page: int
    per_page: int


class AuditRecordOut(ResponseModel):
    id: int
    actor_id: int | None
    actor_name: str
    action: str = Field(description="如 staff.update、matrix.account.create")
    target_type: str
    target_id: str | None
    detail: dict[str, Any] | None
    ip: str | None
    created_at: datetime | None


class AuditPage(ResponseModel):
    items: list[AuditRecordOut]
    total: int
    page: int
    per_page: int
