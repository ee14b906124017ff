"""The matrix's admin JSON API: accounts, health and the inbox (`/api/v1/admin/...`)."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from gateway.auth import staff_required
from gateway.auth.decorators import client_ip
from gateway.errors import (
    parse_body,
    parse_query,
    route_max_length,
)
from gateway.openapi import json_body, query, returns
from matrix.models import CODE_MAX_LENGTH
from matrix.schemas import (
    AccountAnswer,
    AccountCreate,
    AccountList,
    AccountUpdate,
    ApproveBody,
    AssignBody,
    InboxPage,
    InboxQuery,
    MatrixHealth,
    MessageAnswer,
    ReassignmentAnswer,
    ReassignmentBody,
    ReassignmentPage,
    ReassignmentQuery,
    RefuseBody,
    ReplyBody,
)
from matrix.schemas import RotateSecret as RotateSecretBody
from matrix.service import inbox, reassignment, registry
from matrix.service.common import Actor
from matrix.service.health import matrix_health, summarise

bp = Blueprint("matrix_api", url_prefix="/api/v1/admin")
M = TypeVar("M", bound=BaseModel)


def actor_of(request: Request) -> Actor:
    """The signed-in staff member as the services see them (with their department scope)."""
    return Actor.for_staff(request.ctx.staff, client_ip(request))


class AccountListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    department: str | None = Field(None, max_length=32)
    platform: str | None = Field(None, max_length=32)


async def _account_view(code: str) -> dict[str, Any]:
    rows = [r for r in await matrix_health() if r["code"] == code]
    if rows:
        return rows[0]
    account = await registry.get_account(code=code)  # raises the 404
    return registry.account_to_dict(account)


@bp.get("/accounts")
@openapi.tag("matrix")
@query(AccountListQuery)
@returns(AccountList)
@staff_required("accounts.read")
async def list_accounts(request: Request) -> HTTPResponse:
    """Every account: department, platform, appid, followers, last publication, token, health."""
    query = parse_query(request, AccountListQuery)
    rows = await matrix_health(department_code=query.department)
    if query.platform:
        rows = [r for r in rows if r["platform"] == query.platform]
    return json({"accounts": rows, "total": len(rows)})


@bp.get("/accounts/health")
@openapi.tag("matrix")
@returns(MatrixHealth)
@staff_required("accounts.read")
async def accounts_health(request: Request) -> HTTPResponse:
    """Health of the matrix: per account level and reasons, plus a county summary."""
    rows = await matrix_health()
    return json(
        {
            "summary": summarise(rows),
            "accounts": [
                {
                    "code": r["code"],
                    "name": r["name"],
                    "department_code": r["department_code"],
                    "platform": r["platform"],
                    "follower_count": r["follower_count"],
                    "last_published_at": r["last_published_at"],
                    "token_state": r.get("token_state"),
                    "health": r["health"],
                    "follower_trend": r["follower_trend"],
                }
                for r in rows
            ],
        }
    )


@bp.get("/accounts/<code:str>")
@route_max_length(code=CODE_MAX_LENGTH)
@openapi.tag("matrix")
@returns(AccountAnswer)
@staff_required("accounts.read")
async def get_account(request: Request, code: str) -> HTTPResponse:
    """One account (never its AppSecret, Token or EncodingAESKey)."""
    return json({"account": await _account_view(code)})


@bp.post("/accounts")
@openapi.tag("matrix")
@json_body(AccountCreate)
@returns(AccountAnswer, status=201)
@staff_required("accounts.manage")
async def create_account(request: Request) -> HTTPResponse:
    """Register an account; the Token and EncodingAESKey are generated when not given."""
    body = parse_body(request, AccountCreate, context=await registry.validation_context())
    account = await registry.create_account(data=body, actor=actor_of(request))
    return json({"account": await _account_view(account.code)}, status=201)


@bp.patch("/accounts/<code:str>")
@route_max_length(code=CODE_MAX_LENGTH)
@openapi.tag("matrix")
@json_body(AccountUpdate)
@returns(AccountAnswer)
@staff_required("accounts.manage")
async def update_account(request: Request, code: str) -> HTTPResponse:
    """Change an account's settings; each invalid field is named in `fields`."""
    current = await registry.get_account(code=code)
    context = await registry.validation_context(platform=current.platform)
    body = parse_body(request, AccountUpdate, context=context)
    account = await registry.update_account(code=code, data=body, actor=actor_of(request))
    return json({"account": await _account_view(account.code)})


@bp.post("/accounts/<code:str>/rotate-secret")
@route_max_length(code=CODE_MAX_LENGTH)
@openapi.tag("matrix")
@json_body(RotateSecretBody)
@returns(AccountAnswer)
@staff_required("accounts.manage")
async def rotate_secret(request: Request, code: str) -> HTTPResponse:
    """Store the new AppSecret after it was reset in WeChat's admin platform."""
    body = parse_body(request, RotateSecretBody)
    account = await registry.rotate_secret(code=code, secret=body.secret, actor=actor_of(request))
    return json({"account": registry.account_to_dict(account)})


@bp.get("/inbox")
@openapi.tag("matrix")
@query(InboxQuery)
@returns(InboxPage)
@staff_required("inbox.read")
async def list_inbox(request: Request) -> HTTPResponse:
    """Follower messages of every account, newest first; ?account=&department=&status=&page=."""
    query = parse_query(request, InboxQuery)
    page = await inbox.list_inbox(
        actor=actor_of(request),
        account=query.account,
        department=query.department,
        status=query.status.value if query.status else None,
        page=query.page,
        per_page=query.per_page,
    )
    return json(page)


@bp.get("/inbox/<message_id:int>")
@openapi.tag("matrix")
@returns(MessageAnswer)
@staff_required("inbox.read")
async def get_message(request: Request, message_id: int) -> HTTPResponse:
    """One follower message with its reply, assignment, working-day reply time and its newest
    reassignment request."""
    return json(
        {"message": await inbox.message_view(message_id=message_id, actor=actor_of(request))}
    )


@bp.post("/inbox/<message_id:int>/assign")
@openapi.tag("matrix")
@json_body(AssignBody)
@returns(MessageAnswer)
@staff_required("inbox.assign")
async def assign_message(request: Request, message_id: int) -> HTTPResponse:
    """Hand a message to the department that must answer it (dispatchers: administrators and
    editors). A department asks instead, with a reassignment request."""
    body = parse_body(request, AssignBody)
    message = await inbox.assign_message(
        message_id=message_id, department_code=body.department_code, actor=actor_of(request)
    )
    return json({"message": message})


@bp.post("/inbox/<message_id:int>/reply")
@openapi.tag("matrix")
@json_body(ReplyBody)
@returns(MessageAnswer)
@staff_required("inbox.reply")
async def reply_message(request: Request, message_id: int) -> HTTPResponse:
    """Reply through WeChat's customer-service API (within 48 h; otherwise 409, draft kept)."""
    body = parse_body(request, ReplyBody)
    message = await inbox.reply_message(
        message_id=message_id, text=body.text, actor=actor_of(request)
    )
    return json({"message": message})


@bp.post("/inbox/<message_id:int>/reassignment-requests")
@openapi.tag("matrix")
@json_body(ReassignmentBody)
@returns(ReassignmentAnswer, status=201)
@staff_required("inbox.reply")
async def request_reassignment(request: Request, message_id: int) -> HTTPResponse:
    """Ask for a message to be moved to the department that should answer it, saying why.

    The message stays with the asking department until an administrator approves (it moves)
    or refuses (it stays; the reason is shown). One pending request per message (409).
    """
    body = parse_body(request, ReassignmentBody)
    answer = await inbox.request_reassignment(
        message_id=message_id,
        department_code=body.department_code,
        reason=body.reason,
        actor=actor_of(request),
    )
    return json({"request": answer}, status=201)


@bp.get("/inbox/reassignment-requests")
@openapi.tag("matrix")
@query(ReassignmentQuery)
@returns(ReassignmentPage)
@staff_required("inbox.read")
async def list_reassignment_requests(request: Request) -> HTTPResponse:
    """Reassignment requests, newest first; a department sees the ones it made."""
    query = parse_query(request, ReassignmentQuery)
    page = await reassignment.list_requests(
        actor=actor_of(request),
        status=query.status.value if query.status else None,
        page=query.page,
        per_page=query.per_page,
    )
    return json(page)


@bp.post("/inbox/reassignment-requests/<request_id:int>/approve")
@openapi.tag("matrix")
@json_body(ApproveBody)
@returns(ReassignmentAnswer)
@staff_required("inbox.assign")
async def approve_reassignment(request: Request, request_id: int) -> HTTPResponse:
    """Approve a pending request: the message moves to the department asked for (audited).
    The body may be empty or carry a `note` for the asking department."""
    note = parse_body(request, ApproveBody).note if request.body else None
    return await _decide(request, request_id, approve=True, note=note)


@bp.post("/inbox/reassignment-requests/<request_id:int>/refuse")
@openapi.tag("matrix")
@json_body(RefuseBody)
@returns(ReassignmentAnswer)
@staff_required("inbox.assign")
async def refuse_reassignment(request: Request, request_id: int) -> HTTPResponse:
    """Refuse a pending request with a reason the asking department sees; the message stays."""
    body = parse_body(request, RefuseBody)
    return await _decide(request, request_id, approve=False, note=body.reason)


async def _decide(
    request: Request, request_id: int, *, approve: bool, note: str | None
) -> HTTPResponse:
    row = await reassignment.decide(
        request_id=request_id, approve=approve, note=note, actor=actor_of(request)
    )
    names = await reassignment.department_names()
    return json({"request": reassignment.request_to_dict(row, names)})
