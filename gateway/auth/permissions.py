"""Which role may do what. Permission strings are "<area>.<verb>" (e.g. "inbox.reply").

Each domain declares what its roles may do (`Domain.permissions` in its `domain.py`). A grant
may be an exact permission or "<area>.*" for every verb of an area; admins hold every
permission ("*"), including ones domains introduce later.
"""

from __future__ import annotations

from typing import Protocol

from gateway.auth.models import Role
from gateway.domains import granted_permissions

USERS_MANAGE = "users.manage"
AUDIT_READ = "audit.read"


def role_permissions(role: Role | str) -> frozenset[str]:
    """Every grant of a role: what each domain declares for it (gateway.domains)."""
    return granted_permissions().get(str(role), frozenset())


class _Staff(Protocol):
    role: Role
    department_code: str | None
    village_code: str | None


def role_grants(role: Role | str, permission: str) -> bool:
    try:
        grants = role_permissions(Role(role))
    except ValueError:
        return False
    if "*" in grants or permission in grants:
        return True
    area = permission.split(".", 1)[0]
    return f"{area}.*" in grants


def has_permission(staff: _Staff, permission: str) -> bool:
    """Whether this staff member's role grants `permission`."""
    return role_grants(staff.role, permission)


def has_all(staff: _Staff, permissions: tuple[str, ...] | list[str]) -> bool:
    return all(has_permission(staff, p) for p in permissions)


def permissions_of(role: Role | str) -> list[str]:
    """The grants of a role as the domains declare them (for display and /me)."""
    return sorted(role_permissions(Role(role)))


def department_scope(staff: _Staff) -> str | None:
    """The department code a staff member is limited to, or None for county-wide access.

    Department staff see only their own department. One without a department (possible only
    when the demo county was loaded without departments) gets "" which matches nothing.
    """
    if staff.role == Role.DEPARTMENT_STAFF:
        return staff.department_code or ""
    return None


def village_scope(staff: _Staff) -> str | None:
    """The village code a village staff member is limited to, or None for everyone else."""
    if staff.role == Role.VILLAGE_STAFF:
        return staff.village_code or ""
    return None
