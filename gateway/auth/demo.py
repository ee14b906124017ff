"""Demo staff users for `govmatrix seed-demo` (password for all: DEMO_PASSWORD)."""

from __future__ import annotations

from typing import Any

from gateway.auth.models import Role, StaffUser
from gateway.auth.passwords import hash_password_async
from gateway.org import Department, Village

DEMO_PASSWORD = "Mengcheng@2026"

DEMO_USERS: list[dict[str, Any]] = [
    {"username": "admin", "display_name": "管理员", "role": Role.ADMIN},
    {"username": "editor", "display_name": "编辑", "role": Role.EDITOR},
    {"username": "reviewer", "display_name": "审核员", "role": Role.REVIEWER},
    # Three reviewers, so one version can pass 初审, 复审 and 终审 by three different people.
    {"username": "reviewer2", "display_name": "审核员二", "role": Role.REVIEWER},
    {"username": "reviewer3", "display_name": "审核员三", "role": Role.REVIEWER},
    {
        "username": "dept_edu",
        "display_name": "县教育局工作人员",
        "role": Role.DEPARTMENT_STAFF,
        "department_code": "jyj",
    },
    {
        "username": "village_01",
        "display_name": "村级工作人员",
        "role": Role.VILLAGE_STAFF,
        "village_code": "first",
    },
]


async def seed(*, progress: Any = None) -> str:
    """Create the demo staff users that are missing; existing users are left as they are.

    Runs after the organisation seeder; if departments or villages are not loaded, the
    department/village fields are left empty rather than pointing at nothing.
    """
    first_village = await Village.all().order_by("code").first()
    has_jyj = await Department.exists(code="jyj")
    created = 0
    for spec in DEMO_USERS:
        if await StaffUser.exists(username=spec["username"]):
            continue
        fields = dict(spec)
        if fields.get("department_code") and not has_jyj:
            fields["department_code"] = None
        if fields.get("village_code"):
            fields["village_code"] = first_village.code if first_village else None
        await StaffUser.create(password_hash=await hash_password_async(DEMO_PASSWORD), **fields)
        created += 1
    return f"staff users: {created} created, {len(DEMO_USERS) - created} already present"
