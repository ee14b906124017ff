"""Resident login API: POST /api/v1/mp/login, GET /api/v1/mp/me, DELETE /api/v1/mp/session."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty, json
from sanic_ext import openapi

from gateway.auth.resident import bearer_token, resident_required
from gateway.errors import parse_body
from gateway.openapi import json_body, returns
from mini_program.account import service
from mini_program.account.schemas import LoginBody, LoginOut, ResidentAnswer

bp = Blueprint("mp_account", url_prefix="/api/v1/mp")


@bp.post("/login")
@openapi.tag("mini-program")
@json_body(LoginBody)
@returns(LoginOut)
async def login(request: Request) -> HTTPResponse:
    """Log in with a wx.login() code; answers a Bearer token and the resident."""
    body = parse_body(request, LoginBody)
    return json(await service.login(code=body.code))


@bp.get("/me")
@openapi.tag("mini-program")
@returns(ResidentAnswer)
@resident_required
async def me(request: Request) -> HTTPResponse:
    """The logged-in resident."""
    return json({"resident": await service.get_resident(resident_id=request.ctx.resident.id)})


@bp.delete("/session")
@openapi.tag("mini-program")
@returns(None, status=204, description="已退出")
@resident_required
async def logout(request: Request) -> HTTPResponse:
    """Log out: the token stops working at once."""
    await service.logout(token=bearer_token(request) or "")
    return empty()
