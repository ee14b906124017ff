"""The deadline engine: pure functions from an application's dated events and the working-day
calendar to its answer deadline and the calculation shown to staff and applicants.

The rules (政府信息公开条例 Art. 30–33, as county.md states the arithmetic):
- day 0 is the date of receipt; the answer is due on the 20th working day after it;
- a request for correction (one, within 7 working days of receipt) stops the clock; the
  corrected application's arrival is a new day 0; no correction within the period given
  closes the application (逾期不补正);
- while a third party is consulted, the working days strictly after the request was sent, up
  to and including the day its reply arrived, do not count; the third party has 15 working
  days, so the pause never runs longer (an unanswered consultation pauses until that limit);
- an extension adds 20 working days counted from the original deadline.

Nothing here reads the clock or the database: `compute(events, calendar)` is total and
deterministic. A day in a year whose calendar is not loaded is never guessed at: the result
carries the error and no deadline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from gateway.workdays import CalendarMissing, CalendarView, Day

LIMIT_WORKDAYS = 20
EXTENSION_WORKDAYS = 20
CORRECTION_WINDOW_WORKDAYS = 7
THIRD_PARTY_WORKDAYS = 15
DEFAULT_CORRECTION_PERIOD = 15

WEEKDAYS = "一二三四五六日"
ONE_DAY = timedelta(days=1)


class EventKind(StrEnum):
    SUBMITTED = "submitted"
    RECEIVED = "received"
    CORRECTION_REQUESTED = "correction_requested"
    CORRECTED = "corrected"
    THIRD_PARTY = "third_party"
    THIRD_PARTY_REPLY = "third_party_reply"
    EXTENDED = "extended"
    ANSWERED = "answered"
    CLOSED = "closed"


# Same-day events are applied in the order a case moves (a reply cannot precede its request).
_RANK = {kind: rank for rank, kind in enumerate(EventKind)}


# How Art. 31 fixes the date of receipt for each channel.
RECEIPT_RULES = {
    "online": "网上提交的申请，以双方确认之日为收到申请之日",
    "kiosk": "自助终端提交的申请，以双方确认之日为收到申请之日",
    "email": "电子邮件提交的申请，以双方确认之日为收到申请之日",
    "fax": "传真提交的申请，以双方确认之日为收到申请之日",
    "in_person": "当面提交的申请，以提交之日为收到申请之日",
    "registered_post": "以邮政挂号信、快递提交的申请，以签收之日为收到申请之日",
    "letter": "以平常信函提交的申请，以双方确认之日为收到申请之日",
}


@dataclass(frozen=True)
class Event:
    kind: EventKind
    on: date
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HolidayRun:
    name: str
    start: date
    end: date
    days: int


@dataclass(frozen=True)
class Pause:
    # Working days strictly after `sent` up to and including `end` do not count.
    sent: date
    end: date
    due: date
    party: str
    replied: date | None

    @property
    def open(self) -> bool:
        return self.replied is None

    def covers(self, day: date) -> bool:
        return self.sent < day <= self.end


@dataclass
class Count:
    """One run of counting: from the day after `after` to the `n`th counted working day."""

    after: date
    end: date
    counted: int
    holidays: list[HolidayRun]
    weekends: list[date]
    makeup: list[Day]
    paused: list[date]

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": (self.after + ONE_DAY).isoformat(),
            "to": self.end.isoformat(),
            "counted": self.counted,
            "holidays": [
                {
                    "name": h.name,
                    "from": h.start.isoformat(),
                    "to": h.end.isoformat(),
                    "days": h.days,
                }
                for h in self.holidays
            ],
            "weekends": [d.isoformat() for d in self.weekends],
            "makeup_workdays": [{"date": d.day.isoformat(), "name": d.name} for d in self.makeup],
            "paused_workdays": [d.isoformat() for d in self.paused],
        }


@dataclass
class Step:
    kind: str
    text: str
    on: date | None = None
    count: Count | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "date": self.on.isoformat() if self.on else None,
            "text": self.text,
        }
        if self.count is not None:
            out.update(self.count.to_dict())
        return out


@dataclass
class Calculation:
    steps: list[Step] = field(default_factory=list)
    deadline: date | None = None
    # True while an unanswered consultation is assumed to pause until its limit.
    provisional: bool = False
    received_on: date | None = None
    day0: date | None = None
    base_deadline: date | None = None
    extended: bool = False
    awaiting_correction: bool = False
    correction_requested: bool = False
    correction_due: date | None = None
    pauses: list[Pause] = field(default_factory=list)
    finished_on: date | None = None
    finished: str | None = None  # "answered" | "closed"
    on_time: bool | None = None
    error: str = ""
    missing_year: int | None = None

    @property
    def open_pause(self) -> Pause | None:
        return next((p for p in self.pauses if p.open), None)

    def steps_as_dicts(self) -> list[dict[str, Any]]:
        return [s.to_dict() for s in self.steps]


def fmt(day: date) -> str:
    """2026-02-14（周六）: the date and its weekday, as every step spells a date."""
    return f"{day.isoformat()}（周{WEEKDAYS[day.weekday()]}）"


def ordered(events: Iterable[Event]) -> list[Event]:
    """Events by date; same-day events in the order a case moves."""
    return sorted(events, key=lambda e: (e.on, _RANK[e.kind]))


def count_workdays(cal: CalendarView, after: date, n: int, pauses: Sequence[Pause] = ()) -> Count:
    """Count `n` working days after `after`, skipping rest days and paused working days."""
    day, counted = after, 0
    holidays: list[HolidayRun] = []
    weekends: list[date] = []
    makeup: list[Day] = []
    paused: list[date] = []
    while counted < n:
        day += ONE_DAY
        info = cal.day(day)
        if not info.working:
            if info.kind == "holiday":
                last = holidays[-1] if holidays else None
                if last and last.name == info.name and last.end + ONE_DAY == day:
                    holidays[-1] = HolidayRun(last.name, last.start, day, last.days + 1)
                else:
                    holidays.append(HolidayRun(info.name, day, day, 1))
            else:
                weekends.append(day)
            continue
        if any(p.covers(day) for p in pauses):
            paused.append(day)
            continue
        counted += 1
        if info.kind == "makeup":
            makeup.append(info)
    return Count(after, day, counted, holidays, weekends, makeup, paused)


def describe_count(count: Count, *, pauses: Sequence[Pause] = ()) -> str:
    """The words under a count: skipped holidays and weekends, make-up days, pauses."""
    parts = []
    for run in count.holidays:
        span = fmt(run.start) if run.start == run.end else f"{fmt(run.start)}至{fmt(run.end)}"
        parts.append(f"跳过{run.name}假期 {span}，共 {run.days} 天")
    if count.weekends:
        parts.append(f"跳过周末 {len(count.weekends)} 天")
    if count.makeup:
        days = "、".join(
            f"{d.day.isoformat()}（周{WEEKDAYS[d.day.weekday()]}，{d.name}调休上班）"
            for d in count.makeup
        )
        parts.append(f"计入调休上班日 {days}")
    if count.paused:
        spans = [p for p in pauses if any(p.covers(d) for d in count.paused)]
        who = "、".join(dict.fromkeys(p.party for p in spans if p.party))
        parts.append(
            f"不计征求第三方{('（' + who + '）') if who else ''}意见期间的工作日 "
            f"{len(count.paused)} 天（{fmt(count.paused[0])}至{fmt(count.paused[-1])}）"
        )
    return "；".join(parts)


class _Walk:
    """Applies the events in order and writes the steps; the calendar may raise on any day."""

    def __init__(self, cal: CalendarView, words: bool) -> None:
        self.cal = cal
        self.words = words
        self.calc = Calculation()
        self.extension: Event | None = None
        self.open_sent: Event | None = None
        self.pauses: list[Pause] = []
        self.answer: Event | None = None

    def step(
        self,
        kind: str,
        text: Callable[[], str],
        on: date | None = None,
        count: Count | None = None,
    ) -> None:
        # Words are built only when someone reads them (not when thousands are recomputed).
        if self.words:
            self.calc.steps.append(Step(kind, text(), on, count))

    def apply(self, event: Event) -> None:
        handler = getattr(self, "on_" + event.kind.value)
        handler(event)

    def on_submitted(self, ev: Event) -> None:
        how = ev.detail.get("channel_label") or "网上"
        self.step("submitted", lambda: f"{fmt(ev.on)} 申请人通过{how}提交申请", ev.on)

    def on_received(self, ev: Event) -> None:
        calc = self.calc
        calc.received_on = calc.day0 = ev.on
        rest_day = not self.cal.is_workday(ev.on)  # also: is this year loaded at all?

        def text() -> str:
            rule = RECEIPT_RULES.get(str(ev.detail.get("channel", "")), "")
            words = f"{fmt(ev.on)} 收到申请，为第 0 日" + (f"（{rule}）" if rule else "")
            return words + ("；当日为休息日，自其后第一个工作日起计算" if rest_day else "")

        self.step("received", text, ev.on)

    def on_correction_requested(self, ev: Event) -> None:
        calc = self.calc
        period = int(ev.detail.get("period") or DEFAULT_CORRECTION_PERIOD)
        received = calc.received_on
        calc.correction_requested = calc.awaiting_correction = True
        calc.day0 = None
        self.pauses = []
        self.open_sent = None
        due = calc.correction_due = self.cal.add_workdays(ev.on, period)

        def text() -> str:
            since = self.cal.workdays_between(received, ev.on) if received else None
            after = f"（收到申请后第 {since} 个工作日）" if since is not None else ""
            missing = str(ev.detail.get("missing") or "").strip()
            return (
                f"{fmt(ev.on)} 一次性告知申请人补正{after}"
                + (f"：{missing}" if missing else "")
                + f"。答复期限停止计算；补正期限 {period} 个工作日，至 {fmt(due)}"
            )

        self.step("correction_requested", text, ev.on)

    def on_corrected(self, ev: Event) -> None:
        calc = self.calc
        calc.awaiting_correction = False
        calc.day0 = ev.on
        self.step(
            "corrected",
            lambda: f"{fmt(ev.on)} 收到补正后的申请，答复期限自本日重新起算，为第 0 日",
            ev.on,
        )

    def on_third_party(self, ev: Event) -> None:
        due = self.cal.add_workdays(ev.on, THIRD_PARTY_WORKDAYS)
        self.open_sent = ev
        party = str(ev.detail.get("party") or "").strip()
        self.pauses.append(Pause(ev.on, due, due, party, None))
        self.step(
            "third_party",
            lambda: (
                f"{fmt(ev.on)} 书面征求第三方{('（' + party + '）') if party else ''}意见；"
                f"第三方应在 {THIRD_PARTY_WORKDAYS} 个工作日内（至 {fmt(due)}）提出意见，"
                "自次日起至收到意见之日的工作日不计入答复期限"
            ),
            ev.on,
        )

    def on_third_party_reply(self, ev: Event) -> None:
        if not self.pauses or not self.pauses[-1].open:
            return
        last = self.pauses[-1]
        end = min(ev.on, last.due)
        self.pauses[-1] = Pause(last.sent, end, last.due, last.party, ev.on)
        self.open_sent = None

        def text() -> str:
            skipped = self.cal.workdays_between(last.sent, end)
            if ev.on > last.due:
                return (
                    f"{fmt(ev.on)} 收到第三方意见，已超过意见期限 {fmt(last.due)}；"
                    f"暂停只计至意见期限，共 {skipped} 个工作日不计入答复期限"
                )
            return f"{fmt(ev.on)} 收到第三方意见；征求意见期间 {skipped} 个工作日不计入答复期限"

        self.step("third_party_reply", text, ev.on)

    def on_extended(self, ev: Event) -> None:
        self.extension = ev
        reason = str(ev.detail.get("reason") or "").strip()
        who = str(ev.detail.get("approver") or "政府信息公开工作机构负责人")
        self.step(
            "extended",
            lambda: (
                f"{fmt(ev.on)} 经{who}同意延长答复期限并告知申请人"
                + (f"，理由：{reason}" if reason else "")
            ),
            ev.on,
        )

    def on_answered(self, ev: Event) -> None:
        self.answer = ev
        self.calc.finished_on, self.calc.finished = ev.on, "answered"

    def on_closed(self, ev: Event) -> None:
        calc = self.calc
        calc.finished_on, calc.finished = ev.on, "closed"
        calc.awaiting_correction = False
        due = f"（补正期限 {fmt(calc.correction_due)}）" if calc.correction_due else ""
        self.step(
            "closed",
            lambda: (
                f"{fmt(ev.on)} 补正期限届满{due}未收到补正，视为放弃申请，不再处理（逾期不补正）"
            ),
            ev.on,
        )

    def finish(self) -> None:
        calc = self.calc
        if calc.finished == "closed" or calc.awaiting_correction:
            if calc.awaiting_correction:
                self.step(
                    "waiting", lambda: "等待申请人补正：答复期限暂停计算，收到补正之日重新起算"
                )
            return
        if calc.day0 is None:
            self.step("waiting", lambda: "尚未确认收到申请：答复期限自确认收到之日起计算")
            return
        # An unanswered consultation pauses until its limit, or until the answer if earlier.
        pauses = []
        for p in self.pauses:
            if p.open:
                end = min(p.due, calc.finished_on) if calc.finished_on else p.due
                p = Pause(p.sent, end, p.due, p.party, None)
                calc.provisional = calc.finished_on is None
            if p.sent >= calc.day0:
                pauses.append(p)
        calc.pauses = pauses
        calc.base_deadline = calc.deadline = self._count("count", calc.day0, LIMIT_WORKDAYS)
        if self.extension is not None:
            calc.extended = True
            calc.deadline = self._count("extension", calc.base_deadline, EXTENSION_WORKDAYS)
        if calc.provisional:
            pause = calc.open_pause
            if pause is not None:
                self.step(
                    "provisional",
                    lambda: (
                        f"第三方尚未回复：暂按其意见期限 {fmt(pause.due)} 计算暂停；"
                        "收到意见后，答复期限相应提前"
                    ),
                )
        self._answered()

    def _count(self, kind: str, after: date, n: int) -> date:
        """The nth counted working day after `after`; with words, the count day by day."""
        pauses = self.calc.pauses
        if not self.words:
            return self.cal.nth_workday_after(after, n, [(p.sent, p.end) for p in pauses])
        count = count_workdays(self.cal, after, n, pauses)
        details = describe_count(count, pauses=pauses)
        if kind == "count":
            start = fmt(count.after + ONE_DAY)
            head = f"自 {start} 起计算 {n} 个工作日，法定答复期限为 {fmt(count.end)}"
        else:
            head = (
                f"延长答复期限：自原期限 {fmt(after)} 起再计算 {n} 个工作日，"
                f"延长后的答复期限为 {fmt(count.end)}"
            )
        self.step(kind, lambda: head + (f"。{details}" if details else ""), count=count)
        return count.end

    def _answered(self) -> None:
        calc, ev = self.calc, self.answer
        if ev is None or calc.deadline is None:
            return
        deadline = calc.deadline
        calc.on_time = ev.on <= deadline

        def text() -> str:
            label = str(ev.detail.get("result_label") or "")
            what = f"作出答复（{label}）" if label else "作出答复"
            if ev.on <= deadline:
                left = self.cal.workdays_between(ev.on, deadline)
                return f"{fmt(ev.on)} {what}，在答复期限 {fmt(deadline)} 内（提前 {left} 个工作日）"
            late = self.cal.workdays_between(deadline, ev.on)
            return f"{fmt(ev.on)} {what}，超过答复期限 {fmt(deadline)} {late} 个工作日"

        self.step("answered", text, ev.on)


def compute(events: Iterable[Event], cal: CalendarView, *, words: bool = True) -> Calculation:
    """The deadline and its calculation for these events; never raises for a missing year.

    `words=False` gives the same dates without the steps (recomputing thousands at once).
    """
    walk = _Walk(cal, words)
    try:
        for event in ordered(events):
            walk.apply(event)
        walk.finish()
    except CalendarMissing as exc:
        calc = walk.calc
        calc.deadline = None
        calc.provisional = False
        calc.on_time = None
        message = str(exc)
        calc.error, calc.missing_year = message, exc.year
        walk.step("calendar_missing", lambda: message)
    return walk.calc


def days_left(calc: Calculation, today: date, cal: CalendarView) -> int | None:
    """Counted working days from today to the deadline (0 on the day; negative when overdue).

    None when there is no running deadline (not received, awaiting correction, finished) or
    the calendar for a year in between is not loaded.
    """
    if calc.deadline is None or calc.finished is not None:
        return None
    try:
        if today > calc.deadline:
            return -cal.workdays_between(calc.deadline, today)
        left, covered = cal.workdays_between(today, calc.deadline), today
        for pause in sorted(calc.pauses, key=lambda p: p.sent):
            lo, hi = max(pause.sent, covered), min(pause.end, calc.deadline)
            if hi > lo:
                left -= cal.workdays_between(lo, hi)
                covered = hi
        return left
    except CalendarMissing:
        return None


def correction_window_end(received_on: date, cal: CalendarView) -> date:
    """The last day a correction may be requested (7 working days after receipt)."""
    return cal.add_workdays(received_on, CORRECTION_WINDOW_WORKDAYS)


def third_party_due(sent_on: date, cal: CalendarView) -> date:
    """The day the third party's opinion is due (15 working days after the request)."""
    return cal.add_workdays(sent_on, THIRD_PARTY_WORKDAYS)
