"""Why a resident may be notified (a purpose), and the WeChat template each purpose uses.

The purposes, their demo template ids and their field mapping are data
(`mini_program/notify/data/templates.json`). A county's real template ids (assigned by WeChat
when the templates are chosen in the mini-program's admin platform) and, if they differ, their
keywords are the setting `APP_NOTIFY_TEMPLATES`: a JSON object, or the path of a JSON file,
{"<purpose>": {"template_id": "...", "fields": {"title": "thing1", ...}}} merged over the data.

To add a purpose: add an entry to templates.json (label, title, a demo template id, fields,
default page) and set its real template id in production.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from gateway.config import setting

DATA = Path(__file__).resolve().parent / "data" / "templates.json"
SETTING = "APP_NOTIFY_TEMPLATES"
# WeChat's keyword names: a kind and a number (thing1, time3, character_string2...).
KEYWORD = re.compile(
    r"^(thing|number|letter|symbol|character_string|time|date|amount|phone_number|"
    r"car_number|name|phrase|short_thing)(\d+)$"
)
_TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")
_PURPOSE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


@dataclass(frozen=True)
class Purpose:
    code: str
    label: str
    # The template's title as the resident sees it in the authorisation sheet.
    title: str
    template_id: str
    # The names domains pass to notify() → the template's keywords.
    fields: dict[str, str]
    # The page a message opens when the caller gives none.
    page: str

    def keyword_kind(self, name: str) -> str:
        match = KEYWORD.match(self.fields[name])
        assert match is not None  # checked when loaded
        return match.group(1)


def _load() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = {
        k: v for k, v in json.loads(DATA.read_text(encoding="utf-8")).items() if k[0] != "_"
    }
    raw = (setting(SETTING) or "").strip()
    if raw:
        text = raw if raw.startswith("{") else Path(raw).read_text(encoding="utf-8")
        overrides = json.loads(text)
        if not isinstance(overrides, dict):
            raise ValueError(f"{SETTING}: a JSON object of purposes is expected")
        for code, values in overrides.items():
            if code not in data or not isinstance(values, dict):
                raise ValueError(f"{SETTING}: unknown purpose {code!r} (known: {sorted(data)})")
            data[code] = {**data[code], **values}
    return data


@cache
def purposes() -> dict[str, Purpose]:
    """Every purpose by code (read once per process; a bad setting fails loudly)."""
    found: dict[str, Purpose] = {}
    for code, spec in _load().items():
        purpose = Purpose(
            code=code,
            label=str(spec["label"]),
            title=str(spec.get("title") or spec["label"]),
            template_id=str(spec["template_id"]),
            fields={str(k): str(v) for k, v in dict(spec["fields"]).items()},
            page=str(spec.get("page") or "pages/index/index"),
        )
        _check(purpose)
        found[code] = purpose
    ids = [p.template_id for p in found.values()]
    if len(set(ids)) != len(ids):
        raise ValueError("two notification purposes share one template id")
    return found


def _check(purpose: Purpose) -> None:
    where = f"notification purpose {purpose.code!r}"
    if not _PURPOSE.match(purpose.code):
        raise ValueError(f"{where}: codes are lower-case letters, digits and _")
    if not _TEMPLATE_ID.match(purpose.template_id):
        raise ValueError(f"{where}: template_id {purpose.template_id!r} has the wrong shape")
    if not purpose.fields:
        raise ValueError(f"{where}: no fields")
    for name, keyword in purpose.fields.items():
        if not KEYWORD.match(keyword):
            raise ValueError(f"{where}: {name} → {keyword!r} is not a WeChat keyword")
    if len(set(purpose.fields.values())) != len(purpose.fields):
        raise ValueError(f"{where}: two fields map to one keyword")


def get_purpose(code: str) -> Purpose:
    try:
        return purposes()[code]
    except KeyError:
        raise LookupError(f"unknown notification purpose {code!r}") from None


def by_template(template_id: str) -> Purpose | None:
    return next((p for p in purposes().values() if p.template_id == template_id), None)
