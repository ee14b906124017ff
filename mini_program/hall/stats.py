"""Scan figures: per spot by day or hour, the hall's heat table, CSV and Excel exports.

Bots are counted apart and left out of `scans` and `visitors`. Visitors are distinct per day
only: the salt changes daily, so a range's visitors are the sum of its days' visitors.
"""

from __future__ import annotations

import csv
import io
import logging
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from redis.exceptions import RedisError
from tortoise.exceptions import OperationalError
from tortoise.functions import Count

from gateway.clock import SHANGHAI
from mini_program.hall import recorder
from mini_program.hall.models import QrScan, QrSpot

HOURS = list(range(24))
log = logging.getLogger("govmatrix.hall")


async def fresh() -> None:
    """Store the scans still waiting in Redis first, so figures are up to the second."""
    try:
        await recorder.persist_pending()
    except (RedisError, OperationalError, OSError) as exc:
        # Figures from what the database has; the job stores the rest later.
        log.warning("hall: scans waiting in Redis not stored before reading figures: %r", exc)


async def _grouped(
    spot_ids: list[int] | None, start: date, end: date, keys: tuple[str, ...]
) -> list[dict[str, Any]]:
    query = QrScan.filter(day__gte=start, day__lte=end)
    if spot_ids is not None:
        query = query.filter(spot_id__in=spot_ids)
    rows = await query.group_by(*keys).annotate(n=Count("id")).values(*keys, "n")
    return list(rows)


async def _counts(
    spot_ids: list[int] | None, start: date, end: date, keys: tuple[str, ...]
) -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    """(scans by people, distinct visitors, bot scans) per key tuple."""
    people: Counter[tuple[Any, ...]] = Counter()
    bots: Counter[tuple[Any, ...]] = Counter()
    for row in await _grouped(spot_ids, start, end, (*keys, "is_bot")):
        key = tuple(row[k] for k in keys)
        (bots if row["is_bot"] else people)[key] += row["n"]
    visitors: Counter[tuple[Any, ...]] = Counter()
    # Distinct visitors are counted per day (and hour) in Python: both databases agree, and a
    # day's rows for one spot are few enough.
    query = QrScan.filter(day__gte=start, day__lte=end, is_bot=False).exclude(visitor="")
    if spot_ids is not None:
        query = query.filter(spot_id__in=spot_ids)
    day_keys = tuple(dict.fromkeys(("day", *keys)))
    rows = await query.group_by(*day_keys, "visitor").values(*day_keys, "visitor")
    for row in rows:
        visitors[tuple(row[k] for k in keys)] += 1
    return people, visitors, bots


async def series(*, spot: QrSpot, start: date, end: date, by: str) -> dict[str, Any]:
    """Scans, visitors and bots of one spot per day or per hour, with totals and channels."""
    await fresh()
    keys: tuple[str, ...] = ("day",) if by == "day" else ("day", "hour")
    people, visitors, bots = await _counts([spot.id], start, end, keys)
    points = []
    day = start
    while day <= end:
        if by == "day":
            key: tuple[Any, ...] = (day,)
            points.append(_point(day.isoformat(), key, people, visitors, bots))
        else:
            for hour in HOURS:
                at = datetime.combine(day, time(hour), SHANGHAI).isoformat()
                points.append(_point(at, (day, hour), people, visitors, bots))
        day += timedelta(days=1)
    channel_rows = await _grouped([spot.id], start, end, ("channel", "is_bot"))
    channels: Counter[str] = Counter()
    for row in channel_rows:
        if not row["is_bot"]:
            channels[str(getattr(row["channel"], "value", row["channel"]))] += row["n"]
    day_visitors = visitors if by == "day" else (await _counts([spot.id], start, end, ("day",)))[1]
    return {
        "by": by,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "total": sum(people.values()),
        "visitors": sum(day_visitors.values()),
        "bots": sum(bots.values()),
        "channels": dict(channels),
        "points": points,
    }


def _point(
    at: str,
    key: tuple[Any, ...],
    people: Counter[tuple[Any, ...]],
    visitors: Counter[tuple[Any, ...]],
    bots: Counter[tuple[Any, ...]],
) -> dict[str, Any]:
    return {"at": at, "scans": people[key], "visitors": visitors[key], "bots": bots[key]}


async def heat_table(*, start: date, end: date) -> list[dict[str, Any]]:
    """Every spot's scans by people per hour of the day over a range: the hall's heat table."""
    await fresh()
    spots = await QrSpot.all().order_by("id")
    rows = await (
        QrScan.filter(day__gte=start, day__lte=end, is_bot=False)
        .group_by("spot_id", "hour")
        .annotate(n=Count("id"))
        .values("spot_id", "hour", "n")
    )
    cells: dict[int, Counter[int]] = defaultdict(Counter)
    for row in rows:
        cells[row["spot_id"]][row["hour"]] += row["n"]
    return [
        {
            "code": s.code,
            "name": s.name,
            "place": s.place,
            "hours": [cells[s.id][h] for h in HOURS],
            "total": sum(cells[s.id].values()),
        }
        for s in spots
    ]


async def daily_rows(*, start: date, end: date) -> list[dict[str, Any]]:
    """One row per spot and day with scans, visitors and bots (what the exports hold)."""
    await fresh()
    spots = {s.id: s for s in await QrSpot.all()}
    people, visitors, bots = await _counts(None, start, end, ("spot_id", "day"))
    keys = sorted(set(people) | set(bots), key=lambda k: (k[1], k[0]))
    out = []
    for spot_id, day in keys:
        spot = spots.get(spot_id)
        if spot is None:
            continue
        out.append(
            {
                "day": day.isoformat(),
                "code": spot.code,
                "name": spot.name,
                "place": spot.place,
                "scans": people[(spot_id, day)],
                "visitors": visitors[(spot_id, day)],
                "bots": bots[(spot_id, day)],
            }
        )
    return out


EXPORT_COLUMNS = [
    ("day", "日期"),
    ("code", "编号"),
    ("name", "名称"),
    ("place", "位置"),
    ("scans", "扫码次数"),
    ("visitors", "独立访客"),
    ("bots", "机器访问"),
]


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """UTF-8 with a BOM, so Excel on a county office PC opens the Chinese headers correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label for _, label in EXPORT_COLUMNS])
    for row in rows:
        writer.writerow([_cell(row[key]) for key, _ in EXPORT_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: Any) -> Any:
    # A cell starting with = + - @ would run as a formula in Excel: keep it text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def to_xlsx(rows: list[dict[str, Any]], *, title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "扫码统计"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([label for _, label in EXPORT_COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(row[key]) for key, _ in EXPORT_COLUMNS])
    for letter, width in zip("ABCDEFG", (12, 10, 24, 30, 10, 10, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def hour_profile(*, spot: QrSpot, start: date, end: date) -> list[int]:
    """A spot's scans by people per hour of the day, summed over a range."""
    rows = await (
        QrScan.filter(spot_id=spot.id, day__gte=start, day__lte=end, is_bot=False)
        .group_by("hour")
        .annotate(n=Count("id"))
        .values("hour", "n")
    )
    counts = dict.fromkeys(HOURS, 0)
    for row in rows:
        counts[row["hour"]] = row["n"]
    return [counts[h] for h in HOURS]
