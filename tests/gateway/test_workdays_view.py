"""The strict calendar view legal deadlines use: no guessing for years without a file."""

import json
import os
import time
from datetime import date

import pytest

from gateway import workdays
from gateway.workdays import CalendarMissing, calendar_view


def test_each_day_says_why_it_is_or_is_not_a_working_day():
    view = calendar_view()
    assert view.day(date(2026, 2, 14)).kind == "makeup"
    assert view.day(date(2026, 2, 14)).name == "春节"
    assert view.day(date(2026, 10, 3)).kind == "holiday"  # a Saturday inside 国庆
    assert view.day(date(2026, 10, 11)).kind == "weekend"
    assert view.day(date(2026, 10, 12)).kind == "workday"


def test_a_year_without_a_file_raises_with_a_chinese_instruction():
    view = calendar_view()
    with pytest.raises(CalendarMissing) as caught:
        view.is_workday(date(2031, 1, 1))
    assert caught.value.year == 2031
    assert "尚未载入 2031 年" in str(caught.value)
    assert "govmatrix calendar load" in str(caught.value)
    # The lenient functions keep their Monday–Friday fallback for their existing callers.
    assert workdays.is_workday(date(2031, 1, 1))


def test_the_packaged_years_include_2024_and_2025():
    assert {2024, 2025, 2026} <= set(calendar_view().years())
    assert calendar_view().day(date(2025, 2, 8)).kind == "makeup"


def test_a_new_calendar_file_reaches_a_running_process_and_changes_the_fingerprint(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("APP_HOLIDAYS_DIR", str(tmp_path))
    monkeypatch.setattr(workdays, "RECHECK_SECONDS", 0.0)
    workdays.default_calendar().reload()
    try:
        before = calendar_view()
        assert not before.has_year(2031)
        (tmp_path / "2031.json").write_text(
            json.dumps({"year": 2031, "holidays": {"元旦": ["2031-01-01"]}}), "utf-8"
        )
        later = time.time() + 1
        os.utime(tmp_path / "2031.json", (later, later))
        after = calendar_view()
        assert after.has_year(2031)
        assert not after.is_workday(date(2031, 1, 1))
        assert after.fingerprint != before.fingerprint
    finally:
        monkeypatch.delenv("APP_HOLIDAYS_DIR")
        workdays.default_calendar().reload()
