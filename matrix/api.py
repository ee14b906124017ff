"""The matrix's admin JSON API: accounts, health and the inbox (`/api/v1/admin/...`)."""

from __future__ import annotations

import json as json_lib
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from gateway.auth import staff_required
from gateway.auth.decorators import client_ip
from gateway.errors import Invalid, fields_from_validation, parse_body, parse_query
from gateway.openapi import json_body
from matrix.schemas import AccountCreate, AccountUpdate, AssignBody, InboxQuery, ReplyBody
from matrix.schemas import RotateSecret as RotateSecretBody
from matrix.service import inbox, registry
from matrix.service.common import Actor
from matrix.service.health import matrix_health, summarise

bp = Blueprint("matrix_api", url_prefix="/api/v1/admin")
M = TypeVar("M", bound=BaseModel)


def parse_body_in_context(request: Request, schema: type[M], context: dict[str, Any]) -> M:
    """parse_body, with a validation context (e.g. the stored account's platform)."""
    parse_body(request, _AnyObject)  # the same errors for empty or malformed JSON
    try:
        return schema.model_validate(json_lib.loads(request.body), context=context)
    except ValidationError as exc:
        raise Invalid(fields=fields_from_validation(exc)) from exc


class _AnyObject(BaseModel):
    model_config = ConfigDict(extra="allow")


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
@openapi.tag("matrix")
@staff_required("accounts.read")
async def get_account(request: Request, code: str) -> HTTPResponse:
    """One account (never its AppSecret, Token or EncodingAESKey)."""
    return json({"account": await _account_view(code)})


@bp.post("/accounts")
@openapi.tag("matrix")
@json_body(AccountCreate)
@staff_required("accounts.manage")
async def create_account(request: Request) -> HTTPResponse:
    """Register an account; the Token and EncodingAESKey are generated when not given."""
    body = parse_body(request, AccountCreate)
    account = await registry.create_account(data=body, actor=actor_of(request))
    return json({"account": await _account_view(account.code)}, status=201)


@bp.patch("/accounts/<code:str>")
@openapi.tag("matrix")
@json_body(AccountUpdate)
@staff_required("accounts.manage")
async def update_account(request: Request, code: str) -> HTTPResponse:
    """Change an account's settings; each invalid field is named in `fields`."""
    current = await registry.get_account(code=code)
    body = parse_body_in_context(request, AccountUpdate, {"platform": current.platform})
    account = await registry.update_account(code=code, data=body, actor=actor_of(request))
    return json({"account": await _account_view(account.code)})


@bp.post("/accounts/<code:str>/rotate-secret")
@openapi.tag("matrix")
@json_body(RotateSecretBody)
@staff_required("accounts.manage")
async def rotate_secret(request: Request, code: str) -> HTTPResponse:
    """Store the new AppSecret after it was reset in WeChat's admin platform."""
    body = parse_body(request, RotateSecretBody)
    account = await registry.rotate_secret(code=code, secret=body.secret, actor=actor_of(request))
    return json({"account": registry.account_to_dict(account)})


@bp.get("/inbox")
@openapi.tag("matrix")
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
@staff_required("inbox.read")
async def get_message(request: Request, message_id: int) -> HTTPResponse:
    """One follower message with its reply, assignment and working-day reply time."""
    row = await inbox.get_message(message_id=message_id, actor=actor_of(request))
    return json({"message": inbox.message_to_dict(row)})


@bp.post("/inbox/<message_id:int>/assign")
@openapi.tag("matrix")
@json_body(AssignBody)
@staff_required("inbox.reply")
async def assign_message(request: Request, message_id: int) -> HTTPResponse:
    """Hand a message to the department that must answer it."""
    body = parse_body(request, AssignBody)
    message = await inbox.assign_message(
        message_id=message_id, department_code=body.department_code, actor=actor_of(request)
    )
    return json({"message": message})


@bp.post("/inbox/<message_id:int>/reply")
@openapi.tag("matrix")
@json_body(ReplyBody)
@staff_required("inbox.reply")
async def reply_message(request: Request, message_id: int) -> HTTPResponse:
    """Reply through WeChat's customer-service API (within 48 h; otherwise 409, draft kept)."""
    body = parse_body(request, ReplyBody)
    message = await inbox.reply_message(
        message_id=message_id, text=body.text, actor=actor_of(request)
    )
    return json({"message": message})
