"""The deadline engine against the 2026 calendar (and the end of 2025): make-up working days,
holiday runs, corrections, third-party pauses, extensions, a year that is not loaded.

Every expected date here was counted by hand on the State Council's schedule; the exhaustive
tests compare the engine with a second, deliberately naive count built from the data files.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from gateway.workdays import PACKAGED_DIR, CalendarView, YearCalendar, calendar_view, parse_calendar
from mini_program.applications.deadline import (
    Event,
    EventKind,
    compute,
    count_workdays,
    days_left,
)

CAL = calendar_view()
D = date


def received(on: date, channel: str = "online") -> Event:
    return Event(EventKind.RECEIVED, on, {"channel": channel})


def texts(calc) -> str:
    return "\n".join(step.text for step in calc.steps)


def only(years: dict[int, YearCalendar]) -> CalendarView:
    return CalendarView(years)


def year_file(year: int) -> YearCalendar:
    return parse_calendar(json.loads((PACKAGED_DIR / f"{year}.json").read_text("utf-8")))


# --- holiday runs and make-up working days -------------------------------------------------


def test_spring_festival_is_skipped_and_both_make_up_saturdays_count():
    calc = compute([received(D(2026, 2, 13))], CAL)
    assert calc.deadline == D(2026, 3, 19)
    count = next(s for s in calc.steps if s.kind == "count").to_dict()
    assert count["counted"] == 20
    assert count["holidays"] == [
        {"name": "春节", "from": "2026-02-15", "to": "2026-02-23", "days": 9}
    ]
    assert count["makeup_workdays"] == [
        {"date": "2026-02-14", "name": "春节"},
        {"date": "2026-02-28", "name": "春节"},
    ]
    assert "2026-03-07" in count["weekends"]
    assert "2026-02-14" not in count["weekends"]
    words = texts(calc)
    assert "跳过春节假期 2026-02-15（周日）至2026-02-23（周一），共 9 天" in words
    assert (
        "计入调休上班日 2026-02-14（周六，春节调休上班）、2026-02-28（周六，春节调休上班）" in words
    )
    assert "法定答复期限为 2026-03-19（周四）" in words


def test_new_year_across_the_turn_of_the_year_counts_sunday_4_january():
    # Friday 26 December 2025: 29–31 Dec, then 1–3 Jan off, Sunday 4 Jan worked.
    calc = compute([received(D(2025, 12, 26))], CAL)
    assert calc.deadline == D(2026, 1, 26)
    count = calc.steps[-1].to_dict()
    assert {"name": "元旦", "from": "2026-01-01", "to": "2026-01-03", "days": 3} in count[
        "holidays"
    ]
    assert {"date": "2026-01-04", "name": "元旦"} in count["makeup_workdays"]


def test_national_day_with_mid_autumn_and_both_make_up_days():
    # Friday 18 September: Sunday 20 Sep worked, 25–27 Sep and 1–7 Oct off, Saturday 10 Oct worked.
    calc = compute([received(D(2026, 9, 18))], CAL)
    assert calc.deadline == D(2026, 10, 22)
    count = calc.steps[-1].to_dict()
    assert [h["name"] for h in count["holidays"]] == ["中秋节", "国庆节"]
    assert [h["days"] for h in count["holidays"]] == [3, 7]
    assert [m["date"] for m in count["makeup_workdays"]] == ["2026-09-20", "2026-10-10"]


def test_labour_day_make_up_saturday_9_may_counts():
    calc = compute([received(D(2026, 4, 24))], CAL)
    assert calc.deadline == D(2026, 5, 26)
    assert {"date": "2026-05-09", "name": "劳动节"} in calc.steps[-1].to_dict()["makeup_workdays"]


def test_a_receipt_on_a_rest_day_counts_from_the_next_day_and_says_so():
    calc = compute([received(D(2026, 3, 7), "registered_post")], CAL)  # a Saturday
    assert calc.deadline == D(2026, 4, 3)
    assert "当日为休息日" in texts(calc)
    assert "以签收之日为收到申请之日" in texts(calc)


# --- correction ------------------------------------------------------------------------------


def test_a_correction_stops_the_clock_and_its_arrival_is_a_new_day_zero():
    events = [
        received(D(2026, 3, 2)),
        Event(EventKind.CORRECTION_REQUESTED, D(2026, 3, 5), {"missing": "文件名称", "period": 15}),
    ]
    waiting = compute(events, CAL)
    assert waiting.deadline is None
    assert waiting.awaiting_correction
    assert waiting.correction_due == D(2026, 3, 26)
    assert "收到申请后第 3 个工作日" in texts(waiting)
    assert "答复期限暂停计算" in texts(waiting)

    restarted = compute([*events, Event(EventKind.CORRECTED, D(2026, 3, 16))], CAL)
    # From Monday 16 March: 清明 (4–6 April) skipped.
    assert restarted.day0 == D(2026, 3, 16)
    assert restarted.deadline == D(2026, 4, 14)
    assert restarted.received_on == D(2026, 3, 2)
    assert "重新起算，为第 0 日" in texts(restarted)


def test_closing_for_no_correction_leaves_no_deadline():
    events = [
        received(D(2026, 9, 28)),
        Event(EventKind.CORRECTION_REQUESTED, D(2026, 9, 30), {"period": 15}),
        Event(EventKind.CLOSED, D(2026, 10, 28), {"result": "other"}),
    ]
    calc = compute(events, CAL)
    assert calc.correction_due == D(2026, 10, 27)  # National Day skipped
    assert calc.deadline is None
    assert calc.finished == "closed"
    assert "逾期不补正" in texts(calc)


# --- third party -----------------------------------------------------------------------------


def third_party_events(reply: date | None) -> list[Event]:
    events = [
        received(D(2026, 9, 14)),
        Event(EventKind.THIRD_PARTY, D(2026, 9, 24), {"party": "某化工企业"}),
    ]
    if reply:
        events.append(Event(EventKind.THIRD_PARTY_REPLY, reply))
    return events


def test_a_third_party_pause_across_the_holidays_does_not_count_them_twice():
    calc = compute(third_party_events(D(2026, 10, 9)), CAL)
    # Paused working days: 28, 29, 30 Sep, 8, 9 Oct (the holidays in between are rest days).
    assert calc.deadline == D(2026, 10, 23)
    count = next(s for s in calc.steps if s.kind == "count").to_dict()
    assert count["paused_workdays"] == [
        "2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09",
    ]  # fmt: skip
    assert "征求意见期间 5 个工作日不计入答复期限" in texts(calc)
    without = compute([received(D(2026, 9, 14))], CAL)
    assert without.deadline == D(2026, 10, 16)


def test_an_unanswered_consultation_pauses_until_the_third_partys_limit():
    calc = compute(third_party_events(None), CAL)
    assert calc.open_pause is not None
    assert calc.open_pause.due == D(2026, 10, 22)
    assert calc.deadline == D(2026, 11, 6)
    assert calc.provisional
    assert "第三方尚未回复" in texts(calc)


def test_a_late_reply_pauses_only_until_the_third_partys_limit():
    calc = compute(third_party_events(D(2026, 10, 26)), CAL)
    assert calc.deadline == D(2026, 11, 6)
    assert not calc.provisional
    assert "已超过意见期限 2026-10-22（周四）" in texts(calc)


def test_the_reply_day_itself_is_not_counted_and_the_next_working_day_is():
    events = [
        received(D(2026, 6, 1)),
        Event(EventKind.THIRD_PARTY, D(2026, 6, 3)),
        Event(EventKind.THIRD_PARTY_REPLY, D(2026, 6, 5)),
    ]
    calc = compute(events, CAL)
    # Counted: 2, 3 June, then from 8 June (4, 5 June paused); 19 June 端午 skipped.
    assert calc.steps[-1].count.paused == [D(2026, 6, 4), D(2026, 6, 5)]
    assert calc.deadline == D(2026, 7, 2)


# --- extension -------------------------------------------------------------------------------


def test_an_extension_counts_20_more_working_days_from_the_original_deadline():
    events = [
        received(D(2026, 8, 6)),
        Event(EventKind.EXTENDED, D(2026, 8, 29), {"reason": "档案"}),
    ]
    calc = compute(events, CAL)  # the approval is dated on a Saturday: no matter
    assert calc.base_deadline == D(2026, 9, 3)
    # Twenty weekdays after 3 September would be 1 October, a rest day; counted on the
    # calendar the extension runs past 中秋 and 国庆 to 8 October.
    assert calc.deadline == D(2026, 10, 8)
    weekdays, day = 0, D(2026, 9, 3)
    while weekdays < 20:
        day += timedelta(days=1)
        weekdays += day.weekday() < 5
    assert day == D(2026, 10, 1)
    assert not CAL.is_workday(day)
    extension = next(s for s in calc.steps if s.kind == "extension").to_dict()
    assert extension["from"] == "2026-09-04"
    assert extension["to"] == "2026-10-08"
    assert {"date": "2026-09-20", "name": "国庆节"} in extension["makeup_workdays"]
    assert "自原期限 2026-09-03（周四） 起再计算 20 个工作日" in texts(calc)


def test_a_pause_after_the_extension_moves_the_extended_deadline():
    events = [
        received(D(2026, 8, 6)),
        Event(EventKind.EXTENDED, D(2026, 9, 1)),
        Event(EventKind.THIRD_PARTY, D(2026, 9, 10)),
        Event(EventKind.THIRD_PARTY_REPLY, D(2026, 9, 14)),
    ]
    calc = compute(events, CAL)
    assert calc.base_deadline == D(2026, 9, 3)
    assert calc.deadline == D(2026, 10, 10)  # two paused days (11, 14 Sep) later


# --- the answer ------------------------------------------------------------------------------


def test_an_answer_after_the_deadline_is_late_by_working_days():
    events = [
        received(D(2026, 2, 13)),
        Event(EventKind.ANSWERED, D(2026, 3, 23), {"result_label": "予以公开"}),
    ]
    calc = compute(events, CAL)
    assert calc.on_time is False
    assert "超过答复期限 2026-03-19（周四） 2 个工作日" in texts(calc)


def test_an_answer_on_the_deadline_is_on_time():
    events = [received(D(2026, 2, 13)), Event(EventKind.ANSWERED, D(2026, 3, 19))]
    assert compute(events, CAL).on_time is True


def test_days_left_counts_working_days_and_goes_negative_when_overdue():
    calc = compute([received(D(2026, 2, 13))], CAL)
    assert days_left(calc, D(2026, 3, 19), CAL) == 0
    assert days_left(calc, D(2026, 3, 12), CAL) == 5
    assert days_left(calc, D(2026, 3, 20), CAL) == -1
    assert days_left(calc, D(2026, 3, 23), CAL) == -2


def test_days_left_skips_the_paused_days_of_an_open_consultation():
    calc = compute(third_party_events(None), CAL)
    # From 24 September every working day to 22 October is paused: all 20 minus 9 remain.
    assert days_left(calc, D(2026, 9, 24), CAL) == 11


# --- a year that is not loaded -----------------------------------------------------------------


def test_a_deadline_reaching_an_unloaded_year_is_a_clear_error_not_a_guess():
    calc = compute([received(D(2026, 12, 10))], CAL)
    assert calc.deadline is None
    assert calc.missing_year == 2027
    assert "尚未载入 2027 年的节假日和调休安排" in calc.error
    assert calc.steps[-1].kind == "calendar_missing"
    assert days_left(calc, D(2026, 12, 11), CAL) is None


def test_a_receipt_in_an_unloaded_year_is_refused_on_its_first_day():
    cal = only({2026: year_file(2026)})
    calc = compute([received(D(2025, 12, 30))], cal)
    assert calc.missing_year == 2025
    assert calc.deadline is None


def test_loading_the_missing_year_gives_the_deadline():
    cal = only(
        {
            2026: year_file(2026),
            2027: parse_calendar({"year": 2027, "holidays": {"元旦": ["2027-01-01"]}}),
        }
    )
    calc = compute([received(D(2026, 12, 10))], cal)
    assert calc.error == ""
    assert calc.deadline == D(2027, 1, 8)


# --- exhaustively, against a naive count built from the data files ----------------------------


def naive_calendar() -> tuple[set[date], set[date]]:
    holidays: set[date] = set()
    makeup: set[date] = set()
    for year in (2025, 2026):
        data = json.loads((Path(PACKAGED_DIR) / f"{year}.json").read_text("utf-8"))
        holidays |= {date.fromisoformat(d) for days in data["holidays"].values() for d in days}
        makeup |= {date.fromisoformat(d) for days in data["workdays"].values() for d in days}
    return holidays, makeup


def naive_deadline(day0: date, pause: tuple[date, date] | None = None, n: int = 20) -> date:
    holidays, makeup = naive_calendar()
    day, counted = day0, 0
    while counted < n:
        day += timedelta(days=1)
        working = day in makeup or (day.weekday() < 5 and day not in holidays)
        paused = pause is not None and pause[0] < day <= pause[1]
        counted += working and not paused
    return day


@pytest.mark.parametrize("pause_after", [None, 1, 4, 9])
def test_every_day_of_2026_against_the_naive_count(pause_after):
    day = D(2026, 1, 1)
    while day <= D(2026, 11, 20):
        events = [received(day)]
        pause = None
        if pause_after is not None:
            sent = day + timedelta(days=pause_after)
            reply = sent + timedelta(days=6)
            events += [
                Event(EventKind.THIRD_PARTY, sent),
                Event(EventKind.THIRD_PARTY_REPLY, reply),
            ]
            pause = (sent, reply)
        calc = compute(events, CAL)
        assert calc.deadline == naive_deadline(day, pause), (day, pause_after)
        assert CAL.is_workday(calc.deadline)
        # Without its words (how stored deadlines are recomputed) the engine agrees.
        quiet = compute(events, CAL, words=False)
        assert quiet.steps == []
        assert quiet.deadline == calc.deadline
        assert (
            days_left(quiet, day, CAL)
            == days_left(calc, day, CAL)
            == (sum(1 for d in calc.steps[-1].count.paused) * 0 + 20)
        )
        day += timedelta(days=1)


def test_every_correction_and_open_consultation_agrees_with_and_without_words():
    day = D(2026, 1, 1)
    while day <= D(2026, 10, 31):
        cases = [
            [
                received(day),
                Event(EventKind.CORRECTION_REQUESTED, day + timedelta(days=2)),
                Event(EventKind.CORRECTED, day + timedelta(days=9)),
            ],
            [received(day), Event(EventKind.THIRD_PARTY, day + timedelta(days=3))],
        ]
        for events in cases:
            loud, quiet = compute(events, CAL), compute(events, CAL, words=False)
            assert (loud.deadline, loud.correction_due, loud.provisional) == (
                quiet.deadline, quiet.correction_due, quiet.provisional,
            ), day  # fmt: skip
        day += timedelta(days=1)


def test_every_extension_of_2026_against_the_naive_count():
    day = D(2026, 1, 1)
    while day <= D(2026, 10, 20):
        calc = compute([received(day), Event(EventKind.EXTENDED, day)], CAL)
        assert calc.deadline == naive_deadline(day, n=40), day
        assert (
            compute([received(day), Event(EventKind.EXTENDED, day)], CAL, words=False).deadline
            == calc.deadline
        )
        assert calc.deadline == count_workdays(CAL, calc.base_deadline, 20).end
        day += timedelta(days=1)
