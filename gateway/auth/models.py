"""Staff users and residents (residents are keyed by openid: see gateway.auth.resident)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    REVIEWER = "reviewer"
    DEPARTMENT_STAFF = "department_staff"
    VILLAGE_STAFF = "village_staff"
    # Approves extensions of disclosure deadlines (政府信息公开条例 Art. 33).
    DISCLOSURE_HEAD = "disclosure_head"


ROLE_LABELS = {
    Role.ADMIN: "管理员",
    Role.EDITOR: "编辑",
    Role.REVIEWER: "审核员",
    Role.DEPARTMENT_STAFF: "部门工作人员",
    Role.VILLAGE_STAFF: "村级工作人员",
    Role.DISCLOSURE_HEAD: "政务公开办负责人",
}


class StaffUser(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=64, default="")
    role = fields.CharEnumField(Role, max_length=32)
    # Departments and villages are shared organisation data (gateway.org), referenced by code.
    department_code = fields.CharField(max_length=32, null=True)
    village_code = fields.CharField(max_length=32, null=True)
    password_hash = fields.CharField(max_length=255)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "staff_user"


# A mini-program user, created at first login and keyed by the openid WeChat gives for this app.
# (No docstrings on models: tortoise copies them into SQL comments and breaks on ';' and quotes.)
class Resident(Model):
    id = fields.IntField(primary_key=True)
    openid = fields.CharField(max_length=64, unique=True)
    unionid = fields.CharField(max_length=64, null=True)
    nickname = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "resident"
