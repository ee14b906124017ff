"""The working-day calendar: weekends, public holidays and make-up working weekends (调休).

China moves working days around each year, so a weekday test is not enough: the State Council
publishes holidays *and* weekend days that become working days. Both live as data, one JSON file
per year (`gateway/data/holidays/2026.json`). An administrator adds next year's file with
`govmatrix calendar load FILE`, which validates it and copies it to the local calendar directory
(`var/holidays/`, or `APP_HOLIDAYS_DIR`); files there override the packaged ones.

Counting follows the disclosure regulation (政府信息公开条例): the day of receipt is day 0, and a
deadline that would fall on a rest day moves to the next working day. A year without a file falls
back to plain Monday–Friday, and `has_calendar(year)` tells callers so.

Legal deadlines must never guess: `calendar_view()` gives an immutable snapshot of the loaded
years whose lookups raise `CalendarMissing` for a year without a file, and say of each day why
it is or is not a working day (weekend, which holiday, which make-up working day). Running
processes notice a new or changed file within a few seconds (no restart needed); the snapshot's
`fingerprint` changes with the files, so stored deadlines can be recomputed when it does.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from gateway.clock import SHANGHAI

log = logging.getLogger("govmatrix.workdays")

PACKAGED_DIR = Path(__file__).resolve().parent / "data" / "holidays"


def local_dir() -> Path:
    """Where administrators' calendar files go (overrides the packaged files)."""
    return Path(os.environ.get("APP_HOLIDAYS_DIR", "var/holidays"))


# How often a process looks at the calendar directories for new or changed files.
RECHECK_SECONDS = 5.0


class CalendarError(ValueError):
    """A calendar file that cannot be used; the message says what is wrong, in Chinese."""


class CalendarMissing(CalendarError):
    """A day in a year whose holidays are not loaded: counting over it would be a guess."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"尚未载入 {year} 年的节假日和调休安排，无法按工作日计算期限；"
            f"请管理员用 govmatrix calendar load 载入 {year} 年的日历文件"
        )


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


DayKind = Literal["workday", "weekend", "holiday", "makeup"]


@dataclass(frozen=True)
class Day:
    """One day and why it is or is not a working day (`name`: the holiday's, for both kinds)."""

    day: date
    kind: DayKind
    name: str = ""

    @property
    def working(self) -> bool:
        return self.kind in ("workday", "makeup")


class CalendarView:
    """An immutable snapshot of the loaded years that never guesses.

    Every lookup of a day in a year without a file raises CalendarMissing. Days are resolved
    once per year into a table, so counting thousands of deadlines costs dictionary lookups.
    """

    def __init__(self, years: Mapping[int, YearCalendar]) -> None:
        self._years = dict(years)
        self._days: dict[date, Day] = {}
        self._resolved: set[int] = set()
        # Ordinals of every working day of the loaded years, ascending (built on first use):
        # counting n working days becomes one bisection instead of a walk through the days.
        self._working: list[int] | None = None
        digest = hashlib.sha256()
        for year in sorted(self._years):
            cal = self._years[year]
            digest.update(f"{year}|".encode())
            for key, table in (("h", cal.holidays), ("w", cal.workdays)):
                for day in sorted(table):
                    digest.update(f"{key}{day.isoformat()}{table[day]}|".encode())
        # Changes whenever a year is added or a file's dates change: the stamp stored with
        # every computed deadline, so a calendar change can find what to recompute.
        self.fingerprint = digest.hexdigest()[:16]

    def years(self) -> list[int]:
        return sorted(self._years)

    def has_year(self, year: int) -> bool:
        return year in self._years

    def year(self, year: int) -> YearCalendar:
        found = self._years.get(year)
        if found is None:
            raise CalendarMissing(year)
        return found

    def _resolve(self, year: int) -> None:
        cal = self.year(year)
        day = date(year, 1, 1)
        one = timedelta(days=1)
        while day.year == year:
            if day in cal.workdays:
                self._days[day] = Day(day, "makeup", cal.workdays[day])
            elif day in cal.holidays:
                self._days[day] = Day(day, "holiday", cal.holidays[day])
            elif day.weekday() >= 5:
                self._days[day] = Day(day, "weekend")
            else:
                self._days[day] = Day(day, "workday")
            day += one
        self._resolved.add(year)

    def day(self, day: date) -> Day:
        """The day with its kind; raises CalendarMissing for a year without a file."""
        found = self._days.get(day)
        if found is None:
            self._resolve(day.year)
            found = self._days[day]
        return found

    def is_workday(self, day: date) -> bool:
        return self.day(day).working

    def _index(self) -> list[int]:
        if self._working is None:
            working: list[int] = []
            for year in sorted(self._years):
                day = date(year, 1, 1)
                while day.year == year:
                    if self.is_workday(day):
                        working.append(day.toordinal())
                    day += timedelta(days=1)
            self._working = working
        return self._working

    def _require(self, first: date, last: date) -> None:
        """Raise CalendarMissing unless every year from `first` to `last` is loaded."""
        for year in range(first.year, last.year + 1):
            if year not in self._years:
                raise CalendarMissing(year)

    def next_workday(self, day: date) -> date:
        """The day itself if it is a working day, otherwise the next working day."""
        return self.nth_workday_after(day - timedelta(days=1), 1)

    def nth_workday_after(
        self, after: date, n: int, skip: Sequence[tuple[date, date]] = ()
    ) -> date:
        """The `n`th working day after `after`, not counting the working days inside the
        `(start, end]` spans of `skip` (pauses). Strict: raises CalendarMissing for any year
        the count passes through that is not loaded."""
        if n < 1:
            raise ValueError("n must be at least 1")
        self._require(after, after)
        working = self._index()
        origin = after.toordinal()
        first = bisect_right(working, origin)
        spans = sorted((s.toordinal(), e.toordinal()) for s, e in skip if e > s)
        needed = n
        while True:
            last = first + needed - 1
            if last >= len(working):
                raise CalendarMissing(max(self._years) + 1)
            result = working[last]
            paused, covered = 0, origin
            for start, end in spans:
                lo, hi = max(start, covered), min(end, result)
                if hi > lo:
                    paused += bisect_right(working, hi) - bisect_right(working, lo)
                    covered = hi
            if needed == n + paused:
                break
            needed = n + paused
        found = date.fromordinal(result)
        self._require(after, found)
        return found

    def add_workdays(self, start: date, n: int) -> date:
        """The date `n` working days after `start` (day 0); strict like every lookup here."""
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return self.next_workday(start)
        return self.nth_workday_after(start, n)

    def workdays_between(self, a: date, b: date) -> int:
        """Working days after `a` up to and including `b` (negative when b is before a)."""
        if b < a:
            return -self.workdays_between(b, a)
        self._require(a, b)
        working = self._index()
        return bisect_right(working, b.toordinal()) - bisect_right(working, a.toordinal())


def _signature(folders: list[Path]) -> tuple[tuple[str, int, int], ...]:
    found: list[tuple[str, int, int]] = []
    for folder in folders:
        try:
            paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
            for path in paths:
                stat = path.stat()
                found.append((str(path), stat.st_mtime_ns, stat.st_size))
        except OSError:
            continue
    return tuple(found)


class Calendar:
    """All known years; loaded lazily from the packaged and local directories.

    A process looks at the directories again at most every RECHECK_SECONDS and reloads when a
    file was added, changed or removed, so `calendar load` reaches running servers and workers.
    """

    def __init__(self, dirs: list[Path] | None = None) -> None:
        self._dirs = dirs
        self._years: dict[int, YearCalendar] | None = None
        self._view: CalendarView | None = None
        self._signature: tuple[tuple[str, int, int], ...] = ()
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self._warned: set[int] = set()

    def _folders(self) -> list[Path]:
        # Later directories win: local files override the packaged ones.
        return self._dirs or [PACKAGED_DIR, local_dir()]

    def _load(self) -> dict[int, YearCalendar]:
        with self._lock:
            if self._years is not None and time.monotonic() - self._checked_at >= RECHECK_SECONDS:
                self._checked_at = time.monotonic()
                if _signature(self._folders()) != self._signature:
                    self._years = None
            if self._years is None:
                folders = self._folders()
                self._signature = _signature(folders)
                self._checked_at = time.monotonic()
                years: dict[int, YearCalendar] = {}
                for folder in folders:
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
                self._view = None
            return self._years

    def reload(self) -> None:
        with self._lock:
            self._years = None
            self._view = None

    def view(self) -> CalendarView:
        """The strict snapshot of what is loaded now (the same object until files change)."""
        years = self._load()
        with self._lock:
            if self._view is None:
                self._view = CalendarView(years)
            return self._view

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


def calendar_view() -> CalendarView:
    """The loaded years as a strict snapshot (legal deadlines: never a Monday–Friday guess)."""
    return _default.view()


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
