"""Console pages of the matrix: the matrix overview, account detail and forms, the inbox."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from pydantic import ValidationError
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect
from sanic_ext import openapi

from gateway.auth import has_permission, staff_required
from gateway.auth.csrf import form_of
from gateway.console import register_nav, register_tile, render
from gateway.console.charts import line_chart, sparkline
from gateway.errors import ApiError, fields_from_validation, route_max_length
from gateway.org import Department
from gateway.paging import MAX_PER_PAGE
from matrix import auto_reply_form
from matrix.api import actor_of
from matrix.models import (
    CODE_MAX_LENGTH,
    INBOX_STATUS_LABELS,
    PLATFORM_LABELS,
    InboxStatus,
    Platform,
    ReassignmentStatus,
)
from matrix.schemas import (
    AccountCreate,
    AccountUpdate,
    ApproveBody,
    InboxQuery,
    ReassignmentBody,
    RefuseBody,
)
from matrix.service import inbox, reassignment, registry
from matrix.service.common import Actor
from matrix.service.health import follower_trends, matrix_health, summarise

bp = Blueprint("matrix_console", url_prefix="/console")
bp.static("/matrix/static", str(Path(__file__).resolve().parent / "static"), name="static")

_SAFE_QUERY = re.compile(r"[A-Za-z0-9=&_%.-]{0,200}")

register_nav("新媒体矩阵", "/console/matrix", "accounts.read", order=20)
register_nav("留言处理", "/console/inbox", "inbox.read", order=21)

ACCOUNT_FIELDS = (
    "code",
    "department_code",
    "platform",
    "name",
    "appid",
    "original_id",
    "secret",
    "encoding_aes_key",
    "token",
)


@register_tile
async def _matrix_tile(staff: Any) -> dict[str, Any] | None:
    if not has_permission(staff, "accounts.read"):
        return None
    rows = await matrix_health()
    summary = summarise(rows)
    return {
        "label": f"新媒体账号（{summary['failing']} 个不合格，{summary['warning']} 个预警）",
        "value": summary["accounts"],
        "href": "/console/matrix",
    }


@register_tile
async def _inbox_tile(staff: Any) -> dict[str, Any] | None:
    if not has_permission(staff, "inbox.read"):
        return None
    actor = Actor.for_staff(staff)
    page = await inbox.list_inbox(actor=actor, status=InboxStatus.NEW.value, per_page=1)
    return {"label": "待处理留言", "value": page["total"], "href": "/console/inbox?status=new"}


@register_tile
async def _reassignment_tile(staff: Any) -> dict[str, Any] | None:
    if not has_permission(staff, "inbox.assign"):
        return None
    return {
        "label": "待确认的转办申请",
        "value": await reassignment.count_pending(),
        "href": "/console/inbox#reassignments",
    }


def _see_other(location: str) -> HTTPResponse:
    return redirect(location, status=303)


async def _departments() -> list[Department]:
    return await Department.all()


# --- matrix overview -------------------------------------------------------------------------
@bp.get("/matrix")
@openapi.exclude()
@staff_required("accounts.read")
async def matrix_page(request: Request) -> HTTPResponse:
    """All accounts with their health, token state and follower trend."""
    rows = await matrix_health()
    for row in rows:
        values = [p["followers"] for p in row["follower_trend"]]
        row["sparkline"] = Markup(sparkline(values, label=f"{row['name']}近 30 天粉丝趋势"))
    return render(
        request,
        "matrix/accounts.html",
        accounts=rows,
        summary=summarise(rows),
        can_manage=has_permission(request.ctx.staff, "accounts.manage"),
        message=request.args.get("message"),
    )


@bp.get("/matrix/accounts/new")
@openapi.exclude()
@staff_required("accounts.manage")
async def new_account_page(request: Request) -> HTTPResponse:
    return await _account_form(
        request, form={"platform": Platform.WECHAT_SUBSCRIPTION.value, "safe_mode": "on"}
    )


async def _account_form(
    request: Request,
    *,
    form: dict[str, Any],
    errors: dict[str, str] | None = None,
    error: str | None = None,
    account: dict[str, Any] | None = None,
    status: int = 200,
) -> HTTPResponse:
    return render(
        request,
        "matrix/account_form.html",
        status=status,
        form=form,
        errors=errors or {},
        error=error,
        account=account,
        departments=await _departments(),
        platforms=[(p.value, PLATFORM_LABELS[p]) for p in Platform],
    )


def _form_values(request: Request, names: tuple[str, ...]) -> dict[str, Any]:
    f = form_of(request)
    values: dict[str, Any] = {k: (f.get(k) or "").strip() for k in names}
    values["safe_mode"] = "on" if f.get("safe_mode") else ""
    return values


@bp.post("/matrix/accounts")
@openapi.exclude()
@staff_required("accounts.manage")
async def create_account_submit(request: Request) -> HTTPResponse:
    form = _form_values(request, ACCOUNT_FIELDS)
    data = {k: v for k, v in form.items() if v and k != "safe_mode"}
    data["safe_mode"] = bool(form["safe_mode"])
    try:
        body = AccountCreate.model_validate(data, context=await registry.validation_context())
        account = await registry.create_account(data=body, actor=actor_of(request))
    except ValidationError as exc:
        return await _account_form(
            request,
            form=form,
            errors=fields_from_validation(exc),
            error="请修改标红的项目",
            status=422,
        )
    except ApiError as exc:
        return await _account_form(
            request, form=form, errors=exc.fields, error=exc.message, status=exc.status
        )
    message = urlencode({"message": "已添加"})
    return _see_other(f"/console/matrix/accounts/{account.code}?{message}")


@bp.get("/matrix/accounts/<code:str>")
@route_max_length(code=CODE_MAX_LENGTH)
@openapi.exclude()
@staff_required("accounts.read")
async def account_page(request: Request, code: str) -> HTTPResponse:
    """One account: health, follower chart, callback settings (admins), edit forms (admins)."""
    account = await registry.get_account(code=code)
    rows = [r for r in await matrix_health() if r["code"] == code]
    row = rows[0] if rows else registry.account_to_dict(account)
    can_manage = has_permission(request.ctx.staff, "accounts.manage")
    trend = (await follower_trends([account.id])).get(account.id, [])
    return render(
        request,
        "matrix/account.html",
        account=row,
        chart=Markup(line_chart(trend, label=f"{account.name}近 30 天粉丝数")),
        # Token and EncodingAESKey go to admins only, to paste into WeChat's admin platform.
        callback=registry.callback_settings(account) if can_manage else None,
        can_manage=can_manage,
        departments=await _departments(),
        form={
            "name": account.name,
            "department_code": account.department_code or "",
            "appid": account.appid or "",
            "original_id": account.original_id or "",
            "safe_mode": "on" if account.safe_mode else "",
        },
        errors={},
        reply_form=auto_reply_form.to_form(account.auto_reply),
        message=request.args.get("message"),
        error=None,
    )


@bp.post("/matrix/accounts/<code:str>")
@route_max_length(code=CODE_MAX_LENGTH)
@openapi.exclude()
@staff_required("accounts.manage")
async def update_account_submit(request: Request, code: str) -> HTTPResponse:
    form = _form_values(
        request, ("name", "department_code", "appid", "original_id", "encoding_aes_key", "token")
    )
    data: dict[str, Any] = {k: v for k, v in form.items() if v and k != "safe_mode"}
    data["safe_mode"] = bool(form["safe_mode"])
    try:
        current = await registry.get_account(code=code)
        context = await registry.validation_context(platform=current.platform)
        body = AccountUpdate.model_validate(data, context=context)
        await registry.update_account(code=code, data=body, actor=actor_of(request))
    except (ValidationError, ApiError) as exc:
        if isinstance(exc, ApiError) and exc.status == 404:
            raise
        errors = fields_from_validation(exc) if isinstance(exc, ValidationError) else exc.fields
        return await _account_detail_error(request, code, form, errors)
    return _see_other(f"/console/matrix/accounts/{code}?" + urlencode({"message": "已保存"}))


async def _account_detail_error(
    request: Request,
    code: str,
    form: dict[str, Any],
    errors: dict[str, str],
    reply_form: dict[str, str] | None = None,
) -> HTTPResponse:
    account = await registry.get_account(code=code)
    trend = (await follower_trends([account.id])).get(account.id, [])
    return render(
        request,
        "matrix/account.html",
        status=422,
        account=registry.account_to_dict(account),
        chart=Markup(line_chart(trend)),
        callback=registry.callback_settings(account),
        can_manage=True,
        departments=await _departments(),
        form=form,
        errors=errors,
        reply_form=reply_form or auto_reply_form.to_form(account.auto_reply),
        message=None,
        error="请修改标红的项目",
    )


@bp.post("/matrix/accounts/<code:str>/auto-reply")
@route_max_length(code=CODE_MAX_LENGTH)
@openapi.exclude()
@staff_required("accounts.manage")
async def auto_reply_submit(request: Request, code: str) -> HTTPResponse:
    """Save the welcome text, menu-click and keyword replies (audited by the registry)."""
    posted = form_of(request)
    reply_form = {k: posted.get(k) or "" for k in ("subscribe", "click", "keywords")}
    account = await registry.get_account(code=code)
    rules, errors = auto_reply_form.parse(reply_form)
    if rules is None:
        return await _account_detail_error(request, code, {}, errors, reply_form)
    body = AccountUpdate.model_validate(
        {"auto_reply": rules.model_dump()}, context={"platform": account.platform}
    )
    await registry.update_account(code=code, data=body, actor=actor_of(request))
    return _see_other(
        f"/console/matrix/accounts/{code}?" + urlencode({"message": "自动回复已保存"})
    )


@bp.post("/matrix/accounts/<code:str>/rotate-secret")
@route_max_length(code=CODE_MAX_LENGTH)
@openapi.exclude()
@staff_required("accounts.manage")
async def rotate_secret_submit(request: Request, code: str) -> HTTPResponse:
    secret = (form_of(request).get("secret") or "").strip()
    if len(secret) < 8:
        return await _account_detail_error(
            request, code, {}, {"secret": "请填写在微信公众平台重置后的 AppSecret（至少 8 位）"}
        )
    try:
        await registry.rotate_secret(code=code, secret=secret, actor=actor_of(request))
    except ApiError as exc:
        if exc.status == 404:
            raise
        return await _account_detail_error(request, code, {}, exc.fields or {"secret": exc.message})
    return _see_other(
        f"/console/matrix/accounts/{code}?" + urlencode({"message": "AppSecret 已更新"})
    )


# --- inbox -----------------------------------------------------------------------------------
@bp.get("/inbox")
@openapi.exclude()
@staff_required("inbox.read")
async def inbox_page(request: Request) -> HTTPResponse:
    """The one inbox, filtered by account, department and status."""
    try:
        query = InboxQuery.model_validate({k: v[0] for k, v in request.args.items() if v})
    except ValidationError:
        query = InboxQuery.model_validate({})
    actor = actor_of(request)
    page = await inbox.list_inbox(
        actor=actor,
        account=query.account,
        department=query.department,
        status=query.status.value if query.status else None,
        page=query.page,
        per_page=query.per_page,
    )
    accounts = await registry.list_accounts()
    can_assign = has_permission(request.ctx.staff, "inbox.assign")
    pending = (
        await reassignment.list_requests(
            actor=actor, status=ReassignmentStatus.PENDING.value, per_page=MAX_PER_PAGE
        )
        if can_assign
        else None
    )
    filters = {
        k: v
        for k, v in (
            ("account", query.account),
            ("department", query.department),
            ("status", query.status.value if query.status else None),
        )
        if v
    }
    return render(
        request,
        "matrix/inbox.html",
        page=page,
        filters=filters,
        filter_query=urlencode(filters),
        accounts=accounts,
        departments=await _departments(),
        statuses=[(s.value, INBOX_STATUS_LABELS[s]) for s in InboxStatus],
        scoped=actor.department_scope is not None,
        can_reply=has_permission(request.ctx.staff, "inbox.reply"),
        can_assign=can_assign,
        pending=pending,
        messages_by_id={m["id"]: m for m in page["items"]},
        department_names=await reassignment.department_names(),
        message=request.args.get("message"),
        error=request.args.get("error"),
    )


def _back_to_inbox(request: Request, **extra: str) -> HTTPResponse:
    back = (form_of(request).get("back") or "").strip()
    # Only a plain filter query string may come back (no paths, no header tricks).
    query = back if _SAFE_QUERY.fullmatch(back) else ""
    params = "&".join(p for p in (query, urlencode(extra)) if p)
    return _see_other("/console/inbox" + (f"?{params}" if params else ""))


@bp.post("/inbox/<message_id:int>/assign")
@openapi.exclude()
@staff_required("inbox.assign")
async def assign_submit(request: Request, message_id: int) -> HTTPResponse:
    department = (form_of(request).get("department_code") or "").strip()
    try:
        await inbox.assign_message(
            message_id=message_id, department_code=department, actor=actor_of(request)
        )
    except ApiError as exc:
        return _back_to_inbox(request, error=exc.fields.get("department_code") or exc.message)
    return _back_to_inbox(request, message=f"留言 #{message_id} 已分派")


@bp.post("/inbox/<message_id:int>/reply")
@openapi.exclude()
@staff_required("inbox.reply")
async def reply_submit(request: Request, message_id: int) -> HTTPResponse:
    text = (form_of(request).get("text") or "").strip()
    if not text:
        return _back_to_inbox(request, error="回复内容不能为空")
    try:
        await inbox.reply_message(message_id=message_id, text=text[:600], actor=actor_of(request))
    except ApiError as exc:
        return _back_to_inbox(request, error=exc.message)
    return _back_to_inbox(request, message=f"已回复留言 #{message_id}")


@bp.post("/inbox/<message_id:int>/reassignment-requests")
@openapi.exclude()
@staff_required("inbox.reply")
async def reassignment_request_submit(request: Request, message_id: int) -> HTTPResponse:
    """A department asks for one of its messages to be moved, saying why."""
    form = form_of(request)
    try:
        body = ReassignmentBody.model_validate(
            {
                "department_code": form.get("department_code") or "",
                "reason": form.get("reason") or "",
            }
        )
        await inbox.request_reassignment(
            message_id=message_id,
            department_code=body.department_code,
            reason=body.reason,
            actor=actor_of(request),
        )
    except ValidationError as exc:
        return _back_to_inbox(request, error=_first_problem(fields_from_validation(exc)))
    except ApiError as exc:
        if exc.status == 404:
            raise
        return _back_to_inbox(request, error=_first_problem(exc.fields) or exc.message)
    return _back_to_inbox(request, message=f"留言 #{message_id} 的转办申请已提交，等待管理员确认")


@bp.post("/inbox/reassignment-requests/<request_id:int>/approve")
@openapi.exclude()
@staff_required("inbox.assign")
async def reassignment_approve_submit(request: Request, request_id: int) -> HTTPResponse:
    """A dispatcher approves a request: the message moves (an optional note goes with it)."""
    return await _decision_submit(request, request_id, approve=True)


@bp.post("/inbox/reassignment-requests/<request_id:int>/refuse")
@openapi.exclude()
@staff_required("inbox.assign")
async def reassignment_refuse_submit(request: Request, request_id: int) -> HTTPResponse:
    """A dispatcher refuses a request, with a reason the department sees; the message stays."""
    return await _decision_submit(request, request_id, approve=False)


async def _decision_submit(request: Request, request_id: int, *, approve: bool) -> HTTPResponse:
    note = (form_of(request).get("note") or "").strip()
    try:
        if approve:
            body = ApproveBody.model_validate({"note": note or None})
            text = body.note
        else:
            text = RefuseBody.model_validate({"reason": note}).reason
        await reassignment.decide(
            request_id=request_id, approve=approve, note=text, actor=actor_of(request)
        )
    except ValidationError as exc:
        return _back_to_inbox(request, error=_first_problem(fields_from_validation(exc)))
    except ApiError as exc:
        if exc.status == 404:
            raise
        return _back_to_inbox(request, error=exc.message)
    done = "已同意转办，留言已转给新部门" if approve else "已退回转办申请，留言仍由原部门答复"
    return _back_to_inbox(request, message=done)


def _first_problem(fields: dict[str, str]) -> str:
    return next(iter(fields.values()), "")
