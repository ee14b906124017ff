"""Staff users: create, list, update, sign in. Services never take a Request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from gateway import audit
from gateway.auth import lockout, sessions
from gateway.auth.models import ROLE_LABELS, Role, StaffUser
from gateway.auth.passwords import hash_password_async, needs_rehash, verify_password
from gateway.auth.permissions import permissions_of
from gateway.auth.schemas import StaffCreate, StaffPatch, department_problem, village_problem
from gateway.clock import SHANGHAI, to_iso
from gateway.errors import ApiError, Conflict, Invalid, NotFound, Unauthorized, revalidate
from gateway.org import Department, Village
from gateway.paging import fetch_page


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


async def validation_context(*, username: str | None = None) -> dict[str, Any]:
    """What the staff schemas check against: the county's department and village codes, and
    for a change to a stored user their username (a new password must differ from it)."""
    context: dict[str, Any] = {
        "departments": set(await Department.all().values_list("code", flat=True)),
        "villages": set(await Village.all().values_list("code", flat=True)),
    }
    if username is not None:
        context["username"] = username
    return context


async def create_staff(*, data: StaffCreate) -> StaffUser:
    """Create a staff user; every field is checked (gateway.auth.schemas) and named at fault."""
    data = revalidate(data, context=await validation_context(), message="工作人员信息有误")
    if await StaffUser.exists(username=data.username):
        raise Conflict("用户名已存在", code="username_taken", fields={"username": "用户名已存在"})
    password_hash = await hash_password_async(data.password)
    try:
        return await StaffUser.create(
            username=data.username,
            display_name=data.display_name or data.username,
            role=data.role,
            department_code=data.department_code,
            village_code=data.village_code,
            password_hash=password_hash,
        )
    except IntegrityError as exc:  # a concurrent create of the same name
        raise Conflict(
            "用户名已存在", code="username_taken", fields={"username": "用户名已存在"}
        ) from exc


async def _active_admins_besides(staff_id: int) -> int:
    return await StaffUser.filter(role=Role.ADMIN, is_active=True).exclude(id=staff_id).count()


def _staff_changes(staff: StaffUser, data: StaffPatch) -> dict[str, Any]:
    """What a patch really changes (for the audit record): only values that differ."""
    changes: dict[str, Any] = {}
    if data.role is not None and data.role != staff.role:
        changes["role"] = {"from": str(staff.role), "to": str(data.role)}
    if data.display_name is not None and data.display_name != staff.display_name:
        changes["display_name"] = data.display_name
    for key in ("department_code", "village_code"):
        value = getattr(data, key)
        if value is not None and (value or None) != getattr(staff, key):
            changes[key] = {"from": getattr(staff, key), "to": value or None}
    if data.password is not None:
        changes["password"] = "reset"
    if data.is_active is not None and data.is_active != staff.is_active:
        changes["is_active"] = data.is_active
    return changes


async def _admin_kept(staff: StaffUser, actor_id: int | None, changes: dict[str, Any]) -> None:
    """The county keeps an active administrator; nobody deactivates or demotes themselves."""
    losing_admin = staff.role == Role.ADMIN and (
        "role" in changes or changes.get("is_active") is False
    )
    if not losing_admin:
        return
    field = "role" if "role" in changes else "is_active"
    if actor_id == staff.id:
        raise Invalid("修改内容有误", fields={field: "不能停用或降级自己的管理员账号"})
    if staff.is_active and await _active_admins_besides(staff.id) == 0:
        raise Invalid("修改内容有误", fields={field: "至少需要保留一名启用的管理员"})


async def update_staff(
    *, staff_id: int, actor_id: int | None, data: StaffPatch
) -> tuple[StaffUser, dict[str, Any]]:
    """Change a staff user; returns the user and what changed (for the audit record).

    Deactivating a user or resetting the password ends all of their sessions. The county is
    never left without an active administrator, and nobody deactivates or demotes themselves.
    """
    staff = await get_staff(staff_id=staff_id)
    context = await validation_context(username=staff.username)
    data = revalidate(data, context=context, message="修改内容有误")
    changes = _staff_changes(staff, data)
    if {"role", "department_code", "village_code"} & changes.keys():
        role = data.role or staff.role
        department = staff.department_code if data.department_code is None else data.department_code
        village = staff.village_code if data.village_code is None else data.village_code
        fields = {
            key: problem
            for key, problem in (
                ("department_code", department_problem(role, department)),
                ("village_code", village_problem(role, village)),
            )
            if problem
        }
        if fields:
            raise Invalid("修改内容有误", fields=fields)
    await _admin_kept(staff, actor_id, changes)
    if not changes:
        return staff, changes
    if "role" in changes and data.role is not None:
        staff.role = data.role
    if "department_code" in changes:
        staff.department_code = changes["department_code"]["to"]
    if "village_code" in changes:
        staff.village_code = changes["village_code"]["to"]
    if "display_name" in changes:
        staff.display_name = changes["display_name"] or staff.username
    if "is_active" in changes:
        staff.is_active = changes["is_active"]
    if data.password is not None:
        staff.password_hash = await hash_password_async(data.password)
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
