"""Console pages of the push domain: articles (editor, preview, review), plans and their
deliveries, the calendar, account groups and default covers."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, html, redirect
from sanic_ext import openapi

from gateway.auth import has_permission, staff_required
from gateway.auth.csrf import form_of
from gateway.auth.pages import console_paging
from gateway.clock import SHANGHAI, local_date
from gateway.clock import now as clock_now
from gateway.console import register_nav, register_tile, render, render_fragment
from gateway.errors import ApiError, fields_from_validation, route_max_length
from mini_program.catalogue import service as catalogue
from push import content as body_rules
from push.api import who
from push.models import STATUS_LABELS
from push.schemas import ACCOUNT_CODE_MAX, ArticleCreate, ArticleUpdate, GroupCreate, PlanCreate
from push.service import accounts, approval, articles, images, plans
from push.service.calendar import calendar

bp = Blueprint("push_console", url_prefix="/console")
bp.static("/push/static", str(Path(__file__).resolve().parent / "static"), name="static")

register_nav("政策文章", "/console/articles", "push.read", order=30)
register_nav("推送计划", "/console/pushes", "push.read", order=31)
register_nav("推送日历", "/console/calendar", "push.read", order=32)
approval.reviews.add_console(bp, page_url=lambda article_id: f"/console/articles/{article_id}")

# The preview frame shows article HTML as WeChat renders it: inline styles, no script at all.
PREVIEW_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
REVIEW_STATES = {
    "draft": "未送审",
    "in_review": "审核中",
    "rejected": "已退回",
    "approved": "已通过",
}
WEEKDAYS = "一二三四五六日"
# Changes with the stylesheet, so the frame never shows an article with yesterday's styles.
PREVIEW_CSS_VERSION = int(
    (Path(__file__).resolve().parent / "static" / "preview.css").stat().st_mtime
)


@register_tile
async def _failures_tile(staff: Any) -> dict[str, Any] | None:
    if not has_permission(staff, "push.read"):
        return None
    failed = await plans.recent_failures(days=7, limit=100)
    latest = f"：最近 {failed[0].account_name}" if failed else ""
    return {
        "label": f"推送失败（近 7 天）{latest}",
        "value": len(failed),
        "href": "/console/pushes?status=failed",
    }


def _see_other(location: str) -> HTTPResponse:
    return redirect(location, status=303)


def _message(exc: ApiError) -> str:
    return "；".join(exc.fields.values()) if exc.fields else exc.message


def _errors(exc: ValidationError | ApiError) -> dict[str, str]:
    if isinstance(exc, ValidationError):
        return fields_from_validation(exc)
    return exc.fields or {"form": exc.message}


# --- articles ----------------------------------------------------------------------------


@bp.get("/articles")
@openapi.exclude()
@staff_required("push.read")
async def articles_page(request: Request) -> HTTPResponse:
    """Every article with its review status; tabs by status, search by title."""
    state = request.args.get("state") or None
    if state not in REVIEW_STATES:
        state = None
    q = (request.args.get("q") or "").strip()[:64] or None
    paging = console_paging(request)
    data = await approval.article_list(q=q, state=state, page=paging.page, per_page=paging.per_page)
    reviewer = has_permission(request.ctx.staff, "push.review")
    return render(
        request,
        "push/articles.html",
        data=data,
        queue=await approval.queue_for(who(request)) if reviewer else [],
        state=state,
        q=q or "",
        states=REVIEW_STATES,
        can_write=has_permission(request.ctx.staff, "push.write"),
        message=request.args.get("message"),
    )


async def _choices() -> dict[str, Any]:
    docs = await catalogue.list_documents(page=1, page_size=100)
    return {
        "documents": docs["items"],
        "domains": sorted(await catalogue.list_domains(), key=lambda d: (d["sort_order"], d["id"])),
        "limits": {
            "title": body_rules.TITLE_MAX,
            "author": body_rules.AUTHOR_MAX,
            "digest": body_rules.DIGEST_MAX,
            "chars": body_rules.CONTENT_CHARS_LIMIT,
            "bytes": body_rules.CONTENT_BYTES_LIMIT,
            "image_chars": body_rules.WECHAT_IMAGE_URL_CHARS,
        },
    }


async def _editor(
    request: Request,
    *,
    form: dict[str, Any],
    article: Any = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status: int = 200,
) -> HTTPResponse:
    context: dict[str, Any] = {}
    if article is not None:
        context["article_plans"] = await plans.plans_of_article(article_id=article.id)
        context.update(await approval.reviews.panel(request, bp, approval.reviewable(article)))
    return render(
        request,
        "push/article_form.html",
        form=form,
        article=article,
        errors=errors or {},
        notice=notice or request.args.get("notice", ""),
        cover_url=await articles.cover_url(form.get("cover_media_id")),
        can_write=has_permission(request.ctx.staff, "push.write"),
        status=status,
        **(await _choices()),
        **context,
    )


def _ids(values: list[str]) -> list[int]:
    out = []
    for value in values:
        try:
            out.append(int(value))
        except ValueError:
            continue
    return out


def _article_form(request: Request) -> dict[str, Any]:
    form = form_of(request)
    return {
        "title": form.get("title", ""),
        "author": form.get("author", ""),
        "digest": form.get("digest", ""),
        "content": form.get("content", ""),
        "cover_media_id": form.get("cover_media_id", "") or None,
        "source_url": form.get("source_url", ""),
        "document_ids": _ids(form.getlist("document_ids") or []),
        "domain_ids": _ids(form.getlist("domain_ids") or []),
    }


def _form_of_article(article: Any) -> dict[str, Any]:
    return {
        "title": article.title,
        "author": article.author,
        "digest": article.digest,
        "content": article.content,
        "cover_media_id": article.cover_media_id,
        "source_url": article.source_url,
        "document_ids": list(article.document_ids or []),
        "domain_ids": list(article.domain_ids or []),
    }


@bp.get("/articles/new")
@openapi.exclude()
@staff_required("push.write")
async def new_article_page(request: Request) -> HTTPResponse:
    form: dict[str, Any] = {"document_ids": [], "domain_ids": []}
    document = request.args.get("document")
    if document and document.isdigit():
        form["document_ids"] = [int(document)]
    return await _editor(request, form=form)


@bp.post("/articles")
@openapi.exclude()
@staff_required("push.write")
async def create_article_form(request: Request) -> HTTPResponse:
    form = _article_form(request)
    try:
        data = ArticleCreate.model_validate(form)
        article = await articles.create_article(data=data, who=who(request))
    except (ValidationError, ApiError) as exc:
        return await _editor(request, form=form, errors=_errors(exc), status=422)
    notice = data.notice or "已保存"
    return _see_other(f"/console/articles/{article.id}?notice={_quote(notice)}")


def _quote(text: str) -> str:
    return quote(text, safe="")


@bp.get("/articles/<article_id:int>")
@openapi.exclude()
@staff_required("push.read")
async def article_page(request: Request, article_id: int) -> HTTPResponse:
    """The editor with the review panel, the preview and the article's plans."""
    article = await articles.get_article(article_id=article_id)
    return await _editor(request, form=_form_of_article(article), article=article)


@bp.post("/articles/<article_id:int>")
@openapi.exclude()
@staff_required("push.write")
async def update_article_form(request: Request, article_id: int) -> HTTPResponse:
    article = await articles.get_article(article_id=article_id)
    form = _article_form(request)
    try:
        data = ArticleUpdate.model_validate(form)
        saved = await articles.update_article(article_id=article_id, data=data, who=who(request))
    except (ValidationError, ApiError) as exc:
        return await _editor(request, form=form, article=article, errors=_errors(exc), status=422)
    if saved.version != article.version:
        await approval.on_edit(saved, who(request))
    notice = data.notice or "已保存"
    return _see_other(f"/console/articles/{article_id}?notice={_quote(notice)}")


@bp.get("/articles/<article_id:int>/preview")
@openapi.exclude()
@staff_required("push.read")
async def preview_page(request: Request, article_id: int) -> HTTPResponse:
    """The article at phone width, as a follower will see it."""
    article = await articles.get_article(article_id=article_id)
    return render(request, "push/preview.html", article=article)


@bp.get("/articles/<article_id:int>/preview/frame")
@openapi.exclude()
@staff_required("push.read")
async def preview_frame(request: Request, article_id: int) -> HTTPResponse:
    article = await articles.get_article(article_id=article_id)
    account = request.args.get("account", "")
    targets = await accounts.accounts_by_code()
    body = render_fragment(
        "push/preview_frame.html",
        article=article,
        account_name=targets[account].name if account in targets else "蒙城发布",
        cover_url=await articles.cover_url(article.cover_media_id),
        today=local_date(clock_now()).strftime("%Y年%m月%d日"),
        css=PREVIEW_CSS_VERSION,
    )
    response = html(body)
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


# --- plans -------------------------------------------------------------------------------


@bp.get("/pushes")
@openapi.exclude()
@staff_required("push.read")
async def pushes_page(request: Request) -> HTTPResponse:
    wanted = request.args.get("status") or None
    current = wanted if wanted in STATUS_LABELS else None
    paging = console_paging(request)
    data = await plans.list_plans(status=current, page=paging.page, per_page=paging.per_page)
    return render(
        request,
        "push/pushes.html",
        data=data,
        current=current,
        statuses=STATUS_LABELS,
        failures=await plans.recent_failures(days=7, limit=10),
        can_write=has_permission(request.ctx.staff, "push.write"),
        message=request.args.get("message"),
    )


async def _plan_form(
    request: Request,
    *,
    form: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTTPResponse:
    every, _ = await articles.list_articles(page=1, per_page=200)
    states = await approval.statuses(every)
    approved = [a for a in every if states.get(a.id) == "approved"]
    targets = await accounts.official_accounts()
    return render(
        request,
        "push/plan_form.html",
        form=form,
        errors=errors or {},
        approved=approved,
        targets=targets,
        groups=await accounts.list_groups(),
        status=status,
    )


def _local_input(value: datetime) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


@bp.get("/pushes/new")
@openapi.exclude()
@staff_required("push.write")
async def new_push_page(request: Request) -> HTTPResponse:
    start = (clock_now() + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    article = request.args.get("article", "")
    form: dict[str, Any] = {
        "key": uuid.uuid4().hex,
        "article_id": int(article) if article.isdigit() else None,
        "at": _local_input(start),
        "stagger": "0",
        "mode": "publish",
        "accounts": [],
        "notify_followers": False,
    }
    return await _plan_form(request, form=form)


def _parse_local(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=SHANGHAI) if parsed.tzinfo is None else parsed


async def _plan_from_form(request: Request) -> tuple[dict[str, Any], dict[str, Any]]:
    """The submitted form (for re-display) and the API body it stands for."""
    raw = form_of(request)
    chosen = list(dict.fromkeys(raw.getlist("accounts") or []))
    group = raw.get("group", "")
    if group:
        found = await accounts.resolve_group(group)
        if found:
            chosen += [c for c in found["accounts"] if c not in chosen]
    order = [t.code for t in await accounts.official_accounts()]
    chosen.sort(key=lambda c: order.index(c) if c in order else len(order))
    form: dict[str, Any] = {
        "key": raw.get("key", ""),
        "article_id": int(raw.get("article_id", "0") or 0) or None,
        "at": raw.get("at", ""),
        "stagger": raw.get("stagger", "0"),
        "mode": raw.get("mode", "publish"),
        "accounts": chosen,
        "notify_followers": bool(raw.get("notify_followers")),
        "overrides": {
            code: {f: raw.get(f"{f}__{code}", "") for f in ("title", "author", "digest")}
            for code in chosen
        },
    }
    at = _parse_local(form["at"])
    try:
        stagger = max(0, min(240, int(form["stagger"] or 0)))
    except ValueError:
        stagger = 0
    deliveries = []
    for i, code in enumerate(chosen):
        item: dict[str, Any] = {
            "account": code,
            "at": (at + timedelta(minutes=i * stagger)).isoformat() if at else form["at"],
            "mode": form["mode"],
        }
        for name, value in form["overrides"][code].items():
            if value.strip():
                item[name] = value.strip()
        deliveries.append(item)
    body = {
        "article_id": form["article_id"] or 0,
        "key": form["key"] or None,
        "notify_followers": form["notify_followers"],
        "deliveries": deliveries,
    }
    return form, body


def _plan_errors(errors: dict[str, str], chosen: list[str]) -> dict[str, str]:
    """API field names (deliveries.3.at) as the form shows them (per account)."""
    out: dict[str, str] = {}
    for name, message in errors.items():
        parts = name.split(".")
        if parts[0] == "deliveries" and len(parts) > 1 and parts[1].isdigit():
            index = int(parts[1])
            code = chosen[index] if index < len(chosen) else "?"
            out[f"account:{code}"] = message
        elif name == "deliveries":
            out["accounts"] = message
        elif name == "key":
            out["form"] = (
                "这份计划已经提交过（可在推送计划中查看）；如需另建计划，请刷新本页重新填写"
            )
        else:
            out[name] = message
    return out


@bp.post("/pushes")
@openapi.exclude()
@staff_required("push.write")
async def create_push_form(request: Request) -> HTTPResponse:
    form, body = await _plan_from_form(request)
    try:
        data = PlanCreate.model_validate(body)
        plan, _created = await plans.create_plan(data=data, who=who(request))
    except (ValidationError, ApiError) as exc:
        errors = _plan_errors(_errors(exc), form["accounts"])
        return await _plan_form(request, form=form, errors=errors, status=422)
    return _see_other(f"/console/pushes/{plan.id}")


@bp.get("/pushes/<plan_id:int>")
@openapi.exclude()
@staff_required("push.read")
async def push_page(request: Request, plan_id: int) -> HTTPResponse:
    """A plan's deliveries, refreshed while any is still open."""
    plan = await plans.get_plan(plan_id=plan_id)
    data = await plans.plan_to_dict(plan)
    context = {
        "plan": data,
        "can_write": has_permission(request.ctx.staff, "push.write"),
        "error": request.args.get("error"),
        "message": request.args.get("message"),
    }
    if request.args.get("fragment") == "deliveries":
        return html(render_fragment("push/_deliveries.html", request=request, **context))
    return render(request, "push/push.html", **context)


async def _delivery_action(
    request: Request, plan_id: int, delivery_id: int, action: str
) -> HTTPResponse:
    try:
        if action == "cancel":
            await plans.cancel_delivery(plan_id=plan_id, delivery_id=delivery_id, who=who(request))
            done = "已取消"
        elif action == "retry":
            await plans.retry_delivery(plan_id=plan_id, delivery_id=delivery_id, who=who(request))
            done = "已重新发送"
        else:
            at = _parse_local(str(form_of(request).get("at", "")))
            if at is None:
                return _see_other(f"/console/pushes/{plan_id}?error={_quote('请填写新的发送时间')}")
            await plans.reschedule_delivery(
                plan_id=plan_id, delivery_id=delivery_id, at=at, who=who(request)
            )
            done = "已改期"
    except ApiError as exc:
        return _see_other(f"/console/pushes/{plan_id}?error={_quote(_message(exc))}")
    return _see_other(f"/console/pushes/{plan_id}?message={_quote(done)}")


@bp.post("/pushes/<plan_id:int>/deliveries/<delivery_id:int>/<action:cancel|retry|reschedule>")
@openapi.exclude()
@route_max_length(action=10)
@staff_required("push.write")
async def delivery_action(
    request: Request, plan_id: int, delivery_id: int, action: str
) -> HTTPResponse:
    return await _delivery_action(request, plan_id, delivery_id, action)


# --- calendar ----------------------------------------------------------------------------


def _parse_day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _calendar_range(view: str, anchor: date) -> tuple[date, date, date, date]:
    """(first shown, last shown, previous anchor, next anchor)."""
    if view == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return (
            start,
            start + timedelta(days=6),
            anchor - timedelta(days=7),
            anchor + timedelta(days=7),
        )
    first = anchor.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=6 - last.weekday())
    previous = (first - timedelta(days=1)).replace(day=1)
    return start, end, previous, last + timedelta(days=1)


@bp.get("/calendar")
@openapi.exclude()
@staff_required("push.read")
async def calendar_page(request: Request) -> HTTPResponse:
    """Week or month of every account's deliveries, conflicts marked (Shanghai time)."""
    view = "week" if request.args.get("view") == "week" else "month"
    today = local_date(clock_now())
    anchor = _parse_day(request.args.get("date"), today)
    start, end, previous, following = _calendar_range(view, anchor)
    data = await calendar(start=start, end=end)
    weeks = [data["days"][i : i + 7] for i in range(0, len(data["days"]), 7)]
    return render(
        request,
        "push/calendar.html",
        view=view,
        anchor=anchor,
        today=today.isoformat(),
        month=anchor.strftime("%Y-%m"),
        weeks=weeks,
        weekdays=WEEKDAYS,
        conflicts=data["conflicts"],
        previous=previous.isoformat(),
        following=following.isoformat(),
        title=f"{anchor.year} 年 {anchor.month} 月"
        if view == "month"
        else f"{start.isoformat()} 至 {end.isoformat()}",
    )


# --- groups and default covers -----------------------------------------------------------


async def _settings_page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> HTTPResponse:
    covers = await images.default_covers()
    targets = await accounts.official_accounts()
    return render(
        request,
        "push/settings.html",
        groups=await accounts.list_groups(),
        targets=targets,
        covers=covers,
        errors=errors or {},
        form=form or {"name": "", "accounts": []},
        message=request.args.get("message"),
        can_write=has_permission(request.ctx.staff, "push.write"),
        status=status,
    )


@bp.get("/pushes/settings")
@openapi.exclude()
@staff_required("push.read")
async def settings_page(request: Request) -> HTTPResponse:
    """Saved account groups and each account's default cover."""
    return await _settings_page(request)


@bp.post("/pushes/groups")
@openapi.exclude()
@staff_required("push.write")
async def create_group_form(request: Request) -> HTTPResponse:
    raw = form_of(request)
    form = {"name": raw.get("name", ""), "accounts": raw.getlist("accounts") or []}
    try:
        data = GroupCreate.model_validate(form)
        await accounts.create_group(data=data, who=who(request))
    except (ValidationError, ApiError) as exc:
        return await _settings_page(request, errors=_errors(exc), form=form, status=422)
    return _see_other(f"/console/pushes/settings?message={_quote('分组已保存')}")


@bp.post("/pushes/groups/<group_id:int>/delete")
@openapi.exclude()
@staff_required("push.write")
async def delete_group_form(request: Request, group_id: int) -> HTTPResponse:
    await accounts.delete_group(group_id=group_id, who=who(request))
    return _see_other(f"/console/pushes/settings?message={_quote('分组已删除')}")


@bp.post("/pushes/covers/<code:str>")
@openapi.exclude()
@route_max_length(code=ACCOUNT_CODE_MAX)
@staff_required("push.write")
async def set_cover_form(request: Request, code: str) -> HTTPResponse:
    """Upload an account's default cover (used when an article has none)."""
    upload = request.files.get("file") if request.files else None
    if code not in await accounts.accounts_by_code():
        return _see_other(f"/console/pushes/settings?message={_quote('没有这个公众号')}")
    try:
        if upload is None or not upload.body:
            raise ApiError("请选择封面图片", fields={"file": "请选择封面图片"})
        image = await images.store_image(
            data=upload.body, filename=upload.name or "", who=who(request)
        )
        await images.set_default_cover(account_code=code, image_id=image.id, who=who(request))
    except ApiError as exc:
        return _see_other(f"/console/pushes/settings?message={_quote(_message(exc))}")
    return _see_other(f"/console/pushes/settings?message={_quote('默认封面已更新')}")
