"""Residents' notification API (`/api/v1/mp/...`) and the admin statistics."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from gateway.auth import staff_required
from gateway.auth.resident import resident_required
from gateway.errors import parse_body
from gateway.openapi import json_body, returns
from mini_program.notify import service
from mini_program.notify.schemas import (
    FollowsAnswer,
    FollowsBody,
    GrantsAnswer,
    GrantsRecorded,
    StatisticsAnswer,
    SubscribeResult,
    TemplatesAnswer,
    subscribe_answers,
)

mp = Blueprint("notify_mp", url_prefix="/api/v1/mp")
admin = Blueprint("notify_admin", url_prefix="/api/v1/admin")
bp = Blueprint.group(mp, admin)


@mp.get("/subscribe-templates")
@openapi.tag("mini-program")
@returns(TemplatesAnswer)
async def subscribe_templates(request: Request) -> HTTPResponse:
    """The subscribe-message templates the mini-program asks residents for, by purpose."""
    items = service.templates()
    return json({"templates": items, "by_purpose": {t["purpose"]: t["template_id"] for t in items}})


@mp.get("/subscribe-grants")
@openapi.tag("mini-program")
@returns(GrantsAnswer)
@resident_required
async def my_grants(request: Request) -> HTTPResponse:
    """How many unused one-time grants the resident holds, per purpose."""
    return json({"grants": await service.outstanding(resident_id=request.ctx.resident.id)})


@mp.post("/subscribe-grants")
@openapi.tag("mini-program")
@json_body(SubscribeResult)
@returns(GrantsRecorded, status=201)
@resident_required
async def record_grants(request: Request) -> HTTPResponse:
    """Record wx.requestSubscribeMessage's result: each accept allows exactly one message."""
    answers = subscribe_answers(parse_body(request, SubscribeResult).root)
    recorded = await service.record_grants(resident_id=request.ctx.resident.id, answers=answers)
    return json(recorded, status=201)


@mp.get("/follows")
@openapi.tag("mini-program")
@returns(FollowsAnswer)
@resident_required
async def get_follows(request: Request) -> HTTPResponse:
    """The catalogue domains the resident follows (notified when they publish)."""
    return json(await service.get_follows(resident_id=request.ctx.resident.id))


@mp.put("/follows")
@openapi.tag("mini-program")
@json_body(FollowsBody)
@returns(FollowsAnswer)
@resident_required
async def put_follows(request: Request) -> HTTPResponse:
    """Replace the domains the resident follows; unknown domain ids are field errors."""
    body = parse_body(request, FollowsBody)
    return json(
        await service.set_follows(resident_id=request.ctx.resident.id, domain_ids=body.domain_ids)
    )


@admin.get("/notifications/stats")
@openapi.tag("notify")
@returns(StatisticsAnswer)
@staff_required("notify.read")
async def statistics(request: Request) -> HTTPResponse:
    """Per purpose: messages sent, refused (by errcode), failed; grants outstanding; answers."""
    return json({"purposes": await service.statistics()})
