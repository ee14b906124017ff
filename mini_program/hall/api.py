"""The hall's JSON API: spots, their images, posters and scan figures (admin); scans (mp)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, raw
from sanic_ext import openapi

from gateway.auth import audit_request, staff_required
from gateway.auth.decorators import client_ip
from gateway.clock import local_date, now
from gateway.errors import NotFound, parse_body, parse_query, route_max_length
from gateway.openapi import json_body, query, returns
from gateway.paging import page_answer
from mini_program.hall import images, posters, service, stats, targets
from mini_program.hall.schemas import (
    CODE_MAX_LENGTH,
    DaysQuery,
    HallInfo,
    HeatTable,
    ImageQuery,
    PosterQuery,
    ScanAnswer,
    ScanReport,
    ScanSeries,
    ScansQuery,
    SpotAnswer,
    SpotCreate,
    SpotList,
    SpotListQuery,
    SpotUpdate,
    WxacodeQuery,
)

READ, MANAGE = "qr.read", "qr.manage"

admin = Blueprint("hall_admin", url_prefix="/api/v1/admin/qr")
mp = Blueprint("hall_mp", url_prefix="/api/v1/mp")
bp = Blueprint.group(admin, mp)

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Images are staff-only: browsers keep them privately and revalidate with the ETag each time.
IMAGE_CACHE = "private, no-cache"


def image_response(body: bytes, etag: str, content_type: str) -> HTTPResponse:
    return raw(
        body, content_type=content_type, headers={"ETag": etag, "Cache-Control": IMAGE_CACHE}
    )


def not_modified(request: Request, etag: str) -> HTTPResponse | None:
    wanted = request.headers.get("If-None-Match", "")
    if etag in {tag.strip() for tag in wanted.split(",")}:
        return HTTPResponse(status=304, headers={"ETag": etag, "Cache-Control": IMAGE_CACHE})
    return None


async def audit_spot(request: Request, action: str, spot: Any, detail: dict[str, Any]) -> None:
    """The audit record of a staff change to a spot (the API and the console alike)."""
    await audit_request(
        request, action=action, target_type="qr_spot", target_id=spot.code, detail=detail
    )


def download(body: bytes, content_type: str, filename: str) -> HTTPResponse:
    # RFC 6266: an ASCII fallback name, and the UTF-8 one carrying the Chinese title.
    fallback = filename.encode("ascii", "ignore").decode().strip("_") or "download"
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return raw(body, content_type=content_type, headers={"Content-Disposition": disposition})


@admin.get("/spots")
@openapi.tag("hall")
@query(SpotListQuery)
@returns(SpotList)
@staff_required(READ)
async def list_spots(request: Request) -> HTTPResponse:
    """Every spot with its code, target and scan address."""
    asked = parse_query(request, SpotListQuery)
    rows, total = await service.list_spots(q=asked.q, page=asked.page, per_page=asked.per_page)
    items = [service.spot_to_dict(s) for s in rows]
    return json(page_answer(items, total=total, page=asked.page, per_page=asked.per_page))


@admin.post("/spots")
@openapi.tag("hall")
@json_body(SpotCreate)
@returns(SpotAnswer, status=201, description="新建的二维码点位")
@staff_required(MANAGE)
async def create_spot(request: Request) -> HTTPResponse:
    """Make a spot (`name`, `place`, `target`); it answers with its short random `code`."""
    body = parse_body(request, SpotCreate)
    spot = await service.create_spot(data=body, actor=request.ctx.staff.username)
    created = {"name": spot.name, "place": spot.place, "target": spot.target}
    await audit_spot(request, "qr.spot.create", spot, created)
    return json({"spot": service.spot_to_dict(spot)}, status=201)


@admin.get("/spots/<code:str>")
@route_max_length(code=CODE_MAX_LENGTH)
@openapi.tag("hall")
@returns(SpotAnswer)
@staff_required(READ)
async def get_spot(request: Request, code: str) -> HTTPResponse:
    """One spot."""
    return json({"spot": service.spot_to_dict(await service.get_spot(code=code))})


@admin.patch("/spots/<code:str>")
@route_max_length(code=CODE_MAX_LENGTH)
@openapi.tag("hall")
@json_body(SpotUpdate)
@returns(SpotAnswer)
@staff_required(MANAGE)
async def update_spot(request: Request, code: str) -> HTTPResponse:
    """Change a spot's name, place, target, or disable it (`enabled: false`)."""
    body = parse_body(request, SpotUpdate)
    spot, changes = await service.update_spot(code=code, data=body)
    if changes:
        await audit_spot(request, "qr.spot.update", spot, changes)
    return json({"spot": service.spot_to_dict(spot)})


async def _image(request: Request, code: str, kind: str) -> HTTPResponse:
    asked = parse_query(request, ImageQuery)
    spot = await service.get_spot(code=code)
    etag = images.etag_for(service.image_key(spot, kind, asked))
    cached = not_modified(request, etag)
    if cached is not None:
        return cached
    body = await service.spot_image(spot=spot, kind=kind, query=asked)
    content_type = "image/png" if kind == "png" else "image/svg+xml"
    return image_response(body, etag, content_type)


@admin.get("/spots/<code:str>/image.png")
@route_max_length(code=CODE_MAX_LENGTH)
@openapi.tag("hall")
@query(ImageQuery)
@openapi.response(200, {"image/png": {"type": "string", "format": "binary"}}, "PNG 二维码")
@openapi.response(304, None, "未变化（ETag）")
@staff_required(READ)
async def spot_png(request: Request, code: str) -> HTTPResponse:
    """The spot's QR code as PNG (cached; ETag)."""
    return await _image(request, code, "png")


@admin.get("/spots/<code:str>/image.svg")
@route_max_length(code=CODE_MAX_LENGTH)
@openapi.tag("hall")
@query(ImageQuery)
@openapi.response(200, {"image/svg+xml": {"type": "string"}}, "SVG 二维码")
@openapi.response(304, None, "未变化（ETag）")
@staff_required(READ)
async def spot_svg(request: Request, code: str) -> HTTPResponse:
    """The spot's QR code as SVG (cached; ETag)."""
    return await _image(request, code, "svg")


@admin.get("/spots/<code:str>/wxacode.png")
@route_max_length(code=CODE_MAX_LENGTH)
@openapi.tag("hall")
@query(WxacodeQuery)
@openapi.response(200, {"image/png": {"type": "string", "format": "binary"}}, "小程序码")
@openapi.response(304, None, "未变化（ETag）")
@staff_required(READ)
async def spot_wxacode(request: Request, code: str) -> HTTPResponse:
    """The spot's mini-program code (getwxacodeunlimit, scene = the code), fetched once."""
    asked = parse_query(request, WxacodeQuery)
    spot = await service.get_spot(code=code)
    etag = images.etag_for(service.wxacode_key(spot, asked.width))
    cached = not_modified(request, etag)
    if cached is not None:
        return cached
    body = await service.spot_wxacode(spot=spot, width=asked.width)
    return image_response(body, etag, "image/png")


@admin.get("/spots/<code:str>/scans")
@route_max_length(code=CODE_MAX_LENGTH)
@openapi.tag("hall")
@query(ScansQuery)
@returns(ScanSeries)
@staff_required(READ)
async def spot_scans(request: Request, code: str) -> HTTPResponse:
    """Scans of a spot per day or per hour: people, distinct visitors, bots, channels."""
    asked = parse_query(request, ScansQuery)
    spot = await service.get_spot(code=code)
    start, end = asked.span(local_date(now()))
    figures = await stats.series(spot=spot, start=start, end=end, by=asked.by)
    return json({"spot": service.spot_to_dict(spot), **figures})


@admin.get("/heat")
@openapi.tag("hall")
@query(DaysQuery)
@returns(HeatTable)
@staff_required(READ)
async def heat(request: Request) -> HTTPResponse:
    """The hall's heat table: scans by people per spot and hour of the day."""
    start, end = _range(request)
    rows = await stats.heat_table(start=start, end=end)
    return json({"from": start.isoformat(), "to": end.isoformat(), "spots": rows})


def _range(request: Request) -> tuple[date, date]:
    return parse_query(request, DaysQuery).span(local_date(now()))


@admin.get("/scans.csv")
@openapi.tag("hall")
@query(DaysQuery)
@openapi.response(200, {CSV: {"type": "string"}}, "CSV（UTF-8 带 BOM）")
@staff_required(READ)
async def export_csv(request: Request) -> HTTPResponse:
    """Scans per spot and day as CSV (UTF-8 with BOM, Chinese headers)."""
    start, end = _range(request)
    rows = await stats.daily_rows(start=start, end=end)
    return download(stats.to_csv(rows), CSV, f"扫码统计_{start}_{end}.csv")


@admin.get("/scans.xlsx")
@openapi.tag("hall")
@query(DaysQuery)
@openapi.response(200, {XLSX: {"type": "string", "format": "binary"}}, "Excel 工作簿")
@staff_required(READ)
async def export_xlsx(request: Request) -> HTTPResponse:
    """Scans per spot and day as an Excel workbook."""
    start, end = _range(request)
    rows = await stats.daily_rows(start=start, end=end)
    body = stats.to_xlsx(rows, title=f"政务公开专区扫码统计（{start} 至 {end}）")
    return download(body, XLSX, f"扫码统计_{start}_{end}.xlsx")


async def _chosen(request: Request) -> list[dict[str, Any]]:
    asked = parse_query(request, PosterQuery)
    found = []
    for code in asked.code_list:
        try:
            found.append(service.spot_to_dict(await service.get_spot(code=code)))
        except NotFound as exc:
            raise NotFound(f"没有编号为 {code} 的二维码", code="spot_not_found") from exc
    return found


@admin.get("/posters.pdf")
@openapi.tag("hall")
@query(PosterQuery)
@openapi.response(200, {"application/pdf": {"type": "string", "format": "binary"}}, "A4 海报")
@staff_required(READ)
async def posters_pdf(request: Request) -> HTTPResponse:
    """Print-ready A4 posters, one page per chosen spot."""
    spots = await _chosen(request)
    return download(posters.poster_pdf(spots), "application/pdf", "二维码海报.pdf")


@admin.get("/labels.pdf")
@openapi.tag("hall")
@query(PosterQuery)
@openapi.response(200, {"application/pdf": {"type": "string", "format": "binary"}}, "标签页")
@staff_required(READ)
async def labels_pdf(request: Request) -> HTTPResponse:
    """A4 sheets of small labels (3 × 8) for the query terminals."""
    spots = await _chosen(request)
    return download(posters.labels_pdf(spots), "application/pdf", "二维码标签.pdf")


@mp.post("/scans")
@openapi.tag("mini-program")
@json_body(ScanReport)
@returns(ScanAnswer)
async def report_scan(request: Request) -> HTTPResponse:
    """The mini-program was opened by a spot's code (`q` or `scene`): count it, say where to go."""
    body = parse_body(request, ScanReport)
    found = await service.report_scan(
        q=body.q,
        scene=body.scene,
        address=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    page, params = targets.mp_page(found.target)
    return json(
        {
            "code": found.code,
            "name": found.name,
            "place": found.place,
            "page": page,
            "params": params,
            "url": targets.mp_url(found.target),
        }
    )


@mp.get("/hall")
@openapi.tag("mini-program")
@returns(HallInfo)
async def hall_info(request: Request) -> HTTPResponse:
    """The service hall's help desk: phone, opening hours, how to ask (咨询留言 page)."""
    info = posters.hall_info()
    keys = ("hall_name", "help_desk_phone", "hours", "ask_hotline", "ask_text")
    return json({key: info[key] for key in keys})
