"""WeChat's group-send quotas, checked when a push is planned (Asia/Shanghai calendar):
a subscription account may group-send once a calendar day, a service account four times a
calendar month. Each planned group send holds a slot (account, period, number) that a unique
constraint makes exclusive, so two plans made at the same moment cannot share the last one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from gateway.clock import SHANGHAI
from push.models import MassSlot

LIMITS = {"subscription": 1, "service": 4}
PERIOD_LABELS = {"subscription": "当天", "service": "当月"}
# How far ahead to look for the first date that would fit.
SEARCH_DAYS = 400


@dataclass(frozen=True)
class QuotaRefusal:
    period_label: str
    limit: int
    first_fit: date

    def message(self, label: str, kind_label: str) -> str:
        per = "每天 1 次" if self.limit == 1 else f"每月 {self.limit} 次"
        return (
            f"{label}是{kind_label}，群发{per}，{self.period_label}已排满；"
            f"最早可排 {self.first_fit.isoformat()}"
        )


def period_of(kind: str, at: datetime) -> str:
    day = at.astimezone(SHANGHAI).date()
    return day.isoformat() if kind == "subscription" else day.strftime("%Y-%m")


def _next_period_start(kind: str, day: date) -> date:
    if kind == "subscription":
        return day + timedelta(days=1)
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


async def used(account_code: str, periods: list[str]) -> dict[str, set[int]]:
    """Slot numbers already held per period."""
    rows = await MassSlot.filter(account_code=account_code, period__in=periods).values_list(
        "period", "slot"
    )
    out: dict[str, set[int]] = {p: set() for p in periods}
    for period, slot in rows:
        out.setdefault(str(period), set()).add(int(slot))
    return out


async def free_slot(kind: str, account_code: str, at: datetime) -> int | None:
    """The lowest free slot number for a group send at `at`, or None when the period is full."""
    period = period_of(kind, at)
    taken = (await used(account_code, [period]))[period]
    for number in range(1, LIMITS[kind] + 1):
        if number not in taken:
            return number
    return None


async def check(kind: str, account_code: str, at: datetime) -> QuotaRefusal | None:
    """None if a group send at `at` fits now; otherwise the refusal with the first date that
    fits. Advice only: the slot a plan takes comes from free_slot, and the unique constraint
    decides between plans racing for it."""
    if await free_slot(kind, account_code, at) is not None:
        return None
    day = at.astimezone(SHANGHAI).date()
    candidate = _next_period_start(kind, day)
    horizon = day + timedelta(days=SEARCH_DAYS)
    while candidate <= horizon:
        probe = datetime.combine(candidate, at.astimezone(SHANGHAI).timetz())
        if await free_slot(kind, account_code, probe) is not None:
            break
        candidate = _next_period_start(kind, candidate)
    return QuotaRefusal(PERIOD_LABELS[kind], LIMITS[kind], candidate)


async def take(kind: str, account_code: str, at: datetime, delivery_id: int, slot: int) -> None:
    """Hold the slot (IntegrityError when another plan took it first)."""
    await MassSlot.create(
        account_code=account_code, period=period_of(kind, at), slot=slot, delivery_id=delivery_id
    )


async def release(delivery_id: int) -> None:
    await MassSlot.filter(delivery_id=delivery_id).delete()


async def usage(account_code: str, kind: str, at: datetime) -> tuple[int, int]:
    """(slots held, limit) in the period of `at`."""
    period = period_of(kind, at)
    return len((await used(account_code, [period]))[period]), LIMITS[kind]
