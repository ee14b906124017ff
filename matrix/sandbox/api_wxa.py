"""Mini-program codes: a real PNG whose QR content is "scene=<scene>&page=<page>"."""

from __future__ import annotations

import io
import re
import time

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, raw

from matrix.sandbox.core import WxError, authenticate, json_body, store_of

bp = Blueprint("sandbox_wxa")

# WeChat's allowed scene characters: visible ASCII minus a few, no '%', no Chinese.
_SCENE = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$")
_PAGE = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$")


def code_content(scene: str, page: str | None) -> str:
    """What the sandbox's code encodes; tests decode the PNG and compare with this."""
    return f"scene={scene}&page={page or ''}"


def render_png(content: str, width: int) -> bytes:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2, box_size=1)
    qr.add_data(content)
    qr.make(fit=True)
    modules = qr.modules_count + 2 * qr.border
    qr.box_size = max(1, width // modules)
    image = qr.make_image(fill_color="black", back_color="white").get_image()
    image = image.convert("L").resize((width, width), resample=0)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@bp.post("/wxa/getwxacodeunlimit")
async def getwxacodeunlimit(request: Request) -> HTTPResponse:
    app = await authenticate(request, kinds=("miniprogram",))
    data = json_body(request)
    scene = data.get("scene")
    if not isinstance(scene, str) or not scene:
        raise WxError(40169, "invalid length for scene, or the data is not json")
    if len(scene) > 32:
        raise WxError(40169, "invalid length for scene, or the data is not json")
    if not _SCENE.match(scene):
        raise WxError(40097, "invalid args: scene has characters WeChat does not allow")
    page = data.get("page")
    if page is not None and (not isinstance(page, str) or not page):
        raise WxError(41030, "invalid page rid")
    if page and data.get("check_path", True) is not False and not _PAGE.match(page):
        # Registered pages have no leading "/" and no query string.
        raise WxError(41030, "invalid page rid")
    width = data.get("width", 430)
    if not isinstance(width, int) or isinstance(width, bool) or not 280 <= width <= 1280:
        raise WxError(40097, "invalid args: width must be 280..1280")
    if data.get("env_version", "release") not in ("release", "trial", "develop"):
        raise WxError(40097, "invalid args: env_version")
    store = store_of(request)
    key = f"{scene}|{page or ''}"
    store.kv_put("wxacode", app["appid"], key, {"scene": scene, "page": page, "at": time.time()})
    request.ctx.errcode = 0
    return raw(render_png(code_content(scene, page), width), content_type="image/png")
