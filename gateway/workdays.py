"""The working-day calendar: weekends, public holidays and make-up working weekends (调休).

China moves working days around each year, so a weekday test is not enough: the State Council
publishes holidays *and* weekend days that become working days. Both live as data, one JSON file
per year (`gateway/data/holidays/2026.json`). An administrator adds next year's file with
`govmatrix calendar load FILE`, which validates it and copies it to the local calendar directory
(`var/holidays/`, or `APP_HOLIDAYS_DIR`); files there override the packaged ones.

Counting follows the disclosure regulation (政府信息公开条例): the day of receipt is day 0, and a
deadline that would fall on a rest day moves to the next working day. A year without a file falls
back to plain Monday–Friday, and `has_calendar(year)` tells callers so.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from gateway.clock import SHANGHAI

log = logging.getLogger("govmatrix.workdays")

PACKAGED_DIR = Path(__file__).resolve().parent / "data" / "holidays"


def local_dir() -> Path:
    """Where administrators' calendar files go (overrides the packaged files)."""
    return Path(os.environ.get("APP_HOLIDAYS_DIR", "var/holidays"))


class CalendarError(ValueError):
    """A calendar file that cannot be used; the message says what is wrong, in Chinese."""


@dataclass
class YearCalendar:
    year: int
    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)
    source: str = ""


def parse_calendar(data: Any) -> YearCalendar:
    """Validate one year's calendar document and return it; raise CalendarError otherwise."""
    if not isinstance(data, dict):
        raise CalendarError("日历文件应为 JSON 对象")
    year = data.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise CalendarError("year 应为 2000–2100 之间的整数")
    cal = YearCalendar(year=year, source=str(data.get("source", "")))
    for key, target, must_be_weekend in (
        ("holidays", cal.holidays, False),
        ("workdays", cal.workdays, True),
    ):
        groups = data.get(key, {})
        if not isinstance(groups, dict):
            raise CalendarError(f"{key} 应为“名称 → 日期列表”的对象")
        for name, days in groups.items():
            if not isinstance(days, list):
                raise CalendarError(f"{key}.{name} 应为日期列表")
            for raw in days:
                try:
                    day = date.fromisoformat(str(raw))
                except ValueError as exc:
                    raise CalendarError(f"{key}.{name}: {raw!r} 不是 YYYY-MM-DD 日期") from exc
                if day.year != year:
                    raise CalendarError(f"{key}.{name}: {raw} 不在 {year} 年")
                if must_be_weekend and day.weekday() < 5:
                    raise CalendarError(f"调休上班日 {raw} 不是周末")
                target[day] = str(name)
    both = set(cal.holidays) & set(cal.workdays)
    if both:
        raise CalendarError(f"{min(both)} 同时是假日和调休上班日")
    return cal


class Calendar:
    """All known years; loaded lazily from the packaged and local directories."""

    def __init__(self, dirs: list[Path] | None = None) -> None:
        self._dirs = dirs
        self._years: dict[int, YearCalendar] | None = None
        self._lock = threading.Lock()
        self._warned: set[int] = set()

    def _load(self) -> dict[int, YearCalendar]:
        with self._lock:
            if self._years is None:
                years: dict[int, YearCalendar] = {}
                # Later directories win: local files override the packaged ones.
                for folder in self._dirs or [PACKAGED_DIR, local_dir()]:
                    if not folder.is_dir():
                        continue
                    for path in sorted(folder.glob("*.json")):
                        try:
                            cal = parse_calendar(json.loads(path.read_text("utf-8")))
                        except (OSError, ValueError) as exc:
                            log.error("calendar file %s ignored: %s", path, exc)
                            continue
                        years[cal.year] = cal
                self._years = years
            return self._years

    def reload(self) -> None:
        with self._lock:
            self._years = None

    def years(self) -> list[int]:
        return sorted(self._load())

    def has_year(self, year: int) -> bool:
        return year in self._load()

    def is_workday(self, day: date) -> bool:
        cal = self._load().get(day.year)
        if cal is None:
            if day.year not in self._warned:
                self._warned.add(day.year)
                log.warning("no holiday calendar for %s: counting Monday–Friday only", day.year)
            return day.weekday() < 5
        if day in cal.workdays:
            return True
        if day in cal.holidays:
            return False
        return day.weekday() < 5

    def holiday_name(self, day: date) -> str | None:
        cal = self._load().get(day.year)
        return cal.holidays.get(day) if cal else None


_default = Calendar()


def default_calendar() -> Calendar:
    return _default


def _as_date(value: date | datetime) -> date:
    # An aware datetime counts in the county's time zone: 23:30 UTC is already tomorrow there.
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(SHANGHAI)
        return value.date()
    return value


def is_workday(day: date | datetime) -> bool:
    """True on a working day (weekday that is no holiday, or a make-up working weekend)."""
    return _default.is_workday(_as_date(day))


def has_calendar(year: int) -> bool:
    """Whether holidays for `year` are known (otherwise only weekends are rest days)."""
    return _default.has_year(year)


def next_workday(day: date | datetime) -> date:
    """The day itself if it is a working day, otherwise the next working day."""
    d = _as_date(day)
    while not _default.is_workday(d):
        d += timedelta(days=1)
    return d


def add_workdays(start: date | datetime, n: int) -> date:
    """The date `n` working days after `start` (the day of receipt is day 0).

    `n == 0` gives the start day, or the next working day when the start is a rest day.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    d = _as_date(start)
    if n == 0:
        return next_workday(d)
    counted = 0
    while counted < n:
        d += timedelta(days=1)
        if _default.is_workday(d):
            counted += 1
    return d


def workdays_between(a: date | datetime, b: date | datetime) -> int:
    """Working days after `a` up to and including `b` (negative when b is before a).

    The inverse of add_workdays: add_workdays(a, n) == b gives workdays_between(a, b) == n.
    A reply on the day of receipt took 0 working days.
    """
    da, db = _as_date(a), _as_date(b)
    if db < da:
        return -workdays_between(db, da)
    count = 0
    d = da
    while d < db:
        d += timedelta(days=1)
        if _default.is_workday(d):
            count += 1
    return count


def is_overdue(received: date | datetime, limit: int, today: date | datetime) -> bool:
    """True when more than `limit` working days have passed since receipt."""
    return _as_date(today) > add_workdays(received, limit)


def load_file(path: Path) -> YearCalendar:
    """Validate a calendar file and install it in the local calendar directory."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise CalendarError(f"无法读取文件：{exc}") from exc
    except ValueError as exc:
        raise CalendarError(f"不是有效的 JSON：{exc}") from exc
    cal = parse_calendar(data)
    target = local_dir()
    target.mkdir(parents=True, exist_ok=True)
    (target / f"{cal.year}.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8"
    )
    _default.reload()
    return cal
