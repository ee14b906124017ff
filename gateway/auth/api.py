"""The staff API: sessions for scripts, the signed-in user, user management, the audit log."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from gateway import audit
from gateway.auth import service
from gateway.auth.decorators import (
    audit_request,
    audit_staff,
    bearer_token,
    client_ip,
    load_staff,
    staff_required,
)
from gateway.auth.permissions import AUDIT_READ, USERS_MANAGE
from gateway.auth.schemas import (
    AuditPage,
    AuditQuery,
    SessionCreate,
    SessionOut,
    StaffAnswer,
    StaffCreate,
    StaffListQuery,
    StaffPage,
    StaffPatch,
)
from gateway.auth.sessions import revoke_session
from gateway.errors import Unauthorized, error_response, parse_body, parse_query
from gateway.openapi import json_body, query, returns
from gateway.paging import page_answer

bp = Blueprint("staff_api", url_prefix="/api/v1/admin")


@bp.post("/session")
@openapi.tag("staff")
@json_body(SessionCreate)
@returns(SessionOut, status=201)
async def create_session(request: Request) -> HTTPResponse:
    """Sign in with username and password; returns a Bearer token for /api/v1/admin/...

    Wrong usernames and wrong passwords get the same 401; repeated failures lock the username
    (and the address) for a while with a 429 that says when to retry.
    """
    body = parse_body(request, SessionCreate)
    try:
        staff, token, ttl = await service.login(
            username=body.username, password=body.password, ip=client_ip(request), channel="api"
        )
    except service.LoginLocked as exc:
        response = error_response(exc.status, exc.code, exc.message, **exc.extra)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    return json(
        {"token": token, "expires_in": ttl, "staff": service.staff_to_dict(staff)}, status=201
    )


@bp.delete("/session")
@openapi.tag("staff")
@returns(None, status=204, description="已退出")
async def delete_session(request: Request) -> HTTPResponse:
    """Sign out: the Bearer token stops working at once."""
    token = bearer_token(request)
    staff = await load_staff(request)
    if not token or staff is None:
        raise Unauthorized("请先登录")
    await revoke_session(token)
    await audit_request(
        request,
        action="staff.logout",
        target_type="staff_user",
        target_id=staff.id,
        detail={"channel": "api"},
    )
    return HTTPResponse(status=204)


@bp.get("/me")
@openapi.tag("staff")
@returns(StaffAnswer)
@staff_required()
async def me(request: Request) -> HTTPResponse:
    """The signed-in staff member, with role and permissions."""
    return json({"staff": service.staff_to_dict(request.ctx.staff)})


@bp.get("/users")
@openapi.tag("staff")
@query(StaffListQuery)
@returns(StaffPage)
@staff_required(USERS_MANAGE)
async def list_users(request: Request) -> HTTPResponse:
    """List staff users (admins only), paginated; filter by role or search text `q`."""
    query = parse_query(request, StaffListQuery)
    rows, total = await service.list_staff(
        page=query.page, per_page=query.per_page, role=query.role, q=query.q
    )
    items = [service.staff_to_dict(s) for s in rows]
    return json(page_answer(items, total=total, page=query.page, per_page=query.per_page))


@bp.post("/users")
@openapi.tag("staff")
@json_body(StaffCreate)
@returns(StaffAnswer, status=201)
@staff_required(USERS_MANAGE)
async def create_user(request: Request) -> HTTPResponse:
    """Create a staff user (admins only); each invalid field is named in `fields`."""
    body = parse_body(request, StaffCreate, context=await service.validation_context())
    staff = await service.create_staff(data=body)
    await audit_staff(request, staff, action="staff.create", detail={"role": str(staff.role)})
    return json({"staff": service.staff_to_dict(staff)}, status=201)


@bp.get("/users/<staff_id:int>")
@openapi.tag("staff")
@returns(StaffAnswer)
@staff_required(USERS_MANAGE)
async def get_user(request: Request, staff_id: int) -> HTTPResponse:
    """One staff user (admins only)."""
    return json({"staff": service.staff_to_dict(await service.get_staff(staff_id=staff_id))})


@bp.patch("/users/<staff_id:int>")
@openapi.tag("staff")
@json_body(StaffPatch)
@returns(StaffAnswer)
@staff_required(USERS_MANAGE)
async def update_user(request: Request, staff_id: int) -> HTTPResponse:
    """Change a staff user's role, active state, department/village or password (admins only).

    Deactivation, a role change and a password reset end the user's sessions.
    """
    body = parse_body(request, StaffPatch)
    staff, changes = await service.update_staff(
        staff_id=staff_id, actor_id=request.ctx.staff.id, data=body
    )
    if changes:
        await audit_staff(request, staff, action="staff.update", detail={"changes": changes})
    return json({"staff": service.staff_to_dict(staff)})


@bp.get("/audit")
@openapi.tag("staff")
@query(AuditQuery)
@returns(AuditPage)
@staff_required(AUDIT_READ)
async def list_audit(request: Request) -> HTTPResponse:
    """Audit records, newest first (admins only); filter by action, actor, target."""
    query = parse_query(request, AuditQuery)
    rows, total = await audit.list_records(
        page=query.page,
        per_page=query.per_page,
        action=query.action,
        actor_id=query.actor_id,
        target_type=query.target_type,
        target_id=query.target_id,
    )
    items = [audit.record_to_dict(r) for r in rows]
    return json(page_answer(items, total=total, page=query.page, per_page=query.per_page))
