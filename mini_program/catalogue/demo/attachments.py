"""Real attachment files for the demo documents, written under media_dir/catalogue/{code}/.

Each format is written by a library that knows it: openpyxl (XLSX), python-docx (DOCX),
reportlab (PDF, with the text selectable and searchable) and Pillow (the JPEG map). python-docx
and reportlab are development dependencies: only the demo uses them. Every file comes out
byte-for-byte the same from run to run (fixed dates inside the documents and their zips), so a
second `seed-demo` finds identical files, rewrites nothing and records the same sizes.
"""

from __future__ import annotations

import io
import math
import os
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from gateway.errors import OperatorError
from mini_program.catalogue.demo.data import Cell, Content, content_for

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_PACKAGE = "fonts-wqy-microhei"
PDF_FONT = "WenQuanYiMicroHei"
# Zip entries carry a timestamp; a fixed one keeps the bytes identical from run to run.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


class FontMissing(OperatorError):
    """The CJK font for PDF and JPEG attachments is not installed."""


def _font_file() -> Path:
    if not FONT_PATH.is_file():
        raise FontMissing(
            f"the Chinese font {FONT_PATH} is missing, so PDF and JPEG attachments cannot be "
            f"drawn: install the Debian package {FONT_PACKAGE} "
            f"(apt-get install {FONT_PACKAGE}, or run ops/setup.sh)"
        )
    return FONT_PATH


_fonts: dict[int, ImageFont.FreeTypeFont] = {}


def _font(size: int) -> ImageFont.FreeTypeFont:
    if size not in _fonts:
        _fonts[size] = ImageFont.truetype(str(_font_file()), size, index=0)
    return _fonts[size]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _stamp(published: date) -> datetime:
    return datetime(published.year, published.month, published.day, tzinfo=UTC)


# --- Office files (xlsx, docx): zips whose dates are pinned -------------------------------


def _reproducible(package: bytes, stamp: datetime) -> bytes:
    """The same Office package with fixed zip dates and its core properties dated `stamp`.

    openpyxl and python-docx stamp the time of saving into the zip entries and (openpyxl)
    into docProps/core.xml; the publication date is what the file should say.
    """
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified) [^>]*>)[^<]*<", rb"\g<1>" + when + b"<", data
                )
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data)
    return out.getvalue()


def _xlsx(content: Content, published: date, author: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = content.title[:31]
    wb.properties.title = content.title
    wb.properties.creator = author
    width = max(len(content.headers), 1)
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)

    ws.cell(row=1, column=1, value=content.title).font = Font(size=16, bold=True)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=2, column=1, value=content.subtitle).alignment = Alignment(horizontal="right")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    row = 3
    for para in content.paragraphs:
        ws.cell(row=row, column=1, value=para)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        row += 1
    header_row = row
    for col, header in enumerate(content.headers, start=1):
        cell = ws.cell(row=row, column=col, value=header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = box
    for values in content.rows:
        row += 1
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value if value != "" else None)
            cell.border = box
            cell.alignment = Alignment(vertical="center", wrap_text=True)
    if content.headers:
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    for note in content.notes:
        row += 1
        ws.cell(row=row, column=1, value=note)
    # Column widths from the longest cell; a CJK character is two columns wide.
    for col in range(1, width + 1):
        cells = [content.headers[col - 1]] if content.headers else []
        cells += [_text(r[col - 1]) for r in content.rows if col <= len(r)]
        longest = max((sum(2 if ord(c) > 127 else 1 for c in s) for s in cells), default=10)
        ws.column_dimensions[get_column_letter(col)].width = min(max(longest + 2, 8), 40)
    raw = io.BytesIO()
    wb.save(raw)
    return _reproducible(raw.getvalue(), _stamp(published))


def _docx_run_font(run: Any, size: float, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = "SimSun"
    # Word picks East Asian text's font from w:eastAsia, which python-docx does not set.
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")


def _docx_paragraph(doc: Any, text: str, size: float = 12, *, bold: bool = False) -> Any:
    paragraph = doc.add_paragraph()
    _docx_run_font(paragraph.add_run(text), size, bold)
    return paragraph


def _docx(content: Content, published: date, author: str) -> bytes:
    doc = Document()
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = content.title, author, author
    props.created = props.modified = _stamp(published)
    props.revision = 1
    _docx_paragraph(doc, content.title, 18, bold=True).alignment = WD_ALIGN_PARAGRAPH.CENTER
    _docx_paragraph(doc, content.subtitle, 10.5).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for para in content.paragraphs:
        _docx_paragraph(doc, para)
    if content.headers:
        table = doc.add_table(rows=1, cols=len(content.headers))
        table.style = "Table Grid"
        for cell, header in zip(table.rows[0].cells, content.headers, strict=True):
            cell.text = ""
            _docx_run_font(cell.paragraphs[0].add_run(header), 10.5, bold=True)
        for values in content.rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, values, strict=False):
                _docx_run_font(cell.paragraphs[0].add_run(_text(value)), 10.5)
    for note in content.notes:
        _docx_paragraph(doc, note)
    raw = io.BytesIO()
    doc.save(raw)
    return _reproducible(raw.getvalue(), _stamp(published))


# --- pdf: reportlab with the CJK font embedded (subset) ------------------------------------


def _pdf_styles() -> dict[str, ParagraphStyle]:
    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(PDF_FONT, str(_font_file()), subfontIndex=0))

    def style(name: str, size: float, **extra: Any) -> ParagraphStyle:
        return ParagraphStyle(
            name, fontName=PDF_FONT, fontSize=size, leading=size * 1.6, wordWrap="CJK", **extra
        )

    return {
        "title": style("title", 20, alignment=TA_CENTER, spaceAfter=4),
        "subtitle": style("subtitle", 10.5, alignment=TA_CENTER, spaceAfter=14),
        "body": style("body", 11, spaceAfter=6, firstLineIndent=22),
        "cell": style("cell", 9),
        "note": style("note", 10, spaceAfter=4),
    }


def _pdf_table(content: Content, cell: ParagraphStyle) -> Table:
    longest = [
        max([len(h), *(len(_text(r[i])) for r in content.rows if i < len(r))])
        for i, h in enumerate(content.headers)
    ]
    weights = [min(max(n, 4), 24) for n in longest]
    inner = A4[0] - 40 * mm
    widths = [inner * w / sum(weights) for w in weights]
    lines: list[list[Cell]] = [list(content.headers), *content.rows]
    rows = [[Paragraph(_text(v), cell) for v in line] for line in lines]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E1E1E1")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _pdf_story(content: Content) -> list[Flowable]:
    styles = _pdf_styles()
    story: list[Flowable] = [
        Paragraph(content.title, styles["title"]),
        Paragraph(content.subtitle, styles["subtitle"]),
        *(Paragraph(p, styles["body"]) for p in content.paragraphs),
    ]
    if content.headers:
        story += [_pdf_table(content, styles["cell"]), Spacer(1, 4 * mm)]
    story += [Paragraph(n, styles["note"]) for n in content.notes]
    return story


def _pdf(content: Content, published: date, author: str) -> bytes:
    def build(footer: Callable[[Canvas, Any], None]) -> bytes:
        out = io.BytesIO()
        doc = SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=20 * mm,
            bottomMargin=20 * mm,
            title=content.title,
            author=author,
            subject=content.subtitle,
            # No creation time or random id: the same content gives the same bytes.
            invariant=True,
        )
        doc.build(_pdf_story(content), onFirstPage=footer, onLaterPages=footer)
        return out.getvalue()

    pages: list[int] = []
    build(lambda canvas, _doc: pages.append(canvas.getPageNumber()))  # count the pages first

    def footer(canvas: Canvas, _doc: Any) -> None:
        canvas.setFont(PDF_FONT, 9)
        canvas.drawCentredString(
            A4[0] / 2, 10 * mm, f"第 {canvas.getPageNumber()} 页　共 {len(pages)} 页"
        )

    return build(footer)


# --- jpg: the county town's school catchments as a sketch map ------------------------------

_X_ROADS = ["西外环路", "嵇康路", "漆园路", "范蠡路", "东外环路"]
_Y_ROADS = ["北二环路", "周元路", "庄子大道", "涡河"]
_ZONE_COLOURS = ["#f6d6ad", "#cde7b0", "#b7d7f0", "#f3c1c6", "#e3d1f0", "#fbe8a6", "#c9ece4"]


def _jpg(content: Content) -> bytes:
    size = (1600, 1200)
    image = Image.new("RGB", size, "#fbfaf5")
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = 160, 240, 1260, 1010
    xs = [left + i * (right - left) / (len(_X_ROADS) - 1) for i in range(len(_X_ROADS))]
    ys = [top + i * (bottom - top) / (len(_Y_ROADS) - 1) for i in range(len(_Y_ROADS))]
    labels = []
    for i, zone in enumerate(content.zones):
        w, n = _X_ROADS.index(zone.west), _Y_ROADS.index(zone.north)
        box = (xs[w], ys[n], xs[_X_ROADS.index(zone.east)], ys[_Y_ROADS.index(zone.south)])
        draw.rectangle(box, fill=_ZONE_COLOURS[i % len(_ZONE_COLOURS)])
        # The label sits in the zone's north-west block, so no road runs through it.
        labels.append(((xs[w] + xs[w + 1]) / 2, (ys[n] + ys[n + 1]) / 2, zone.school))
    for road, x in zip(_X_ROADS, xs, strict=True):
        draw.line((x, top - 30, x, bottom), fill="#8a8a8a", width=9)
        draw.text((x, top - 40), road, font=_font(22), fill="#333333", anchor="ms")
    for road, y in zip(_Y_ROADS[:-1], ys, strict=False):
        draw.line((left - 30, y, right + 30, y), fill="#8a8a8a", width=9)
        draw.text((right + 40, y), road, font=_font(22), fill="#333333", anchor="lm")
    for cx, cy, school in labels:
        draw.ellipse((cx - 9, cy - 42, cx + 9, cy - 24), fill="#c0392b")
        draw.text((cx, cy), school.removeprefix("蒙城县"), font=_font(26), fill="#222", anchor="mm")
    river = [
        (x, bottom + 22 + 9 * math.sin((x - left) / 60)) for x in range(left - 60, right + 31, 6)
    ]
    draw.line(river, fill="#3b7dd8", width=18, joint="curve")
    draw.text((right + 40, bottom + 22), "涡河", font=_font(24), fill="#3b7dd8", anchor="lm")
    draw.text((size[0] / 2, 70), content.title, font=_font(44), fill="#111111", anchor="mm")
    draw.text((size[0] / 2, 120), content.subtitle, font=_font(22), fill="#555555", anchor="mm")
    # North arrow, scale bar and legend.
    draw.polygon([(1480, 210), (1460, 270), (1500, 270)], fill="#222222")
    draw.text((1480, 290), "北", font=_font(26), fill="#222222", anchor="mt")
    draw.line((1380, 1120, 1530, 1120), fill="#222222", width=5)
    draw.text((1455, 1110), "0　　500米", font=_font(18), fill="#222222", anchor="mb")
    draw.ellipse((170, 1105, 188, 1123), fill="#c0392b")
    draw.text(
        (200, 1114),
        "学校位置　色块为各校学区（以道路中心线为界）　示意图，不作权属依据",
        font=_font(20),
        fill="#333333",
        anchor="lm",
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, optimize=True)
    return out.getvalue()


# --- writing -------------------------------------------------------------------------------


def render(name: str, document: dict[str, Any]) -> bytes:
    """The bytes of attachment `name` of a demo document, in the format its extension says."""
    content = content_for(name, document)
    published = date.fromisoformat(document["published"])
    author = document["issuer"].split("、")[0]
    ext = name.rsplit(".", 1)[-1].lower()
    if ext == "xlsx":
        return _xlsx(content, published, author)
    if ext == "docx":
        return _docx(content, published, author)
    if ext == "pdf":
        return _pdf(content, published, author)
    if ext in ("jpg", "jpeg"):
        return _jpg(content)
    raise ValueError(f"no renderer for attachment {name!r}")


def media_url(code: str, name: str) -> str:
    """The attachment's URL path, percent-encoded so any HTTP client can fetch it as is."""
    return f"/media/catalogue/{quote(code)}/{quote(name)}"


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def write_document_attachments(document: dict[str, Any], media_dir: Path) -> list[dict[str, Any]]:
    """Write one demo document's attachment files; return its attachments JSON (real sizes)."""
    folder = media_dir / "catalogue" / document["code"]
    listed = []
    for name in document.get("attachments", []):
        data = render(name, document)
        _write_if_changed(folder / name, data)
        listed.append({"name": name, "url": media_url(document["code"], name), "size": len(data)})
    return listed


__all__ = ["Cell", "FontMissing", "render", "write_document_attachments"]
