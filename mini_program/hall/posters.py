"""Print-ready PDFs: an A4 poster per spot, and a sheet of small labels for the terminals.

The QR modules are drawn as vector rectangles (sharp at any printer resolution); the text uses
WenQuanYi Micro Hei (Debian's fonts-wqy-microhei), embedded as a subset by reportlab.
"""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from gateway.errors import OperatorError
from mini_program.hall import images

FONT = "WenQuanYiMicroHei"
FONT_FILES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
)
HALL_FILE = Path(__file__).resolve().parent / "data" / "hall.json"
RED = Color(0.70, 0.15, 0.12)
GREY = Color(0.35, 0.35, 0.35)


@cache
def hall_info() -> dict[str, Any]:
    """The hall's name, help-desk number and opening hours (data/hall.json)."""
    data: dict[str, Any] = json.loads(HALL_FILE.read_text(encoding="utf-8"))
    return data


@cache
def _font() -> str:
    for path in FONT_FILES:
        if path.exists():
            pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
            return FONT
    raise OperatorError(
        "the Chinese font for posters is missing: apt-get install fonts-wqy-microhei"
    )


def _draw_code(pdf: Canvas, modules: list[list[bool]], x: float, y: float, side: float) -> None:
    """The code with its top-left corner at (x, y + side), `side` points wide."""
    n = len(modules)
    cell = side / n
    pdf.setFillColor(black)
    for row, start, end in images.dark_runs(modules):
        top = y + side - (row + 1) * cell
        # A hair of overlap so no white seam shows between runs in some viewers.
        pdf.rect(x + start * cell, top, (end - start) * cell + 0.05, cell + 0.05, 0, 1)


def _logo(pdf: Canvas, x: float, y: float, side: float) -> None:
    size = side * images.LOGO_SHARE
    pdf.drawImage(
        str(images.LOGO_FILE),
        x + (side - size) / 2,
        y + (side - size) / 2,
        size,
        size,
        mask="auto",
    )


def poster_pdf(spots: list[dict[str, Any]]) -> bytes:
    """One A4 page per spot: title, the code with the county logo, caption, place, address."""
    font = _font()
    hall = hall_info()
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle("政务公开专区二维码海报")
    pdf.setAuthor(hall["county"])
    width, height = A4
    for spot in spots:
        pdf.setFillColor(RED)
        pdf.rect(0, height - 42 * mm, width, 42 * mm, 0, 1)
        pdf.setFillColor(white)
        pdf.setFont(font, 30)
        pdf.drawCentredString(width / 2, height - 22 * mm, hall["poster_title"])
        pdf.setFont(font, 14)
        pdf.drawCentredString(width / 2, height - 33 * mm, hall["hall_name"])

        pdf.setFillColor(black)
        pdf.setFont(font, 32)
        pdf.drawCentredString(width / 2, height - 64 * mm, _fit(spot["name"], 18))
        pdf.setFont(font, 16)
        pdf.setFillColor(GREY)
        pdf.drawCentredString(width / 2, height - 76 * mm, _fit(spot["target_label"], 30))

        side = 120 * mm
        x, y = (width - side) / 2, height - 84 * mm - side
        _draw_code(pdf, images.matrix(spot["url"], "H"), x, y, side)
        _logo(pdf, x, y, side)

        pdf.setFillColor(black)
        pdf.setFont(font, 20)
        pdf.drawCentredString(width / 2, y - 14 * mm, hall["poster_caption"])
        pdf.setFont(font, 14)
        if spot["place"]:
            pdf.drawCentredString(width / 2, y - 25 * mm, "位置：" + _fit(spot["place"], 36))
        pdf.setFillColor(GREY)
        pdf.setFont(font, 11)
        pdf.drawCentredString(width / 2, y - 34 * mm, f"编号 {spot['code']}  ·  {spot['url']}")
        pdf.setFont(font, 12)
        pdf.drawCentredString(
            width / 2,
            18 * mm,
            f"扫码遇到问题？请到服务台咨询，电话 {hall['help_desk_phone']}（{hall['hours']}）",
        )
        pdf.showPage()
    pdf.save()
    return out.getvalue()


# Standard A4 label stock: 3 columns × 8 rows of 70 × 37 mm (no margins between labels).
LABEL_COLS, LABEL_ROWS = 3, 8
LABEL_W, LABEL_H = 70 * mm, 37 * mm


def labels_pdf(spots: list[dict[str, Any]]) -> bytes:
    """Small labels (24 a sheet) to stick on the query terminals: code, name, number."""
    font = _font()
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle("查询终端二维码标签")
    width, height = A4
    top = (height - LABEL_ROWS * LABEL_H) / 2
    left = (width - LABEL_COLS * LABEL_W) / 2
    per_sheet = LABEL_COLS * LABEL_ROWS
    for index, spot in enumerate(spots):
        slot = index % per_sheet
        if index and slot == 0:
            pdf.showPage()
        col, row = slot % LABEL_COLS, slot // LABEL_COLS
        x = left + col * LABEL_W
        y = height - top - (row + 1) * LABEL_H
        pdf.setStrokeColor(Color(0.85, 0.85, 0.85))
        pdf.rect(x, y, LABEL_W, LABEL_H, 1, 0)  # a faint cut line
        side = LABEL_H - 6 * mm
        _draw_code(pdf, images.matrix(spot["url"], "M"), x + 3 * mm, y + 3 * mm, side)
        text_x = x + side + 6 * mm
        pdf.setFillColor(black)
        pdf.setFont(font, 11)
        pdf.drawString(text_x, y + LABEL_H - 10 * mm, _fit(spot["name"], 8))
        pdf.setFont(font, 8)
        pdf.setFillColor(GREY)
        pdf.drawString(text_x, y + LABEL_H - 16 * mm, "扫码在手机上继续")
        pdf.drawString(text_x, y + LABEL_H - 21 * mm, _fit(spot["place"], 11))
        pdf.setFont(font, 9)
        pdf.setFillColor(black)
        pdf.drawString(text_x, y + 5 * mm, f"编号 {spot['code']}")
    if not spots:
        pdf.setFont(font, 14)
        pdf.drawString(30 * mm, height - 30 * mm, "没有选择二维码")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
