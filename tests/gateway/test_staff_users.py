"""Admins manage staff users; roles limit who may do what; every change is audited."""

from __future__ import annotations

from tests.conftest import assert_error
from tests.gateway.staff_helpers import (
    DEMO_PASSWORD,
    STRONG_PASSWORD,
    create_staff,
    sign_in,
    unique_username,
)


async def test_admin_creates_an_editor_who_can_then_sign_in(api):
    admin = await sign_in(api, "admin")
    username = unique_username("editor")
    response = await api.post(
        "/api/v1/admin/users",
        headers=admin,
        json={
            "username": username,
            "role": "editor",
            "password": STRONG_PASSWORD,
            "display_name": "县融媒体中心编辑",
        },
    )
    assert response.status_code == 201, response.text
    staff = response.json()["staff"]
    assert staff["role_label"] == "编辑"
    assert staff["display_name"] == "县融媒体中心编辑"
    assert "catalogue.*" in staff["permissions"]

    headers = await sign_in(api, username, STRONG_PASSWORD)
    me = (await api.get("/api/v1/admin/me", headers=headers)).json()["staff"]
    assert me["id"] == staff["id"]


async def test_admin_lists_users_with_role_labels(api):
    admin = await sign_in(api, "admin")
    response = await api.get("/api/v1/admin/users?per_page=100", headers=admin)
    assert response.status_code == 200
    body = response.json()
    by_name = {u["username"]: u for u in body["items"]}
    assert by_name["dept_edu"]["role_label"] == "部门工作人员"
    assert by_name["dept_edu"]["department_code"] == "jyj"
    assert by_name["village_01"]["village_code"]
    assert body["total"] >= 5

    filtered = (await api.get("/api/v1/admin/users?role=reviewer", headers=admin)).json()
    assert {u["role"] for u in filtered["items"]} == {"reviewer"}
    searched = (await api.get("/api/v1/admin/users?q=教育局", headers=admin)).json()
    assert "dept_edu" in [u["username"] for u in searched["items"]]
    assert all("教育局" in u["display_name"] for u in searched["items"])
    assert "editor" not in [u["username"] for u in searched["items"]]


async def test_non_admins_cannot_manage_users_or_read_the_audit_log(api):
    for username in ("editor", "reviewer", "dept_edu", "village_01"):
        headers = await sign_in(api, username)
        assert_error(await api.get("/api/v1/admin/users", headers=headers), 403, "forbidden")
        assert_error(await api.get("/api/v1/admin/audit", headers=headers), 403, "forbidden")
        response = await api.post(
            "/api/v1/admin/users",
            headers=headers,
            json={"username": unique_username(), "role": "admin", "password": STRONG_PASSWORD},
        )
        assert_error(response, 403, "forbidden")
        assert (await api.get("/api/v1/admin/me", headers=headers)).status_code == 200


async def test_each_role_carries_its_permissions(api):
    expected = {
        "editor": {"push.write", "inbox.read", "inbox.reply", "accounts.read"},
        "reviewer": {"push.review", "accounts.read", "inbox.read"},
        "dept_edu": {"inbox.read", "inbox.reply", "consultations.read", "consultations.answer"},
        "village_01": {"broadcast.download", "broadcast.confirm"},
    }
    for username, permissions in expected.items():
        headers = await sign_in(api, username)
        me = (await api.get("/api/v1/admin/me", headers=headers)).json()["staff"]
        assert permissions <= set(me["permissions"]), username
        assert "users.manage" not in me["permissions"]


async def test_creating_a_user_names_every_invalid_field(api):
    admin = await sign_in(api, "admin")
    response = await api.post(
        "/api/v1/admin/users",
        headers=admin,
        json={"username": "1bad name", "role": "mayor", "password": "short"},
    )
    error = assert_error(response, 422, "invalid")
    assert set(error["fields"]) == {"username", "role", "password"}
    assert "admin" in error["fields"]["role"]
    assert "10" in error["fields"]["password"]

    error = assert_error(await api.post("/api/v1/admin/users", headers=admin, json={}), 422)
    assert error["fields"] == {"username": "必填", "role": "必填", "password": "必填"}


async def test_weak_passwords_are_refused_with_a_reason(api):
    admin = await sign_in(api, "admin")
    username = unique_username()
    for password, reason in (
        ("alllowercaseletters", "三类"),
        ("Password@123", None),
        (f"{username}A1!", "用户名"),
    ):
        response = await api.post(
            "/api/v1/admin/users",
            headers=admin,
            json={"username": username, "role": "editor", "password": password},
        )
        error = assert_error(response, 422, "invalid")
        if reason:
            assert reason in error["fields"]["password"], error


async def test_a_duplicate_username_is_a_409_on_the_username_field(api):
    admin = await sign_in(api, "admin")
    response = await api.post(
        "/api/v1/admin/users",
        headers=admin,
        json={"username": "Editor", "role": "editor", "password": STRONG_PASSWORD},
    )
    error = assert_error(response, 409, "username_taken")
    assert error["fields"] == {"username": "用户名已存在"}


async def test_department_and_village_staff_need_a_real_unit(api):
    admin = await sign_in(api, "admin")
    response = await api.post(
        "/api/v1/admin/users",
        headers=admin,
        json={
            "username": unique_username(),
            "role": "department_staff",
            "password": STRONG_PASSWORD,
        },
    )
    assert "部门" in assert_error(response, 422)["fields"]["department_code"]
    response = await api.post(
        "/api/v1/admin/users",
        headers=admin,
        json={
            "username": unique_username(),
            "role": "department_staff",
            "password": STRONG_PASSWORD,
            "department_code": "no-such-dept",
        },
    )
    assert assert_error(response, 422)["fields"]["department_code"] == "没有这个部门"
    response = await api.post(
        "/api/v1/admin/users",
        headers=admin,
        json={"username": unique_username(), "role": "village_staff", "password": STRONG_PASSWORD},
    )
    assert "村" in assert_error(response, 422)["fields"]["village_code"]


async def test_user_changes_are_audited_with_who_and_what(api):
    admin = await sign_in(api, "admin")
    staff_id, username = await create_staff(api, admin, role="reviewer", prefix="rev")
    await api.patch(f"/api/v1/admin/users/{staff_id}", headers=admin, json={"role": "editor"})

    response = await api.get(
        f"/api/v1/admin/audit?target_type=staff_user&target_id={staff_id}", headers=admin
    )
    assert response.status_code == 200
    rows = response.json()["items"]
    assert [r["action"] for r in rows] == ["staff.update", "staff.create"]
    assert all(r["actor_name"] == "admin" for r in rows)
    assert rows[0]["detail"]["changes"]["role"] == {"from": "reviewer", "to": "editor"}
    assert rows[1]["detail"] == {"username": username, "role": "reviewer"}
    assert rows[0]["ip"] == "127.0.0.1"


async def test_audit_log_is_paginated_newest_first(api):
    admin = await sign_in(api, "admin")
    await sign_in(api, "editor")  # sign-ins are audited too
    page1 = (await api.get("/api/v1/admin/audit?per_page=2", headers=admin)).json()
    page2 = (await api.get("/api/v1/admin/audit?per_page=2&page=2", headers=admin)).json()
    assert page1["page"] == 1
    assert page1["per_page"] == 2
    assert page1["total"] >= 3
    assert len(page1["items"]) == 2
    assert page1["items"][0]["id"] > page1["items"][1]["id"] > page2["items"][0]["id"]
    assert page1["items"][0]["action"] == "staff.login"
    bad = await api.get("/api/v1/admin/audit?page=-1&per_page=100000", headers=admin)
    assert set(assert_error(bad, 422)["fields"]) == {"page", "per_page"}


async def test_deactivating_a_user_ends_their_sessions_and_blocks_sign_in(api):
    admin = await sign_in(api, "admin")
    staff_id, username = await create_staff(api, admin, role="editor", prefix="temp")
    theirs = await sign_in(api, username, STRONG_PASSWORD)

    response = await api.patch(
        f"/api/v1/admin/users/{staff_id}", headers=admin, json={"is_active": False}
    )
    assert response.status_code == 200
    assert response.json()["staff"]["is_active"] is False
    assert_error(await api.get("/api/v1/admin/me", headers=theirs), 401)
    response = await api.post(
        "/api/v1/admin/session", json={"username": username, "password": STRONG_PASSWORD}
    )
    assert_error(response, 401, "invalid_credentials")


async def test_resetting_a_password_replaces_the_old_one(api):
    admin = await sign_in(api, "admin")
    staff_id, username = await create_staff(api, admin, role="reviewer", prefix="pw")
    old_session = await sign_in(api, username, STRONG_PASSWORD)
    response = await api.patch(
        f"/api/v1/admin/users/{staff_id}", headers=admin, json={"password": "Xinmima#2026!"}
    )
    assert response.status_code == 200
    assert_error(await api.get("/api/v1/admin/me", headers=old_session), 401)
    await sign_in(api, username, "Xinmima#2026!")
    response = await api.post(
        "/api/v1/admin/session", json={"username": username, "password": STRONG_PASSWORD}
    )
    assert_error(response, 401)


async def test_an_admin_cannot_lock_themselves_out(api):
    admin = await sign_in(api, "admin")
    me = (await api.get("/api/v1/admin/me", headers=admin)).json()["staff"]
    response = await api.patch(
        f"/api/v1/admin/users/{me['id']}", headers=admin, json={"is_active": False}
    )
    assert "自己" in assert_error(response, 422)["fields"]["is_active"]
    response = await api.patch(
        f"/api/v1/admin/users/{me['id']}", headers=admin, json={"role": "editor"}
    )
    assert "自己" in assert_error(response, 422)["fields"]["role"]


async def test_patch_rejects_bad_input_and_unknown_users(api):
    admin = await sign_in(api, "admin")
    assert_error(
        await api.patch("/api/v1/admin/users/999999", headers=admin, json={"role": "editor"}),
        404,
        "not_found",
    )
    reviewer_id = next(
        u["id"]
        for u in (await api.get("/api/v1/admin/users?role=reviewer", headers=admin)).json()["items"]
        if u["username"] == "reviewer"
    )
    response = await api.patch(
        f"/api/v1/admin/users/{reviewer_id}",
        headers=admin,
        json={"is_active": "yes", "colour": "red"},
    )
    assert set(assert_error(response, 422)["fields"]) == {"is_active", "colour"}
    response = await api.patch(
        f"/api/v1/admin/users/{reviewer_id}", headers=admin, json={"password": "weak"}
    )
    assert "password" in assert_error(response, 422)["fields"]
    # Nothing changed: the reviewer still signs in with the demo password.
    await sign_in(api, "reviewer", DEMO_PASSWORD)


async def test_department_scope_limits_department_staff_to_their_department(db):
    from gateway.auth import department_scope, village_scope
    from gateway.auth.models import StaffUser

    dept = await StaffUser.get(username="dept_edu")
    editor = await StaffUser.get(username="editor")
    village = await StaffUser.get(username="village_01")
    assert department_scope(dept) == "jyj"
    assert department_scope(editor) is None
    assert village_scope(village) == village.village_code
    assert village_scope(editor) is None
