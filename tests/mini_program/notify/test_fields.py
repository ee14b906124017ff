"""Values fitted to WeChat's subscribe-message rules before they are sent."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mini_program.notify.fields import fit, render
from mini_program.notify.purposes import get_purpose


def test_thing_fields_are_cut_to_twenty_characters_with_an_ellipsis() -> None:
    long = "关于进一步做好2026年度城乡居民基本医疗保险参保缴费工作的通知"
    assert fit("thing", long) == long[:19] + "…"
    assert len(fit("thing", long)) == 20
    assert fit("thing", "短标题") == "短标题"
    assert fit("thing", "  多个\n空白\t合并  ") == "多个 空白 合并"
    assert fit("thing", "") == "无"


def test_time_and_date_fields_are_shanghai_time_strings() -> None:
    # 16:30 UTC is half past midnight the next day in the county.
    moment = datetime(2026, 5, 1, 16, 30, tzinfo=UTC)
    assert fit("time", moment) == "2026-05-02 00:30"
    assert fit("date", moment) == "2026-05-02"
    assert fit("time", "2026-05-01T10:00:00+08:00") == "2026-05-01 10:00"
    assert fit("date", date(2026, 5, 1)) == "2026-05-01"
    with pytest.raises(ValueError, match="aware"):
        fit("time", datetime(2026, 5, 1, 10, 0))  # noqa: DTZ001 (the naive time is the point)
    with pytest.raises(ValueError, match="time/date"):
        fit("time", "明天上午")


def test_short_kinds_keep_only_what_wechat_accepts() -> None:
    assert fit("phrase", "报名成功！") == "报名成功"
    assert fit("phrase", "候补转正了啊啊") == "候补转正了"
    assert fit("character_string", "ZX-2026/0001 号") == "ZX-20260001"
    assert fit("phone_number", "0558-7654321") == "0558-7654321"
    assert fit("amount", "12.5") == "12.50元"
    assert fit("name", "欧阳建国同志代表县人民政府") == "欧阳建国同志代表县…"
    with pytest.raises(ValueError, match="phrase"):
        fit("phrase", "OK")
    with pytest.raises(ValueError, match="number"):
        fit("number", "十二")


def test_a_purpose_maps_named_values_to_its_keywords() -> None:
    data = render(get_purpose("open_day_result"), {"event": "政府开放日", "result": "报名成功"})
    assert data == {"thing1": "政府开放日", "phrase2": "报名成功"}
    with pytest.raises(ValueError, match="no field"):
        render(get_purpose("open_day_result"), {"title": "x"})
    with pytest.raises(ValueError, match="at least one"):
        render(get_purpose("open_day_result"), {"event": None})
