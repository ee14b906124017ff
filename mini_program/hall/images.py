"""QR images of spots: PNG and SVG drawn from qrcode's module matrix, cached per spot version.

Mask selection makes a code cost ~4 ms (libraries.md), so each image is generated once per
(spot version, content, parameters): kept as a file under APP_MEDIA_DIR (shared by every
process and kept across restarts) and in a small per-process memory cache. The ETag is the
hash of that key, so a revalidation answers 304 without reading or drawing anything.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from functools import cache
from pathlib import Path

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

from gateway.config import get_settings

LOGO_FILE = Path(__file__).resolve().parent / "data" / "logo.png"
LEVELS = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}
# The logo covers at most this share of the code's width: ~5 % of its area, well inside the
# 30 % level H restores.
LOGO_SHARE = 0.22
MEMORY_ENTRIES = 256

_memory: OrderedDict[str, bytes] = OrderedDict()


def matrix(content: str, level: str) -> list[list[bool]]:
    """The code's modules (True = dark), without the quiet zone."""
    qr = qrcode.QRCode(error_correction=LEVELS[level], border=0, box_size=1)
    qr.add_data(content)
    qr.make(fit=True)
    return [[bool(cell) for cell in row] for row in qr.get_matrix()]


def dark_runs(modules: list[list[bool]]) -> Iterator[tuple[int, int, int]]:
    """(row, first column, column after the last) of every horizontal run of dark modules:
    drawing runs instead of single modules keeps SVGs and PDFs small."""
    for y, row in enumerate(modules):
        x, n = 0, len(row)
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                yield y, start, x
            else:
                x += 1


@cache
def _logo() -> Image.Image:
    return Image.open(LOGO_FILE).convert("RGBA")


@cache
def logo_data_uri() -> str:
    return "data:image/png;base64," + base64.b64encode(LOGO_FILE.read_bytes()).decode("ascii")


def render_png(content: str, *, size: int, margin: int, level: str, logo: bool) -> bytes:
    """A square PNG of exactly `size` pixels; modules are whole pixels (sharp when printed)."""
    modules = matrix(content, level)
    n = len(modules)
    total = n + 2 * margin
    box = max(1, size // total)
    small = Image.new("L", (n, n), 255)
    small.putdata([0 if cell else 255 for row in modules for cell in row])
    code = small.resize((n * box, n * box), Image.Resampling.NEAREST)
    canvas = Image.new("RGB", (size, size), "white")
    offset = (size - n * box) // 2
    canvas.paste(code, (offset, offset))
    if logo:
        side = int(n * box * LOGO_SHARE)
        mark = _logo().resize((side, side), Image.Resampling.LANCZOS)
        at = (size - side) // 2
        canvas.paste(mark, (at, at), mark)
    out = io.BytesIO()
    canvas.convert("L" if not logo else "RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()


def render_svg(content: str, *, size: int, margin: int, level: str, logo: bool) -> bytes:
    """An SVG with one path of dark runs; the viewBox is in modules, so it scales cleanly."""
    modules = matrix(content, level)
    n = len(modules)
    total = n + 2 * margin
    runs = [
        f"M{start + margin} {y + margin}h{end - start}v1h-{end - start}z"
        for y, start, end in dark_runs(modules)
    ]
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}"'
        f' viewBox="0 0 {total} {total}" shape-rendering="crispEdges">',
        f'<rect width="{total}" height="{total}" fill="#fff"/>',
        f'<path fill="#000" d="{"".join(runs)}"/>',
    ]
    if logo:
        side = n * LOGO_SHARE
        at = (total - side) / 2
        parts.append(
            f'<image x="{at:.3f}" y="{at:.3f}" width="{side:.3f}" height="{side:.3f}"'
            f' href="{logo_data_uri()}"/>'
        )
    parts.append("</svg>\n")
    return "".join(parts).encode("utf-8")


def etag_for(key: str) -> str:
    return '"' + hashlib.sha256(key.encode("utf-8")).hexdigest()[:24] + '"'


def _file_for(key: str, ext: str) -> Path:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return get_settings().media_dir / "hall" / "qr" / digest[:2] / f"{digest}.{ext}"


async def cached(key: str, ext: str, make: Callable[[], Awaitable[bytes]]) -> bytes:
    """The image for `key`: from memory, else from its file, else made once and kept."""
    hit = _memory.get(key)
    if hit is not None:
        _memory.move_to_end(key)
        return hit
    path = _file_for(key, ext)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = await make()
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written under a temporary name and renamed: another process never reads half a file.
        temp = path.with_suffix(f".{os.getpid()}.tmp")
        temp.write_bytes(data)
        temp.replace(path)
    _memory[key] = data
    if len(_memory) > MEMORY_ENTRIES:
        _memory.popitem(last=False)
    return data
