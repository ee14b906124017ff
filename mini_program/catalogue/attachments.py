"""Real attachment files for the demo documents, written under media_dir/catalogue/{code}/.

Every format is rendered byte-for-byte reproducibly (fixed timestamps inside zips and PDFs) so a
second `seed-demo` finds identical files, rewrites nothing and records the same sizes.
"""

from __future__ import annotations

import io
import math
import os
import re
import time
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from PIL import Image, ImageDraw, ImageFont

from gateway.errors import OperatorError
from mini_program.catalogue.data.attachments import (
    PRIMARY_ZONES,
    Content,
    attachment_title,
    content_for,
)

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_PACKAGE = "fonts-wqy-microhei"
# Zip entries carry a timestamp; a fixed one keeps the bytes identical from run to run.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)

__all__ = ["FontMissing", "attachment_title", "render", "write_document_attachments"]


class FontMissing(OperatorError):
    """The CJK font for PDF and JPEG attachments is not installed."""


_fonts: dict[int, ImageFont.FreeTypeFont] = {}


def _font(size: int) -> ImageFont.FreeTypeFont:
    if size not in _fonts:
        if not FONT_PATH.is_file():
            raise FontMissing(
                f"the Chinese font {FONT_PATH} is missing, so PDF and JPEG attachments cannot be "
                f"drawn: install the Debian package {FONT_PACKAGE} "
                f"(apt-get install {FONT_PACKAGE}, or run ops/setup.sh)"
            )
        _fonts[size] = ImageFont.truetype(str(FONT_PATH), size, index=0)
    return _fonts[size]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# --- zips (xlsx, docx) ---------------------------------------------------------------------


def _zip(entries: Iterable[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()


def _xlsx(content: Content, published: date) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = content.title[:31]
    # openpyxl writes document properties from naive datetimes, which it takes as UTC.
    stamp = datetime(published.year, published.month, published.day)  # noqa: DTZ001
    wb.properties.title = content.title
    wb.properties.creator = content.subtitle.split("　")[0]
    wb.properties.created = wb.properties.modified = stamp
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
    # openpyxl stamps "modified" with the time of saving; pin it to the publication date.
    modified = f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp:%Y-%m-%dT%H:%M:%SZ}<'
    with zipfile.ZipFile(raw) as archive:
        entries = [(n, archive.read(n)) for n in archive.namelist()]
    core = "docProps/core.xml"
    return _zip(
        (n, re.sub(rb"<dcterms:modified [^>]*>[^<]*<", modified.encode(), d) if n == core else d)
        for n, d in entries
    )


# --- docx: a minimal WordprocessingML package ----------------------------------------------

_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _run(text: str, *, size: int = 24, bold: bool = False) -> str:
    props = '<w:rFonts w:ascii="SimSun" w:hAnsi="SimSun" w:eastAsia="宋体"/>'
    props += "<w:b/>" if bold else ""
    props += f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
    return f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _para(text: str, *, size: int = 24, bold: bool = False, align: str | None = None) -> str:
    ppr = '<w:spacing w:after="120" w:line="360" w:lineRule="auto"/>'
    if align:
        ppr += f'<w:jc w:val="{align}"/>'
    return f"<w:p><w:pPr>{ppr}</w:pPr>{_run(text, size=size, bold=bold)}</w:p>"


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    border = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    grid = "".join('<w:gridCol w:w="1500"/>' for _ in headers)
    out = [
        f'<w:tbl><w:tblPr><w:tblW w:w="5000" w:type="pct"/><w:tblBorders>{border}'
        f"</w:tblBorders></w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
    ]
    for i, values in enumerate([headers, *rows]):
        cells = "".join(
            f'<w:tc><w:tcPr><w:tcW w:w="1500" w:type="dxa"/></w:tcPr>'
            f"{_para(_text(v), size=21, bold=i == 0, align='center')}</w:tc>"
            for v in values
        )
        out.append(f'<w:tr><w:trPr><w:trHeight w:val="520"/></w:trPr>{cells}</w:tr>')
    out.append("</w:tbl>")
    return "".join(out)


def _docx(content: Content) -> bytes:
    body = [
        _para(content.title, size=36, bold=True, align="center"),
        _para(content.subtitle, size=21, align="center"),
        *(_para(p) for p in content.paragraphs),
    ]
    if content.headers:
        body.append(_table(content.headers, content.rows))
    body.extend(_para(n) for n in content.notes)
    section = (
        '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" '
        'w:bottom="1440" w:left="1440" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>'
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{_W}"><w:body>{"".join(body)}{section}</w:body></w:document>'
    )
    return _zip(
        [
            ("[Content_Types].xml", _DOCX_TYPES.encode()),
            ("_rels/.rels", _DOCX_RELS.encode()),
            ("word/document.xml", document.encode()),
        ]
    )


# --- pdf: A4 pages drawn with Pillow -------------------------------------------------------

DPI = 120
A4 = (round(8.27 * DPI), round(11.69 * DPI))
MARGIN = 90


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    lines, line = [], ""
    for char in text:
        if font.getlength(line + char) > width and line:
            lines.append(line)
            line = char
        else:
            line += char
    return [*lines, line]


class _Pages:
    """A cursor over A4 pages that starts a new page when the next block does not fit."""

    def __init__(self) -> None:
        self.pages: list[Image.Image] = []
        self._new_page()

    def _new_page(self) -> None:
        self.page = Image.new("L", A4, 255)
        self.draw = ImageDraw.Draw(self.page)
        self.pages.append(self.page)
        self.y = MARGIN

    def room(self, height: int) -> bool:
        if self.y + height > A4[1] - MARGIN:
            self._new_page()
            return False
        return True

    def text(self, text: str, size: int = 20, *, center: bool = False, gap: int = 10) -> None:
        font = _font(size)
        for line in _wrap(text, font, A4[0] - 2 * MARGIN):
            self.room(size + 8)
            x = (A4[0] - font.getlength(line)) / 2 if center else MARGIN
            self.draw.text((x, self.y), line, font=font, fill=0)
            self.y += size + 8
        self.y += gap

    def table(self, headers: list[str], rows: list[list[Any]]) -> None:
        font, size = _font(16), 16
        inner = A4[0] - 2 * MARGIN
        longest = [max([len(h), *(len(_text(r[i])) for r in rows)]) for i, h in enumerate(headers)]
        weights = [min(max(n, 3), 24) for n in longest]
        widths = [inner * w / sum(weights) for w in weights]

        def draw_row(values: list[Any], bold: bool) -> None:
            cells = [_wrap(_text(v), font, w - 10) for v, w in zip(values, widths, strict=False)]
            height = max(len(c) for c in cells) * (size + 6) + 12
            if not self.room(height) and not bold:
                draw_row(headers, True)
            x: float = MARGIN
            for lines, w in zip(cells, widths, strict=False):
                box = (x, self.y, x + w, self.y + height)
                self.draw.rectangle(box, outline=0, fill=225 if bold else 255)
                for n, line in enumerate(lines):
                    self.draw.text((x + 5, self.y + 6 + n * (size + 6)), line, font=font, fill=0)
                x += w
            self.y += height

        draw_row(headers, True)
        for values in rows:
            draw_row(values, False)
        self.y += 16


def _pdf(content: Content, published: date, author: str) -> bytes:
    pages = _Pages()
    pages.text(content.title, 30, center=True, gap=4)
    pages.text(content.subtitle, 16, center=True, gap=24)
    for para in content.paragraphs:
        pages.text(para)
    if content.headers:
        pages.table(content.headers, content.rows)
    for note in content.notes:
        pages.text(note, 18, gap=6)
    for n, page in enumerate(pages.pages, start=1):
        footer = f"第 {n} 页　共 {len(pages.pages)} 页"
        font = _font(14)
        ImageDraw.Draw(page).text(
            ((A4[0] - font.getlength(footer)) / 2, A4[1] - MARGIN / 2), footer, font=font, fill=0
        )
    stamp = time.struct_time((published.year, published.month, published.day, 0, 0, 0, 0, 1, 0))
    out = io.BytesIO()
    first, *rest = pages.pages
    first.save(
        out,
        "PDF",
        resolution=DPI,
        save_all=True,
        append_images=rest,
        title=content.title,
        author=author,
        creationDate=stamp,
        modDate=stamp,
    )
    return out.getvalue()


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
    for i, (school, west, east, north, south, _street, _phone) in enumerate(PRIMARY_ZONES):
        w, n = _X_ROADS.index(west), _Y_ROADS.index(north)
        box = (xs[w], ys[n], xs[_X_ROADS.index(east)], ys[_Y_ROADS.index(south)])
        draw.rectangle(box, fill=_ZONE_COLOURS[i % len(_ZONE_COLOURS)])
        # The label sits in the zone's north-west block, so no road runs through it.
        labels.append(((xs[w] + xs[w + 1]) / 2, (ys[n] + ys[n + 1]) / 2, school))
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
    """The bytes of attachment `name` of a demo document spec, in the format its extension says."""
    content = content_for(name, document)
    published = date.fromisoformat(document["published"])
    ext = name.rsplit(".", 1)[-1].lower()
    if ext == "xlsx":
        return _xlsx(content, published)
    if ext == "docx":
        return _docx(content)
    if ext == "pdf":
        return _pdf(content, published, document["issuer"].split("、")[0])
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
