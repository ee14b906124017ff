"""Fitting values into WeChat's subscribe-message fields: lengths, formats, allowed characters.

WeChat refuses the whole message (47003) when one value breaks its keyword's rule, so values
are fitted before sending: `thing` is cut to 20 characters (the last one an ellipsis), `time`
and `date` are formatted in Shanghai time, and so on. A value that cannot be fitted at all (a
number field given words) is the calling domain's mistake: ValueError at notify().
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.clock import SHANGHAI
from mini_program.notify.purposes import Purpose

ELLIPSIS = "…"
# Keyword kind → the most characters WeChat accepts.
LIMITS = {
    "thing": 20,
    "short_thing": 5,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "character_string": 32,
    "phone_number": 17,
    "car_number": 8,
    "phrase": 5,
}
_SPACE = re.compile(r"\s+")


def render(purpose: Purpose, data: Mapping[str, Any]) -> dict[str, str]:
    """The message's `data` for WeChat: each named value fitted into its keyword."""
    unknown = sorted(set(data) - set(purpose.fields))
    if unknown:
        raise ValueError(
            f"notification purpose {purpose.code!r} has no field(s) {unknown}; "
            f"it has {sorted(purpose.fields)}"
        )
    out = {
        purpose.fields[name]: fit(purpose.keyword_kind(name), value)
        for name, value in data.items()
        if value is not None
    }
    if not out:
        raise ValueError(f"notification {purpose.code!r} needs at least one field")
    return out


def fit(kind: str, value: Any) -> str:
    """One value in the form its keyword kind requires."""
    if kind == "time":
        return _time(value)
    if kind == "date":
        return _date(value)
    if kind == "amount":
        return _amount(value)
    text = _SPACE.sub(" ", str(value)).strip()
    if kind == "phrase":
        # Up to five Chinese characters and nothing else (e.g. 报名成功, 候补转正).
        text = "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")[:5]
        if not text:
            raise ValueError(f"a phrase field needs Chinese characters: {value!r}")
        return text
    if kind == "number":
        if not re.fullmatch(r"[0-9.]{1,32}", text):
            raise ValueError(f"a number field takes digits only: {value!r}")
        return text
    if kind == "letter":
        text = "".join(ch for ch in text if ch.isascii() and ch.isalpha())[:32]
        if not text:
            raise ValueError(f"a letter field takes letters only: {value!r}")
        return text
    if kind == "character_string":
        text = re.sub(r"[^0-9A-Za-z_\-]", "", text)[:32]
        if not text:
            raise ValueError(f"a character_string field takes letters, digits, _ and -: {value!r}")
        return text
    if kind == "phone_number":
        text = re.sub(r"[^0-9+\-]", "", text)[:17]
        if not text:
            raise ValueError(f"a phone_number field takes digits: {value!r}")
        return text
    if kind == "name":
        limit = 20 if text.isascii() else 10
        return _cut(text or "—", limit)
    return _cut(text or "无", LIMITS.get(kind, 20))


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1] + ELLIPSIS


def _time(value: Any) -> str:
    moment = _parse(value)
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError(f"time fields take aware datetimes: {value!r}")
        return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return moment.strftime("%Y-%m-%d")


def _date(value: Any) -> str:
    moment = _parse(value)
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError(f"date fields take aware datetimes or dates: {value!r}")
        moment = moment.astimezone(SHANGHAI).date()
    return moment.strftime("%Y-%m-%d")


def _parse(value: Any) -> datetime | date:
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, str):
        try:
            return (
                datetime.fromisoformat(value)
                if "T" in value or ":" in value
                else (date.fromisoformat(value))
            )
        except ValueError:
            pass
    raise ValueError(f"time/date fields take a datetime, a date or an ISO string: {value!r}")


def _amount(value: Any) -> str:
    try:
        number = Decimal(str(value).strip().lstrip("¥￥").removesuffix("元"))
    except InvalidOperation as exc:
        raise ValueError(f"an amount field takes a number: {value!r}") from exc
    return f"{number.quantize(Decimal('0.01'))}元"
