"""The working-day calendar with the 2026 holidays and make-up working weekends."""

import json
from datetime import UTC, date, datetime

import pytest

from gateway import workdays
from gateway.workdays import (
    CalendarError,
    add_workdays,
    has_calendar,
    is_overdue,
    is_workday,
    load_file,
    parse_calendar,
    workdays_between,
)


def test_2026_calendar_is_shipped():
    assert has_calendar(2026)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 1), False),  # 元旦
        (date(2026, 1, 3), False),  # 元旦, a Saturday
        (date(2026, 1, 4), True),  # Sunday worked for 元旦
        (date(2026, 1, 5), True),
        (date(2026, 2, 14), True),  # Saturday worked before 春节
        (date(2026, 2, 15), False),
        (date(2026, 2, 23), False),  # last day of 春节, a Monday
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # Saturday worked after 春节
        (date(2026, 3, 1), False),  # ordinary Sunday
        (date(2026, 4, 6), False),  # 清明, a Monday
        (date(2026, 5, 5), False),
        (date(2026, 5, 9), True),
        (date(2026, 6, 19), False),  # 端午, a Friday
        (date(2026, 9, 20), True),  # Sunday worked for 国庆
        (date(2026, 9, 25), False),  # 中秋, a Friday
        (date(2026, 10, 1), False),
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday worked for 国庆
        (date(2026, 10, 11), False),
        (date(2026, 7, 15), True),  # ordinary Wednesday
    ],
)
def test_is_workday_follows_the_2026_schedule(day, expected):
    assert is_workday(day) is expected


def test_day_of_receipt_is_day_zero():
    # Monday 2026-03-02 + 3 working days = Thursday.
    assert add_workdays(date(2026, 3, 2), 3) == date(2026, 3, 5)
    assert add_workdays(date(2026, 3, 2), 0) == date(2026, 3, 2)


def test_deadline_skips_the_weekend():
    # Thursday 2026-03-05 + 3 working days = Tuesday 03-10.
    assert add_workdays(date(2026, 3, 5), 3) == date(2026, 3, 10)


def test_receipt_on_a_rest_day_counts_from_the_next_working_day():
    assert add_workdays(date(2026, 3, 7), 0) == date(2026, 3, 9)
    assert add_workdays(date(2026, 3, 7), 1) == date(2026, 3, 9)


def test_new_year_working_sunday_counts():
    # Received Wednesday 2025-12-31 (no 2025 file: weekdays only), 1 working day later is
    # Sunday 2026-01-04, the make-up working day, not Monday 01-05.
    assert add_workdays(date(2025, 12, 31), 1) == date(2026, 1, 4)
    assert add_workdays(date(2026, 1, 1), 2) == date(2026, 1, 5)


def test_spring_festival_holiday_is_skipped():
    # Received Friday 2026-02-13; Saturday 02-14 is a working day, then nine days off.
    assert add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_workdays(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert add_workdays(date(2026, 2, 13), 6) == date(2026, 2, 28)
    assert add_workdays(date(2026, 2, 13), 20) == date(2026, 3, 19)


def test_twenty_working_days_over_national_day():
    # Received Friday 2026-09-18: Sunday 09-20 counts, 09-25..27 and 10-01..07 do not,
    # Saturday 10-10 counts.
    d = date(2026, 9, 18)
    assert add_workdays(d, 1) == date(2026, 9, 20)
    assert add_workdays(d, 5) == date(2026, 9, 24)
    assert add_workdays(d, 6) == date(2026, 9, 28)
    assert add_workdays(d, 9) == date(2026, 10, 8)
    assert add_workdays(d, 11) == date(2026, 10, 10)
    assert add_workdays(d, 12) == date(2026, 10, 12)


def test_a_deadline_never_lands_on_a_rest_day():
    start = date(2026, 1, 1)
    for offset in range(0, 365):
        for n in (0, 1, 3, 7, 15, 20):
            result = add_workdays(date.fromordinal(start.toordinal() + offset), n)
            if result.year == 2026:
                assert is_workday(result), (offset, n, result)


def test_workdays_between_is_the_inverse_of_add_workdays():
    start = date(2026, 9, 18)
    for n in range(0, 30):
        assert workdays_between(start, add_workdays(start, n)) == n
    assert workdays_between(date(2026, 3, 5), date(2026, 3, 5)) == 0
    assert workdays_between(date(2026, 10, 1), date(2026, 10, 7)) == 0
    assert workdays_between(date(2026, 3, 10), date(2026, 3, 5)) == -3


def test_aware_datetimes_count_in_shanghai_time():
    # 2026-03-06 17:00 UTC is Saturday 01:00 in Shanghai: a reply then is on a rest day.
    received = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)  # Thursday 10:00 local
    replied = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
    assert workdays_between(received, replied) == 1
    assert is_workday(replied) is False


def test_overdue_after_three_working_days():
    received = date(2026, 9, 30)  # Wednesday before 国庆
    assert not is_overdue(received, 3, date(2026, 10, 9))
    assert not is_overdue(received, 3, date(2026, 10, 10))
    assert is_overdue(received, 3, date(2026, 10, 12))


def test_year_without_a_file_counts_weekdays_only():
    assert not has_calendar(2031)
    assert is_workday(date(2031, 1, 1))  # a Wednesday; no data, so a working day
    assert not is_workday(date(2031, 1, 4))


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "JSON 对象"),
        ({"year": "2027"}, "year"),
        ({"year": 2027, "holidays": {"元旦": ["2027-13-01"]}}, "不是 YYYY-MM-DD"),
        ({"year": 2027, "holidays": {"元旦": ["2026-01-01"]}}, "不在 2027 年"),
        ({"year": 2027, "workdays": {"春节": ["2027-02-10"]}}, "不是周末"),
        (
            {"year": 2027, "holidays": {"x": ["2027-02-06"]}, "workdays": {"y": ["2027-02-06"]}},
            "同时是假日",
        ),
    ],
)
def test_bad_calendar_files_are_refused_with_a_reason(doc, message):
    with pytest.raises(CalendarError, match=message):
        parse_calendar(doc)


def test_an_administrator_adds_next_years_calendar(tmp_path, monkeypatch):
    monkeypatch.setenv("APP_HOLIDAYS_DIR", str(tmp_path / "holidays"))
    workdays.default_calendar().reload()
    source = tmp_path / "2027.json"
    source.write_text(
        json.dumps(
            {
                "year": 2027,
                "holidays": {"元旦": ["2027-01-01"]},
                "workdays": {"春节": ["2027-02-06"]},
            }
        ),
        "utf-8",
    )
    try:
        assert is_workday(date(2027, 1, 1))
        cal = load_file(source)
        assert cal.year == 2027
        assert has_calendar(2027)
        assert not is_workday(date(2027, 1, 1))
        assert is_workday(date(2027, 2, 6))  # a Saturday made a working day
        assert (tmp_path / "holidays" / "2027.json").exists()
    finally:
        monkeypatch.delenv("APP_HOLIDAYS_DIR")
        workdays.default_calendar().reload()
