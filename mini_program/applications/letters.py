"""Letters to the applicant (answer, correction request, extension, closure) as PDF files.

Each letter's wording is a template in `letters/<kind>.txt` (Jinja2, plain text): the first
line is the title, `@number`, `@to`, `@sign`, `@date` and `@note` lines place the letter's
parts, and every other line is a paragraph of the body. The law's wording lives there, not
in code.

PDFs are laid out with ReportLab (see docs/decisions.md: it embeds a subset of a TrueType CJK
font, wraps Chinese text without spaces, needs no system libraries beyond the font, and has
been maintained since 2000). The font is Debian's WenQuanYi Micro Hei (`fonts-wqy-microhei`,
installed by ops/setup.sh), or the file named by APP_APPLICATIONS_LETTER_FONT.
"""

from __future__ import annotations

import io
import os
import threading
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from gateway.errors import OperatorError

TEMPLATES = Path(__file__).resolve().parent / "letters"
FONT_NAME = "GovCJK"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=False,  # plain text; every paragraph is escaped for ReportLab below
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
    keep_trailing_newline=False,
)
_font_lock = threading.Lock()
_font_ready = False


def cn_date(day: date | None) -> str:
    """2026年3月9日, as letters write dates."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _font_path() -> str:
    configured = os.environ.get("APP_APPLICATIONS_LETTER_FONT")
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    raise OperatorError(
        "no Chinese font for the letters: install fonts-wqy-microhei (ops/setup.sh does) or set"
        " APP_APPLICATIONS_LETTER_FONT to a TrueType file"
    )


def _register_font() -> None:
    global _font_ready
    with _font_lock:
        if _font_ready:
            return
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont(FONT_NAME, _font_path(), subfontIndex=0))
        _font_ready = True


def compose(kind: str, context: dict[str, Any]) -> dict[str, Any]:
    """The letter's parts from its template: title, number, addressee, paragraphs, signature."""
    text = _env.get_template(f"{kind}.txt").render(**context)
    lines = [line.strip() for line in text.splitlines()]
    parts: dict[str, Any] = {"title": "", "paragraphs": [], "number": "", "to": ""}
    parts.update({"sign": "", "date": "", "note": ""})
    for line in lines:
        if not line:
            continue
        if not parts["title"]:
            parts["title"] = line
        elif line.startswith("@"):
            key, _, value = line[1:].partition(" ")
            parts[key] = value.strip()
        else:
            parts["paragraphs"].append(line)
    return parts


def render_pdf(kind: str, context: dict[str, Any]) -> bytes:
    """Render a letter to PDF bytes (CPU work: call it in a thread from async code)."""
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    _register_font()
    parts = compose(kind, context)
    base = {"fontName": FONT_NAME, "wordWrap": "CJK"}
    title = ParagraphStyle("title", fontSize=20, leading=30, alignment=TA_CENTER, **base)
    number = ParagraphStyle("number", fontSize=13, leading=22, alignment=TA_CENTER, **base)
    body = ParagraphStyle(
        "body", fontSize=14, leading=26, alignment=TA_JUSTIFY, firstLineIndent=28, **base
    )
    plain = ParagraphStyle("plain", fontSize=14, leading=26, alignment=TA_LEFT, **base)
    right = ParagraphStyle("right", fontSize=14, leading=26, alignment=TA_RIGHT, **base)
    note = ParagraphStyle("note", fontSize=11, leading=18, alignment=TA_LEFT, **base)

    story: list[Any] = [Paragraph(escape(parts["title"]), title)]
    if parts["number"]:
        story.append(Paragraph(escape(parts["number"]), number))
    story.append(Spacer(1, 8 * mm))
    if parts["to"]:
        story.append(Paragraph(escape(parts["to"]), plain))
    story += [Paragraph(escape(p), body) for p in parts["paragraphs"]]
    story.append(Spacer(1, 14 * mm))
    for key in ("sign", "date"):
        if parts[key]:
            story.append(Paragraph(escape(parts[key]), right))
    if parts["note"]:
        story += [Spacer(1, 10 * mm), Paragraph(escape(parts["note"]), note)]

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        topMargin=30 * mm,
        bottomMargin=28 * mm,
        title=parts["title"],
        author=parts["sign"],
        subject=parts["number"],
        creator="蒙城县政务公开平台",
    )
    doc.build(story)
    return buffer.getvalue()
