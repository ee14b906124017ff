"""`govmatrix user create` for the first admin and scripted set-ups."""

from __future__ import annotations

from tests.conftest import run_cli as govmatrix
from tests.gateway.staff_helpers import STRONG_PASSWORD, sign_in, unique_username


async def test_user_create_makes_a_user_who_can_sign_in(api, prepared_database):
    username = unique_username("cli")
    done = govmatrix(
        "user", "create", username, "--role", "department_staff", "--password", STRONG_PASSWORD,
        "--name", "县教育局值班员", "--department", "jyj",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert username in done.stdout
    headers = await sign_in(api, username, STRONG_PASSWORD)
    me = (await api.get("/api/v1/admin/me", headers=headers)).json()["staff"]
    assert me["display_name"] == "县教育局值班员"
    assert me["department_code"] == "jyj"
    assert me["role"] == "department_staff"


def test_user_create_refuses_an_unknown_role_with_exit_code_2(prepared_database):
    done = govmatrix(
        "user", "create", unique_username(), "--role", "mayor", "--password", STRONG_PASSWORD
    )
    assert done.returncode == 2
    assert "角色无效" in done.stderr
    assert "Traceback" not in done.stderr


def test_user_create_refuses_a_duplicate_with_exit_code_2(prepared_database):
    done = govmatrix("user", "create", "admin", "--role", "admin", "--password", STRONG_PASSWORD)
    assert done.returncode == 2
    assert "用户名已存在" in done.stderr


def test_user_create_refuses_a_weak_password_with_exit_code_2(prepared_database):
    done = govmatrix("user", "create", unique_username(), "--role", "editor", "--password", "123")
    assert done.returncode == 2
    assert "密码至少 10 位" in done.stderr


def test_user_create_writes_an_audit_record(prepared_database):
    username = unique_username("aud")
    done = govmatrix(
        "user", "create", username, "--role", "reviewer", "--password", STRONG_PASSWORD
    )
    assert done.returncode == 0, done.stderr
    listing = govmatrix("user", "list")
    assert username in listing.stdout


async def test_cli_created_user_is_in_the_audit_log(db, prepared_database):
    from gateway.audit import AuditRecord

    username = unique_username("aud")
    done = govmatrix("user", "create", username, "--role", "editor", "--password", STRONG_PASSWORD)
    assert done.returncode == 0, done.stderr
    row = await AuditRecord.filter(action="staff.create").order_by("-id").first()
    assert row is not None
    assert row.actor_name == "cli"
    assert row.detail["username"] == username


def test_seeding_twice_changes_no_staff_user(prepared_database):
    done = govmatrix("seed-demo")
    assert done.returncode == 0, done.stderr
    from gateway.auth.demo import DEMO_USERS

    assert f"staff users: 0 created, {len(DEMO_USERS)} already present" in done.stdout
