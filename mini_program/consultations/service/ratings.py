"""Satisfaction per department: residents' ratings, answers on time, overdue questions."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count

from gateway.clock import SHANGHAI
from mini_program.consultations.models import OPEN_STATUSES, Consultation, Rating, Status
from mini_program.consultations.service.common import Actor, names, today


def _period(date_from: date | None, date_to: date | None) -> Q:
    q = Q()
    if date_from:
        q &= Q(received_at__gte=datetime.combine(date_from, time.min, SHANGHAI))
    if date_to:
        q &= Q(received_at__lt=datetime.combine(date_to + timedelta(days=1), time.min, SHANGHAI))
    return q


def _rank(row: dict[str, Any]) -> tuple[float, int, str]:
    return (-(row["satisfaction_rate"] or 0.0), -int(row["rated"]), str(row["department"]["code"]))


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def satisfaction(
    *, actor: Actor, date_from: date | None = None, date_to: date | None = None
) -> list[dict[str, Any]]:
    """Per department: answered, rated, each rating, satisfaction and on-time rates, overdue."""
    scope = Q() if actor.department_scope is None else Q(department_code=actor.department_scope)
    base = Consultation.filter(scope & _period(date_from, date_to), department_code__isnull=False)
    rows: dict[str, dict[str, int]] = {}

    def bucket(code: str) -> dict[str, int]:
        return rows.setdefault(
            code,
            {
                "answered": 0,
                "on_time": 0,
                "rated": 0,
                **{r.value: 0 for r in Rating},
                "overdue_open": 0,
            },
        )

    answered = (
        await base.filter(status=Status.ANSWERED)
        .annotate(n=Count("id"))
        .group_by("department_code", "on_time")
        .values_list("department_code", "on_time", "n")
    )
    for code, on_time, n in answered:
        bucket(code)["answered"] += int(n)
        if on_time:
            bucket(code)["on_time"] += int(n)
    rated = (
        await base.filter(rating__isnull=False)
        .annotate(n=Count("id"))
        .group_by("department_code", "rating")
        .values_list("department_code", "rating", "n")
    )
    for code, rating, n in rated:
        bucket(code)[str(rating)] += int(n)
        bucket(code)["rated"] += int(n)
    late = (
        await base.filter(status__in=list(OPEN_STATUSES), due_date__lt=today())
        .annotate(n=Count("id"))
        .group_by("department_code")
        .values_list("department_code", "n")
    )
    for code, n in late:
        bucket(code)["overdue_open"] += int(n)
    n_ = await names()
    out = []
    for code, r in rows.items():
        good = r[Rating.SATISFIED.value] + r[Rating.BASICALLY.value]
        out.append(
            {
                "department": n_.department(code),
                "answered": r["answered"],
                "rated": r["rated"],
                "satisfied": r[Rating.SATISFIED.value],
                "basically_satisfied": r[Rating.BASICALLY.value],
                "dissatisfied": r[Rating.DISSATISFIED.value],
                "satisfaction_rate": _rate(good, r["rated"]),
                "on_time_rate": _rate(r["on_time"], r["answered"]),
                "overdue_open": r["overdue_open"],
            }
        )
    out.sort(key=_rank)
    return out
