"""Console pages of the hall: spots, their images and posters, scan charts, the heat table."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from markupsafe import Markup
from pydantic import ValidationError
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect
from sanic_ext import openapi

from gateway.auth import has_permission, staff_required
from gateway.auth.csrf import form_of
from gateway.clock import local_date, now
from gateway.console import register_nav, register_tile, render
from gateway.console.charts import bar_chart, line_chart
from gateway.errors import ApiError, Invalid, NotFound, fields_from_validation, route_max_length
from mini_program.hall import posters, service, stats, targets
from mini_program.hall.api import audit_spot, download
from mini_program.hall.models import CHANNEL_LABELS, Channel, QrScan
from mini_program.hall.schemas import CODE_MAX_LENGTH, ScansQuery, SpotCreate, SpotUpdate

READ, MANAGE = "qr.read", "qr.manage"
STATIC = Path(__file__).resolve().parent / "static"

bp = Blueprint("hall_console", url_prefix="/console")
bp.static("/qr/static", str(STATIC), name="static")

register_nav("大厅二维码", "/console/qr", READ, order=300)


@register_tile
async def _scans_tile(staff: Any) -> dict[str, Any] | None:
    if not has_permission(staff, READ):
        return None
    since = local_date(now()) - timedelta(days=6)
    count = await QrScan.filter(day__gte=since, is_bot=False).count()
    return {"label": "大厅二维码近 7 天扫码", "value": count, "href": "/console/qr"}


def _range(request: Request) -> tuple[date, date, dict[str, str]]:
    """The page's date range (default: the last 30 days) and its field errors."""
    data = {k: v[0] for k, v in request.args.items() if v and k in ("from", "to")}
    try:
        query = ScansQuery.model_validate(data)
        errors: dict[str, str] = {}
    except ValidationError as exc:
        query, errors = ScansQuery.model_validate({}), fields_from_validation(exc)
    start, end = query.span(local_date(now()))
    return start, end, errors


def _target_from_form(form: Any) -> dict[str, Any]:
    """The target as the API takes it, from the form's kind / page / parameter / path."""
    if form.get("target_kind") == "path":
        return {"path": (form.get("path") or "").strip()}
    page = form.get("page") or ""
    spec = targets.PAGES.get(page)
    params: dict[str, Any] = {}
    value = (form.get("param") or "").strip()
    if spec and value:
        name = next(iter(spec.params), None)
        if name:
            # The form's text becomes the number an id is (the API takes ids as numbers).
            is_id = spec.params[name] == "id" and value.isdigit()
            params[name] = int(value) if is_id else value
    return {"page": page, "params": params}


def _heat_levels(rows: list[dict[str, Any]]) -> None:
    # Six shades, scaled to the busiest cell (CSS classes: the console's CSP forbids styles).
    high = max((v for r in rows for v in r["hours"]), default=0) or 1
    for row in rows:
        row["levels"] = [0 if v == 0 else 1 + min(4, int(5 * v / (high + 1))) for v in row["hours"]]


@bp.get("/qr")
@openapi.exclude()
@staff_required(READ)
async def spots_page(request: Request) -> HTTPResponse:
    """Every spot, the create form, posters, the heat table and the exports."""
    return await _render_list(request)


async def _render_list(
    request: Request,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> HTTPResponse:
    start, end, range_errors = _range(request)
    spots = await service.all_spots()
    heat = await stats.heat_table(start=start, end=end)
    _heat_levels(heat)
    totals = {row["code"]: row["total"] for row in heat}
    return render(
        request,
        "hall/spots.html",
        spots=[{**service.spot_to_dict(s), "scans": totals.get(s.code, 0)} for s in spots],
        heat=heat,
        hours=stats.HOURS,
        start=start,
        end=end,
        range_errors=range_errors,
        pages=targets.PAGES,
        form=form or {"target_kind": "page", "page": "pages/item/index"},
        errors=errors or {},
        message=message or request.args.get("message", ""),
        can_manage=has_permission(request.ctx.staff, MANAGE),
        status=status,
    )


@bp.post("/qr")
@openapi.exclude()
@staff_required(MANAGE)
async def create_spot(request: Request) -> HTTPResponse:
    """The console's create form (same rules as the API)."""
    form = form_of(request)
    raw = {
        "name": form.get("name") or "",
        "place": form.get("place") or "",
        "target": _target_from_form(form),
    }
    try:
        data = SpotCreate.model_validate(raw)
    except ValidationError as exc:
        kept = {
            k: form.get(k) or "" for k in ("name", "place", "target_kind", "page", "param", "path")
        }
        return await _render_list(
            request, form=kept, errors=fields_from_validation(exc), status=422
        )
    spot = await service.create_spot(data=data, actor=request.ctx.staff.username)
    created = {"name": spot.name, "place": spot.place, "target": spot.target}
    await audit_spot(request, "qr.spot.create", spot, created)
    return redirect(f"/console/qr/{spot.code}?message=已创建", status=303)


@bp.get("/qr/print")
@openapi.exclude()
@staff_required(READ)
async def print_spots(request: Request) -> HTTPResponse:
    """The chosen spots as A4 posters or as a sheet of terminal labels (PDF)."""
    codes = [c for c in request.args.getlist("codes", []) if c]
    kind = request.args.get("kind", "posters")
    if not codes:
        return await _render_list(request, message="请先勾选要打印的二维码", status=422)
    chosen = []
    for code in codes[:200]:
        try:
            chosen.append(service.spot_to_dict(await service.get_spot(code=code)))
        except NotFound:
            continue
    if kind == "labels":
        return download(posters.labels_pdf(chosen), "application/pdf", "二维码标签.pdf")
    return download(posters.poster_pdf(chosen), "application/pdf", "二维码海报.pdf")


@bp.get("/qr/<code:str>")
@route_max_length(code=CODE_MAX_LENGTH)
@openapi.exclude()
@staff_required(READ)
async def spot_page(request: Request, code: str) -> HTTPResponse:
    """One spot: images, scans by day and by hour, channels, the edit form."""
    try:
        spot = await service.get_spot(code=code)
    except NotFound:
        return render(request, "console/forbidden.html", message="没有这个二维码", status=404)
    return await _render_spot(request, spot)


async def _render_spot(
    request: Request,
    spot: Any,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> HTTPResponse:
    start, end, range_errors = _range(request)
    daily = await stats.series(spot=spot, start=start, end=end, by="day")
    profile = await stats.hour_profile(spot=spot, start=start, end=end)
    by_day = [(date.fromisoformat(p["at"]), p["scans"]) for p in daily["points"]]
    by_hour = [(f"{h:02d}:00–{h + 1:02d}:00", n) for h, n in enumerate(profile)]
    channels = [(CHANNEL_LABELS[Channel(k)], v) for k, v in sorted(daily["channels"].items())]
    info = service.spot_to_dict(spot)
    target = spot.target
    default_form = {
        "name": spot.name,
        "place": spot.place,
        "target_kind": "path" if "path" in target else "page",
        "page": target.get("page", ""),
        "param": next(iter((target.get("params") or {}).values()), ""),
        "path": target.get("path", ""),
    }
    return render(
        request,
        "hall/spot.html",
        spot=info,
        start=start,
        end=end,
        range_errors=range_errors,
        daily=daily,
        day_chart=Markup(line_chart(by_day, label=f"{spot.name} 每日扫码")),
        hour_chart=Markup(bar_chart(by_hour, bar_height=12, label=f"{spot.name} 各时段扫码")),
        channel_chart=Markup(bar_chart(channels, label="扫码渠道")),
        pages=targets.PAGES,
        form=form or default_form,
        errors=errors or {},
        message=request.args.get("message", ""),
        can_manage=has_permission(request.ctx.staff, MANAGE),
        status=status,
    )


@bp.post("/qr/<code:str>")
@route_max_length(code=CODE_MAX_LENGTH)
@openapi.exclude()
@staff_required(MANAGE)
async def update_spot(request: Request, code: str) -> HTTPResponse:
    """Save the edit form, or switch a spot on or off."""
    spot = await service.get_spot(code=code)
    form = form_of(request)
    if form.get("action") in ("enable", "disable"):
        raw: dict[str, Any] = {"enabled": form.get("action") == "enable"}
    else:
        raw = {
            "name": form.get("name") or "",
            "place": form.get("place") or "",
            "target": _target_from_form(form),
        }
    try:
        data = SpotUpdate.model_validate(raw)
        spot, changes = await service.update_spot(code=code, data=data)
    except ValidationError as exc:
        kept = {
            k: form.get(k) or "" for k in ("name", "place", "target_kind", "page", "param", "path")
        }
        return await _render_spot(
            request, spot, errors=fields_from_validation(exc), form=kept, status=422
        )
    except (Invalid, ApiError) as exc:
        return await _render_spot(request, spot, errors=exc.fields, status=exc.status)
    if changes:
        await audit_spot(request, "qr.spot.update", spot, changes)
    return redirect(f"/console/qr/{spot.code}?message=已保存", status=303)
