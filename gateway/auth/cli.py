"""`govmatrix user ...`: manage staff users from the shell (first admin, password resets).

Commands import what they use inside their function: `govmatrix` loads every command
module at start, and each command should pay only for its own imports.
"""

from __future__ import annotations

import sys

import click

from gateway.auth.models import ROLE_LABELS, Role
from gateway.errors import ApiError

# Exit code for a rejected command (bad role, duplicate, weak password), as click uses for
# usage errors, so scripts can tell "you asked wrongly" from "it broke" (1).
REJECTED = 2


def _reject(exc: ApiError) -> None:
    click.secho(f"错误：{exc.message}", fg="red", err=True)
    for field, message in exc.fields.items():
        click.secho(f"  {field}: {message}", fg="red", err=True)
    sys.exit(REJECTED)


@click.group()
def user() -> None:
    """Staff users of the console and the admin API."""


@user.command("create")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    help="One of: " + ", ".join(f"{r.value} ({ROLE_LABELS[r]})" for r in Role),
)
@click.option("--password", required=True, help="At least 10 characters of three kinds.")
@click.option("--name", "display_name", default="", help="Display name, e.g. 县教育局工作人员.")
@click.option("--department", "department_code", default=None, help="Department code (jyj).")
@click.option("--village", "village_code", default=None, help="Village code.")
def create(
    username: str,
    role: str,
    password: str,
    display_name: str,
    department_code: str | None,
    village_code: str | None,
) -> None:
    """Create a staff user."""
    from gateway import audit
    from gateway.auth import service
    from gateway.auth.schemas import StaffCreate
    from gateway.cli import run_async
    from gateway.errors import validate

    values = {
        "username": username,
        "role": role,
        "password": password,
        "display_name": display_name,
        "department_code": department_code,
        "village_code": village_code,
    }

    async def _run() -> str:
        data = validate(StaffCreate, values, message="工作人员信息有误")
        staff = await service.create_staff(data=data)
        await audit.record(
            actor_id=None,
            actor_name="cli",
            action="staff.create",
            target_type="staff_user",
            target_id=staff.id,
            detail={"username": staff.username, "role": str(staff.role), "via": "cli"},
        )
        return f"created {staff.username} ({service.role_label(staff.role)}), id {staff.id}"

    try:
        click.echo(run_async(_run))
    except ApiError as exc:
        _reject(exc)


@user.command("list")
def list_users() -> None:
    """List staff users."""
    from gateway.auth import service
    from gateway.cli import run_async

    async def _run() -> list[str]:
        rows, _total = await service.list_staff(page=1, per_page=10_000)
        return [
            f"{s.id:>4}  {s.username:<20} {service.role_label(s.role):<8} "
            f"{s.department_code or s.village_code or '-':<12} "
            f"{'active' if s.is_active else 'disabled'}  {s.display_name}"
            for s in rows
        ]

    for line in run_async(_run):
        click.echo(line)


@user.command("set-password")
@click.argument("username")
@click.option("--password", required=True, help="The new password.")
def set_password(username: str, password: str) -> None:
    """Reset a staff user's password (ends their sessions)."""
    from gateway import audit
    from gateway.auth import service
    from gateway.auth.models import StaffUser
    from gateway.auth.schemas import StaffPatch
    from gateway.cli import run_async
    from gateway.errors import validate

    async def _run() -> str:
        staff = await StaffUser.get_or_none(username=username.strip().lower())
        if staff is None:
            raise ApiError(
                "没有这个用户名", code="not_found", fields={"username": "没有这个用户名"}
            )
        patch = validate(StaffPatch, {"password": password}, context={"username": staff.username})
        await service.update_staff(staff_id=staff.id, actor_id=None, data=patch)
        await audit.record(
            actor_id=None,
            actor_name="cli",
            action="staff.update",
            target_type="staff_user",
            target_id=staff.id,
            detail={"username": staff.username, "changes": {"password": "reset"}, "via": "cli"},
        )
        return f"password of {staff.username} reset; their sessions ended"

    try:
        click.echo(run_async(_run))
    except ApiError as exc:
        _reject(exc)


commands = [user]
