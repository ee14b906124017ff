"""QR spots: create and change them, resolve a scanned code, their images."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q

from gateway.clock import to_iso
from gateway.config import get_settings
from gateway.errors import ApiError, NotFound
from matrix.wechat import service as wechat
from matrix.wechat.errors import WeChatError
from mini_program.hall import images, recorder, targets
from mini_program.hall.models import Channel, QrSpot
from mini_program.hall.schemas import ImageQuery, SpotCreate, SpotUpdate

log = logging.getLogger("govmatrix.hall")

# 31 symbols without 0/O, 1/I/L: read aloud or typed from a label without confusion.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6  # 31^6 ≈ 887 million: codes are drawn at random, never in sequence
SCAN_PAGE = "pages/scan/index"  # the mini-program page that reads `q` and `scene`
RESOLVE_TTL = 5.0  # seconds a process trusts its copy of a spot (a change shows within 5 s)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str | None:
    """The stored spelling of a code as typed or scanned (case-insensitive), or None."""
    code = code.strip().upper()
    if not code or len(code) > 16 or not code.isalnum() or not code.isascii():
        return None
    return code


def scan_url(code: str) -> str:
    """What a spot's QR code holds: the ordinary-link address `/q/{code}`."""
    return f"{get_settings().public_base_url.rstrip('/')}/q/{code}"


def spot_to_dict(spot: QrSpot) -> dict[str, Any]:
    return {
        "code": spot.code,
        "name": spot.name,
        "place": spot.place,
        "target": spot.target,
        "target_label": targets.describe(spot.target),
        "enabled": spot.enabled,
        "version": spot.version,
        "url": scan_url(spot.code),
        "web_path": targets.web_path(spot.target),
        "mp_url": targets.mp_url(spot.target),
        "created_at": to_iso(spot.created_at),
        "updated_at": to_iso(spot.updated_at),
    }


async def create_spot(*, data: SpotCreate, actor: str) -> QrSpot:
    """A new spot with a fresh random code."""
    for _ in range(8):
        try:
            return await QrSpot.create(
                code=new_code(),
                name=data.name,
                place=data.place,
                target=data.target,
                created_by=actor,
            )
        except IntegrityError:
            continue  # the drawn code exists already: draw again
    raise ApiError("生成二维码编号失败，请重试", code="code_exhausted", status=503)


async def get_spot(*, code: str) -> QrSpot:
    """One spot by its code (any case), or NotFound."""
    normal = normalise_code(code)
    spot = await QrSpot.get_or_none(code=normal) if normal else None
    if spot is None:
        raise NotFound("没有这个二维码", code="spot_not_found")
    return spot


async def list_spots(
    *, q: str | None = None, page: int = 1, per_page: int = 20
) -> tuple[list[QrSpot], int]:
    """Spots in creation order, optionally filtered by code, name or place."""
    query = QrSpot.all()
    if q and q.strip():
        text = q.strip()
        matches = Q(name__icontains=text) | Q(place__icontains=text)
        code = normalise_code(text)
        # Only what could be a code is compared with the column (a longer value is an error).
        query = query.filter(Q(code=code) | matches if code else matches)
    total = await query.count()
    rows = await query.order_by("id").offset((page - 1) * per_page).limit(per_page)
    return list(rows), total


async def all_spots() -> list[QrSpot]:
    return list(await QrSpot.all().order_by("id"))


async def update_spot(*, code: str, data: SpotUpdate) -> tuple[QrSpot, dict[str, Any]]:
    """Change a spot; returns it and what changed (for the audit record)."""
    spot = await get_spot(code=code)
    changes: dict[str, Any] = {}
    for field in ("name", "place", "target", "enabled"):
        value = getattr(data, field)
        if value is not None and value != getattr(spot, field):
            changes[field] = value
    if not changes:
        return spot, {}
    # The images carry name, place and target only on posters, but any change is a new
    # version: caches and ETags of every image of this spot move on together.
    await QrSpot.filter(id=spot.id).update(**changes, version=F("version") + 1)
    _resolved.pop(spot.code, None)
    return await QrSpot.get(id=spot.id), changes


# --- resolving a scanned code (hot path) -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resolved:
    spot_id: int
    code: str
    name: str
    place: str
    enabled: bool
    target: dict[str, Any]
    web_location: str
    wechat_location: str


_resolved: dict[str, tuple[float, Resolved | None]] = {}
_loading: dict[str, asyncio.Future[Resolved | None]] = {}


def wechat_link(target: dict[str, Any], code: str) -> str:
    """WeChat's plain URL Scheme for the target page, carrying the spot's code as `spot`."""
    page, params = targets.mp_page(target)
    query = urlencode({**params, "spot": code}, quote_via=quote)
    return "weixin://dl/business/?" + urlencode(
        {"appid": get_settings().mp_appid, "path": page, "query": query}, quote_via=quote
    )


async def _load_spot(code: str) -> Resolved | None:
    spot = await QrSpot.get_or_none(code=code)
    found = None
    if spot is not None:
        found = Resolved(
            spot_id=spot.id,
            code=spot.code,
            name=spot.name,
            place=spot.place,
            enabled=spot.enabled,
            target=spot.target,
            web_location=targets.web_path(spot.target),
            # A product page the mini-program cannot show (the kiosk, the terminal's
            # forms) opens as a web page inside WeChat too.
            wechat_location=(
                wechat_link(spot.target, spot.code)
                if targets.has_mp_page(spot.target)
                else targets.web_path(spot.target)
            ),
        )
    if len(_resolved) > 10_000:
        _resolved.clear()
    _resolved[code] = (time.monotonic() + RESOLVE_TTL, found)
    return found


def _reload(code: str) -> asyncio.Future[Resolved | None]:
    """One database read per code at a time, however many scans wait for it."""
    pending = _loading.get(code)
    if pending is None:
        pending = asyncio.ensure_future(_load_spot(code))
        _loading[code] = pending
        pending.add_done_callback(partial(_loaded, code))
    return pending


def _loaded(code: str, done: asyncio.Future[Resolved | None]) -> None:
    _loading.pop(code, None)
    if not done.cancelled() and done.exception() is not None:
        # A refresh that failed (database busy or gone) keeps the old copy; the next scan
        # after the copy's lifetime tries again. Awaiting callers get the exception.
        log.warning("hall: reading spot %s failed: %r", code, done.exception())


async def resolve(code: str) -> Resolved | None:
    """The spot behind a scanned code, from this process's copy (see RESOLVE_TTL).

    An expired copy is still answered while one background read refreshes it, so a burst of
    scans never waits for the database (which may be busy writing the previous scans).
    """
    normal = normalise_code(code)
    if normal is None:
        return None
    hit = _resolved.get(normal)
    if hit is None:
        return await asyncio.shield(_reload(normal))
    if hit[0] <= time.monotonic():
        _reload(normal)
    return hit[1]


def code_from_scan(q: str | None, scene: str | None) -> str | None:
    """The spot code in what the mini-program was opened with (`q` URL or `scene`)."""
    if scene:
        raw = unquote(scene).strip()
        return normalise_code(raw.removeprefix("s=").removeprefix("spot="))
    if q:
        path = urlsplit(unquote(q).strip()).path
        if path.startswith("/q/"):
            return normalise_code(path.removeprefix("/q/").strip("/"))
    return None


async def report_scan(
    *, q: str | None, scene: str | None, address: str | None, user_agent: str
) -> Resolved:
    """Record a scan the mini-program reports and answer where to go."""
    code = code_from_scan(q, scene)
    found = await resolve(code) if code else None
    if found is None or not found.enabled:
        raise NotFound("这个二维码已停用或不存在，请到服务台咨询", code="spot_not_found")
    await recorder.record(
        spot_id=found.spot_id,
        channel=Channel.MP_SCENE if scene else Channel.MP_Q,
        address=address,
        user_agent=user_agent,
    )
    return found


# --- images ----------------------------------------------------------------------------------


def image_key(spot: QrSpot, kind: str, query: ImageQuery) -> str:
    parts = (kind, scan_url(spot.code), f"v{spot.version}", query.size, query.margin)
    return "|".join(str(p) for p in (*parts, query.level, int(query.with_logo)))


async def spot_image(*, spot: QrSpot, kind: str, query: ImageQuery) -> bytes:
    """The spot's QR code as PNG or SVG bytes (made once per version and parameters)."""
    render = images.render_png if kind == "png" else images.render_svg
    content = scan_url(spot.code)

    async def make() -> bytes:
        return render(
            content,
            size=query.size,
            margin=query.margin,
            level=query.level,
            logo=query.with_logo,
        )

    return await images.cached(image_key(spot, kind, query), kind, make)


def wxacode_key(spot: QrSpot, width: int) -> str:
    return f"wxacode|{get_settings().mp_appid}|{spot.code}|{SCAN_PAGE}|v{spot.version}|{width}"


async def spot_wxacode(*, spot: QrSpot, width: int) -> bytes:
    """The spot's mini-program code (getwxacodeunlimit, scene = the code), fetched once."""
    settings = get_settings()

    async def fetch() -> bytes:
        try:
            return await wechat.get_wxacode_unlimit(
                appid=settings.mp_appid,
                secret=settings.mp_secret,
                scene=spot.code,
                page=SCAN_PAGE,
                width=width,
            )
        except WeChatError as exc:
            raise ApiError(
                exc.user_message, code="wechat_error", status=502, extra={"errcode": exc.errcode}
            ) from exc

    return await images.cached(wxacode_key(spot, width), "png", fetch)


def qr_png(content: str, *, size: int = 360) -> bytes:
    """A plain QR code of any content (e.g. an open-day ticket), as PNG bytes."""
    return images.render_png(content, size=size, margin=2, level="M", logo=False)
