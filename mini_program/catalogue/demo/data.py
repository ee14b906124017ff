"""The demo county's catalogue as data files in this folder (written for this project, not
official text):

- `domains.csv`: the 28 domains in catalogue order (code, name, whether the county added it);
- `catalogue.xlsx`: their items, one sheet per domain in the county's published layout, loaded
  through the real importer (`mini_program.catalogue.importer`);
- `documents.json`: the policy documents behind the items: 文号, issuer, dates, validity, the
  items each serves (domain code, 二级事项), body paragraphs, attachment file names and an
  optional written interpretation;
- `attachments.json`: what each attachment says, by its title (the file name without
  "附件N " and extension): title, subtitle, paragraphs, a table, notes; tables of school
  catchments are composed from `zones`, which the catchment map draws as well.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DEMO_DIR = Path(__file__).resolve().parent
WORKBOOK = DEMO_DIR / "catalogue.xlsx"

Cell = str | int | float


@dataclass(frozen=True)
class DemoDomain:
    code: str
    name: str
    is_local: bool


@dataclass(frozen=True)
class Zone:
    """A school's catchment between four roads (the map's grid lines)."""

    school: str
    west: str
    east: str
    north: str
    south: str
    street: str
    phone: str


@dataclass(frozen=True)
class Content:
    """What an attachment file shows, whatever its format."""

    title: str
    subtitle: str
    paragraphs: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    zones: list[Zone] = field(default_factory=list)


@cache
def domains() -> tuple[DemoDomain, ...]:
    with open(DEMO_DIR / "domains.csv", encoding="utf-8", newline="") as f:
        return tuple(
            DemoDomain(code=row["code"], name=row["name"], is_local=row["is_local"] == "1")
            for row in csv.DictReader(f)
        )


@cache
def _documents() -> tuple[dict[str, Any], ...]:
    loaded: list[dict[str, Any]] = json.loads((DEMO_DIR / "documents.json").read_text("utf-8"))
    return tuple(loaded)


def documents() -> list[dict[str, Any]]:
    """The demo policy documents (see the module docstring for their fields)."""
    return [dict(d) for d in _documents()]


@cache
def _attachments() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DEMO_DIR / "attachments.json").read_text("utf-8"))
    return loaded


def attachment_title(name: str) -> str:
    """ "附件1 城区小学学区划分表.pdf" -> "城区小学学区划分表"."""
    stem = name.rsplit(".", 1)[0]
    return re.sub(r"^附件\s*\d+\s*", "", stem).strip() or stem


def _zone_rows(zones: list[Zone]) -> list[list[Cell]]:
    return [
        [
            i,
            z.school,
            f"东至{z.east}、西至{z.west}、南至{z.south}、北至{z.north}",
            z.street,
            z.phone,
        ]
        for i, z in enumerate(zones, start=1)
    ]


def content_for(name: str, document: dict[str, Any]) -> Content:
    """What attachment `name` of a demo document says.

    An attachment that attachments.json does not describe shows the document's own text under
    its title, so a new attachment in documents.json always produces a real file.
    """
    spec = _attachments()["attachments"].get(attachment_title(name))
    if spec is None:
        return Content(
            title=attachment_title(name),
            subtitle=f"{document['issuer']}　{document['published']}",
            paragraphs=list(document.get("paras", [])),
        )
    zones = [Zone(**z) for z in _attachments()["zones"][spec["zones"]]] if "zones" in spec else []
    return Content(
        title=spec["title"],
        subtitle=spec["subtitle"],
        paragraphs=spec.get("paragraphs", []),
        headers=spec.get("headers", []),
        rows=spec.get("rows") or _zone_rows(zones),
        notes=spec.get("notes", []),
        zones=zones,
    )
