"""Request shapes of the staff API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from gateway.paging import PageQuery


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, description="工作人员用户名")
    password: str = Field(min_length=1, max_length=1024, description="密码")


class StaffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=64, description="登录用户名，小写字母开头")
    role: str = Field(description="admin | editor | reviewer | department_staff | village_staff")
    password: str = Field(max_length=1024, description="初始密码，至少 10 位，含三类字符")
    display_name: str = Field("", max_length=64, description="显示名，如 县教育局工作人员")
    department_code: str | None = Field(None, max_length=32, description="所属部门代码")
    village_code: str | None = Field(None, max_length=32, description="所属村代码")


class StaffPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str | None = None
    is_active: StrictBool | None = None
    password: str | None = Field(None, max_length=1024, description="重置为新密码")
    display_name: str | None = Field(None, max_length=64)
    department_code: str | None = Field(None, max_length=32, description="空字符串表示清除")
    village_code: str | None = Field(None, max_length=32, description="空字符串表示清除")


class StaffListQuery(PageQuery):
    role: str | None = None
    q: str | None = Field(None, max_length=64)


class AuditQuery(PageQuery):
    action: str | None = Field(None, max_length=64)
    actor_id: int | None = None
    target_type: str | None = Field(None, max_length=64)
    target_id: str | None = Field(None, max_length=64)
