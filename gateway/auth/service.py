"""Staff users: create, list, update, sign in. Services never take a Request."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from gateway import audit
from gateway.auth import lockout, sessions
from gateway.auth.models import ROLE_LABELS, Role, StaffUser
from gateway.auth.passwords import (
    hash_password_async,
    needs_rehash,
    password_problem,
    verify_password,
)
from gateway.auth.permissions import permissions_of
from gateway.clock import SHANGHAI, to_iso
from gateway.errors import ApiError, Conflict, Invalid, NotFound, Unauthorized
from gateway.org import Department, Village
from gateway.paging import fetch_page

USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{2,31}$")


class LoginLocked(ApiError):
    status, code = 429, "login_locked"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        until = datetime.now(SHANGHAI).timestamp() + retry_after
        at = datetime.fromtimestamp(until, SHANGHAI).strftime("%H:%M")
        minutes = max(1, (retry_after + 59) // 60)
        super().__init__(
            f"登录失败次数过多，已暂时锁定，请在 {minutes} 分钟后（{at} 以后）再试",
            extra={"retry_after": retry_after},
        )


def role_label(role: Role | str) -> str:
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return str(role)


def staff_to_dict(staff: StaffUser) -> dict[str, Any]:
    """The public view of a staff user (never the password hash)."""
    return {
        "id": staff.id,
        "username": staff.username,
        "display_name": staff.display_name,
        "role": str(staff.role),
        "role_label": role_label(staff.role),
        "department_code": staff.department_code,
        "village_code": staff.village_code,
        "is_active": staff.is_active,
        "created_at": to_iso(staff.created_at),
        "last_login_at": to_iso(staff.last_login_at),
        "permissions": permissions_of(staff.role),
    }


async def get_staff(*, staff_id: int) -> StaffUser:
    """One staff user by id."""
    # Staff ids are 32-bit (SERIAL on PostgreSQL, which refuses larger values outright).
    staff = await StaffUser.get_or_none(id=staff_id) if 0 < staff_id < 2**31 else None
    if staff is None:
        raise NotFound("没有这个工作人员")
    return staff


async def get_active_staff(*, staff_id: int) -> StaffUser | None:
    """The staff user behind a session, if still active."""
    return await StaffUser.get_or_none(id=staff_id, is_active=True)


async def list_staff(
    *, page: int = 1, per_page: int = 20, role: str | None = None, q: str | None = None
) -> tuple[list[StaffUser], int]:
    """Staff users in creation order, with the total count for pagination."""
    query = StaffUser.all()
    if role:
        query = query.filter(role=role)
    if q:
        query = query.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    return await fetch_page(query.order_by("id"), page=page, per_page=per_page)


async def count_staff(*, active_only: bool = True) -> int:
    """How many staff users there are (the console's overview tile)."""
    query = StaffUser.filter(is_active=True) if active_only else StaffUser.all()
    return await query.count()


async def _check_org(
    fields: dict[str, str], role: Role, department_code: str | None, village_code: str | None
) -> None:
    if department_code and not await Department.exists(code=department_code):
        fields["department_code"] = "没有这个部门"
    if village_code and not await Village.exists(code=village_code):
        fields["village_code"] = "没有这个村"
    if role == Role.DEPARTMENT_STAFF and not department_code:
        fields.setdefault("department_code", "部门工作人员必须选择所属部门")
    if role == Role.VILLAGE_STAFF and not village_code:
        fields.setdefault("village_code", "村级工作人员必须选择所属村")


def _parse_role(value: str, fields: dict[str, str]) -> Role | None:
    try:
        return Role(value)
    except ValueError:
        choices = "、".join(f"{r.value}（{ROLE_LABELS[r]}）" for r in Role)
        fields["role"] = f"角色无效，可选：{choices}"
        return None


async def create_staff(
    *,
    username: str,
    role: str,
    password: str,
    display_name: str = "",
    department_code: str | None = None,
    village_code: str | None = None,
    check_org: bool = True,
) -> StaffUser:
    """Create a staff user after validating every field; errors name the field at fault."""
    username = username.strip().lower()
    display_name = display_name.strip()
    department_code = (department_code or "").strip() or None
    village_code = (village_code or "").strip() or None
    fields: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        fields["username"] = "用户名应为 3–32 位小写字母、数字、下划线、点或连字符，以字母开头"
    parsed_role = _parse_role(role, fields)
    problem = password_problem(password, username=username)
    if problem:
        fields["password"] = problem
    if len(display_name) > 64:
        fields["display_name"] = "显示名最多 64 个字"
    if parsed_role is not None and check_org:
        await _check_org(fields, parsed_role, department_code, village_code)
    if "username" not in fields and await StaffUser.exists(username=username):
        raise Conflict("用户名已存在", code="username_taken", fields={"username": "用户名已存在"})
    if fields or parsed_role is None:
        raise Invalid("工作人员信息有误", fields=fields)
    password_hash = await hash_password_async(password)
    try:
        return await StaffUser.create(
            username=username,
            display_name=display_name or username,
            role=parsed_role,
            department_code=department_code,
            village_code=village_code,
            password_hash=password_hash,
        )
    except IntegrityError as exc:  # a concurrent create of the same name
        raise Conflict(
            "用户名已存在", code="username_taken", fields={"username": "用户名已存在"}
        ) from exc


async def _active_admins_besides(staff_id: int) -> int:
    return await StaffUser.filter(role=Role.ADMIN, is_active=True).exclude(id=staff_id).count()


async def update_staff(
    *,
    staff_id: int,
    actor_id: int | None,
    role: str | None = None,
    is_active: bool | None = None,
    password: str | None = None,
    display_name: str | None = None,
    department_code: str | None = None,
    village_code: str | None = None,
) -> tuple[StaffUser, dict[str, Any]]:
    """Change a staff user; returns the user and what changed (for the audit record).

    Deactivating a user or resetting the password ends all of their sessions. The county is
    never left without an active administrator, and nobody deactivates or demotes themselves.
    """
    staff = await get_staff(staff_id=staff_id)
    fields: dict[str, str] = {}
    changes: dict[str, Any] = {}
    new_role = staff.role
    if role is not None:
        parsed = _parse_role(role, fields)
        if parsed is not None and parsed != staff.role:
            new_role = parsed
            changes["role"] = {"from": str(staff.role), "to": str(parsed)}
    if display_name is not None and display_name.strip() != staff.display_name:
        if len(display_name.strip()) > 64:
            fields["display_name"] = "显示名最多 64 个字"
        changes["display_name"] = display_name.strip()
    new_department = staff.department_code
    if department_code is not None:
        new_department = department_code.strip() or None
        if new_department != staff.department_code:
            changes["department_code"] = {"from": staff.department_code, "to": new_department}
    new_village = staff.village_code
    if village_code is not None:
        new_village = village_code.strip() or None
        if new_village != staff.village_code:
            changes["village_code"] = {"from": staff.village_code, "to": new_village}
    if password is not None:
        problem = password_problem(password, username=staff.username)
        if problem:
            fields["password"] = problem
        changes["password"] = "reset"
    if is_active is not None and is_active != staff.is_active:
        changes["is_active"] = is_active
    if {"role", "department_code", "village_code"} & changes.keys():
        await _check_org(fields, new_role, new_department, new_village)
    losing_admin = staff.role == Role.ADMIN and (
        new_role != Role.ADMIN or changes.get("is_active") is False
    )
    if losing_admin and actor_id == staff.id:
        fields["role" if "role" in changes else "is_active"] = "不能停用或降级自己的管理员账号"
    elif losing_admin and staff.is_active and await _active_admins_besides(staff.id) == 0:
        fields["role" if "role" in changes else "is_active"] = "至少需要保留一名启用的管理员"
    if fields:
        raise Invalid("修改内容有误", fields=fields)
    if not changes:
        return staff, changes
    staff.role = new_role
    staff.department_code = new_department
    staff.village_code = new_village
    if "display_name" in changes:
        staff.display_name = changes["display_name"] or staff.username
    if "is_active" in changes:
        staff.is_active = bool(is_active)
    if password is not None:
        staff.password_hash = await hash_password_async(password)
    await staff.save()
    if changes.get("is_active") is False or "password" in changes or "role" in changes:
        await sessions.revoke_all_sessions(staff.id)
    return staff, changes


async def authenticate(*, username: str, password: str, ip: str | None) -> StaffUser:
    """Check a username and password, enforcing the lockout.

    Every failure (unknown user, wrong password, deactivated user) gives the same answer after
    the same amount of work, so neither the message nor the timing reveals which usernames exist.
    The attempt takes its place in the lockout before the password is verified, so parallel
    guesses cannot outrun the limit; each verified failure is audited.
    """
    try:
        attempt = await lockout.reserve(username, ip)
    except lockout.Refused as exc:
        raise LoginLocked(exc.retry_after) from None
    try:
        staff = await StaffUser.get_or_none(username=lockout.normalise(username))
        ok = await verify_password(staff.password_hash if staff else None, password)
    except BaseException:
        # A database error or a cancelled request: no verdict, so the place is not a failure.
        await lockout.release(attempt)
        raise
    verified = ok and staff is not None and staff.is_active
    newly_locked, locked_for = await lockout.finish(attempt, verified=verified)
    if not verified or staff is None:
        await _audit_failure(staff, username, ip, "staff.login_failed")
        if newly_locked:
            await _audit_failure(staff, username, ip, "staff.login_locked")
        if locked_for:
            raise LoginLocked(locked_for)
        raise Unauthorized("用户名或密码错误", code="invalid_credentials")
    staff.last_login_at = datetime.now(UTC)
    update_fields = ["last_login_at"]
    if needs_rehash(staff.password_hash):
        staff.password_hash = await hash_password_async(password)
        update_fields.append("password_hash")
    await staff.save(update_fields=update_fields)
    return staff


async def _audit_failure(
    staff: StaffUser | None, username: str, ip: str | None, action: str
) -> None:
    # Failed sign-ins are few by construction (the lockout bounds them), and the county's
    # administrators want to see guessing: every verified failure leaves a record.
    await audit.record(
        actor_id=staff.id if staff else None,
        actor_name=username.strip()[:64] or "-",
        action=action,
        target_type="staff_user",
        target_id=staff.id if staff else None,
        detail={"username": username.strip()[:64]},
        ip=ip,
    )


async def login(
    *, username: str, password: str, ip: str | None, channel: str
) -> tuple[StaffUser, str, int]:
    """Sign in and open a session; returns (staff, token, ttl). Audited."""
    staff = await authenticate(username=username, password=password, ip=ip)
    token, ttl = await sessions.issue_session(staff_id=staff.id, channel=channel, ip=ip)
    await audit.record(
        actor_id=staff.id,
        actor_name=staff.username,
        action="staff.login",
        target_type="staff_user",
        target_id=staff.id,
        detail={"channel": channel},
        ip=ip,
    )
    return staff, token, ttl
