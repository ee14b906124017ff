"""What people ask about: hot words, rising topics, topics and departments, reply times, length.

Dapeng district's message analysis, over the one queue (every channel's questions). Questions
were segmented when they came in (`Consultation.tokens`, with the county dictionary), so an
analysis reads one row per question and counts: 100,000 questions take a few seconds. Stop
words are dropped while counting, so editing them needs no re-segmentation.

Rising topics compare the period with the one just before it, as long: each word's share of
all words in each period, weighted by TF-IDF's inverse document frequency over the questions
of both periods (so words every question uses do not rise), ranked by how much its weighted
share grew.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time as clock
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from tortoise import connections

from gateway.clock import SHANGHAI
from gateway.db import current_dialect
from mini_program.consultations import words
from mini_program.consultations.models import (
    CHANNEL_LABELS,
    KIND_LABELS,
    Channel,
    Kind,
    Status,
)
from mini_program.consultations.service.common import names

TOP_WORDS = 30
TOP_RISING = 15
MIN_RISING_COUNT = 3
# (low, high, label), both ends included: working days to answer, characters per question.
REPLY_BUCKETS = (
    (0, 0, "当天"), (1, 1, "1 天"), (2, 2, "2 天"), (3, 3, "3 天"), (4, 5, "4–5 天"),
    (6, 10, "6–10 天"), (11, 10**6, "10 天以上"),
)  # fmt: skip
LENGTH_BUCKETS = (
    (0, 20, "20 字以内"), (21, 50, "21–50 字"), (51, 100, "51–100 字"),
    (101, 200, "101–200 字"), (201, 500, "201–500 字"), (501, 10**6, "500 字以上"),
)  # fmt: skip

_COLUMNS = (
    "channel, kind, domain_id, department_code, tokens, text_length, status, "
    "answer_workdays, on_time, {day}"
)
# The county date of receipt, computed by the database: no datetime per row in Python.
# (Asia/Shanghai has been UTC+8 all year round since 1991.)
_DAY = {
    "sqlite": "date(received_at, '+8 hours')",
    "postgres": "(received_at AT TIME ZONE 'Asia/Shanghai')::date",
}


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def bounds(self) -> tuple[datetime, datetime]:
        return (
            datetime.combine(self.start, time.min, SHANGHAI),
            datetime.combine(self.end + timedelta(days=1), time.min, SHANGHAI),
        )


@dataclass
class Tally:
    """Counts of one period; filled from rows in a worker thread."""

    total: int = 0
    words: Counter[str] = field(default_factory=Counter)
    documents: Counter[str] = field(default_factory=Counter)
    token_total: int = 0
    channels: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    domains: Counter[int] = field(default_factory=Counter)
    departments: Counter[str] = field(default_factory=Counter)
    days: Counter[date] = field(default_factory=Counter)
    reply_days: list[int] = field(default_factory=list)
    on_time: int = 0
    open_count: int = 0
    lengths: list[int] = field(default_factory=list)


async def _rows(
    period: Period, channels: Sequence[str], department: str | None, columns: str
) -> list[Any]:
    postgres = current_dialect() == "postgres"
    params: list[Any] = list(period.bounds())

    def ph() -> str:
        return f"${len(params)}" if postgres else "?"

    first, second = ("$1", "$2") if postgres else ("?", "?")
    sql = f"SELECT {columns} FROM consultation "
    sql += f"WHERE received_at >= {first} AND received_at < {second}"
    if channels:
        marks = []
        for channel in channels:
            params.append(channel)
            marks.append(ph())
        sql += f" AND channel IN ({', '.join(marks)})"
    if department:
        params.append(department)
        sql += f" AND department_code = {ph()}"
    _, rows = await connections.get("default").execute_query(
        sql.format(day=_DAY["postgres" if postgres else "sqlite"]), params
    )
    return list(rows)


ANSWERED = Status.ANSWERED.value


def _tally(rows: list[Any], stop: frozenset[str], full: bool) -> Tally:
    """Count a period's rows column by column (C loops, not Python per-row work)."""
    t = Tally(total=len(rows))
    if not rows:
        return t
    columns = list(zip(*rows, strict=True))
    tokens = [value or "" for value in columns[4]]
    # Every word, then the stop words taken out of the counts (not out of every row).
    t.words = Counter(" ".join(tokens).split())
    documents: list[str] = []
    for value in tokens:
        documents.extend(set(value.split()))
    t.documents = Counter(documents)
    for word in stop & t.words.keys():
        del t.words[word]
        t.documents.pop(word, None)
    t.token_total = t.words.total()
    if not full:
        return t
    t.channels = Counter(columns[0])
    t.kinds = Counter(columns[1])
    t.domains = Counter(value or 0 for value in columns[2])
    t.departments = Counter(value or "" for value in columns[3])
    # The day is the county date, computed by the database (a text on SQLite, a date on
    # PostgreSQL).
    t.days = Counter()
    for day, n in Counter(columns[9]).items():
        t.days[day if isinstance(day, date) else date.fromisoformat(str(day))] += n
    t.lengths = [int(value or 0) for value in columns[5]]
    for status, workdays, on_time in zip(columns[6], columns[7], columns[8], strict=True):
        if status != ANSWERED:
            t.open_count += 1
        elif workdays is not None:
            t.reply_days.append(int(workdays))
            if on_time:
                t.on_time += 1
    return t


def _by_score(row: dict[str, Any]) -> tuple[float, str]:
    return (-float(row["score"]), str(row["word"]))


def _rising(current: Tally, previous: Tally) -> list[dict[str, Any]]:
    documents = current.total + previous.total
    out = []
    for word, count in current.words.items():
        if count < MIN_RISING_COUNT:
            continue
        df = current.documents[word] + previous.documents[word]
        idf = math.log((documents + 1) / (df + 1)) + 1
        share_now = count / max(1, current.token_total)
        before = previous.words.get(word, 0)
        share_before = before / max(1, previous.token_total)
        score = (share_now - share_before) * idf
        if score <= 0:
            continue
        out.append(
            {
                "word": word,
                "count": count,
                "previous": before,
                "score": round(score * 1000, 3),
                "change": "新出现" if before == 0 else f"{share_now / share_before:.1f} 倍",
            }
        )
    out.sort(key=_by_score)
    return out[:TOP_RISING]


def _percentile(values: list[int], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    # Nearest rank: the smallest value at or above pct of the answers.
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return float(ordered[rank - 1])


def _buckets(values: list[int], spec: Sequence[tuple[int, int, str]]) -> list[dict[str, Any]]:
    counts: Counter[str] = Counter()
    for v in values:
        for low, high, label in spec:
            if low <= v <= high:
                counts[label] += 1
                break
    return [{"label": label, "count": counts[label]} for _, _, label in spec]


def _series(days: Counter[date], period: Period) -> list[dict[str, Any]]:
    """Questions per day (per month when the period is longer than two months)."""
    if period.days <= 62:
        return [
            {
                "label": (period.start + timedelta(days=i)).isoformat(),
                "count": days[period.start + timedelta(days=i)],
            }
            for i in range(period.days)
        ]
    months: Counter[str] = Counter()
    for day, n in days.items():
        months[f"{day:%Y-%m}"] += n
    out = []
    cursor = date(period.start.year, period.start.month, 1)
    while cursor <= period.end:
        out.append({"label": f"{cursor:%Y-%m}", "count": months[f"{cursor:%Y-%m}"]})
        cursor = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    return out


async def analyse(
    *,
    date_from: date,
    date_to: date,
    channels: Sequence[str] = (),
    department: str | None = None,
) -> dict[str, Any]:
    """Everything the analysis page and its Excel export show, for a period and channels."""
    started = clock.perf_counter()
    period = Period(date_from, date_to)
    stop = await words.stop_words()
    current_rows = await _rows(period, channels, department, _COLUMNS)
    previous_rows = await _rows(period.previous(), channels, department, _COLUMNS)
    current, previous = await asyncio.gather(
        asyncio.to_thread(_tally, current_rows, stop, True),
        asyncio.to_thread(_tally, previous_rows, stop, False),
    )
    n = await names()
    answered = len(current.reply_days)
    elapsed = clock.perf_counter() - started
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "previous": {
            "from": period.previous().start.isoformat(),
            "to": period.previous().end.isoformat(),
            "total": previous.total,
        },
        "channels": list(channels),
        "total": current.total,
        "answered": answered,
        "open": current.open_count,
        "hot_words": [{"word": w, "count": c} for w, c in current.words.most_common(TOP_WORDS)],
        "rising": _rising(current, previous),
        "by_channel": [
            {"label": CHANNEL_LABELS[Channel(k)], "count": c}
            for k, c in current.channels.most_common()
        ],
        "by_kind": [
            {"label": KIND_LABELS[Kind(k)], "count": c} for k, c in current.kinds.most_common()
        ],
        "by_domain": [
            {"label": n.domain(k or None)["name"], "count": c}
            for k, c in current.domains.most_common()
        ],
        "by_department": [
            {"label": (n.department(k) or {"name": "待分派"})["name"], "count": c}
            for k, c in current.departments.most_common()
        ],
        "series": _series(current.days, period),
        "reply": {
            "answered": answered,
            "median": statistics.median(current.reply_days) if current.reply_days else None,
            "p90": _percentile(current.reply_days, 90),
            "on_time_share": round(current.on_time / answered, 4) if answered else None,
            "buckets": _buckets(current.reply_days, REPLY_BUCKETS),
        },
        "length": {
            "mean": round(statistics.fmean(current.lengths), 1) if current.lengths else None,
            "median": statistics.median(current.lengths) if current.lengths else None,
            "buckets": _buckets(current.lengths, LENGTH_BUCKETS),
        },
        "seconds": round(elapsed, 3),
        "messages_per_second": round((current.total + previous.total) / elapsed)
        if elapsed
        else None,
    }
