"""The calendar: every account's deliveries day by day, conflicts marked."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import httpx
import pytest

from gateway.clock import SHANGHAI, local_date
from gateway.clock import now as clock_now
from tests.conftest import assert_error
from tests.push.push_helpers import EDITOR, Staff, approved_article, new_account, plan

# One "today" for the module, taken once (Shanghai): across midnight the test still names the
# same days (make test-midnight).
TODAY = local_date(clock_now())


def _day(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


def _time(days: int, hour: int) -> str:
    return datetime.combine(TODAY + timedelta(days=days), time(hour), SHANGHAI).isoformat()


def _today() -> str:
    return local_date(clock_now()).isoformat()


@pytest.mark.dates
async def test_calendar_shows_deliveries_and_marks_conflicts(
    api: httpx.AsyncClient, staff: Staff, db: None
) -> None:
    article = await approved_article(api, staff)
    twice, busy = await new_account("subscription"), await new_account("service")
    for hour in (9, 15):
        ok = await plan(api, staff, article["id"], [{"account": twice, "at": _time(2, hour)}])
        assert ok.status_code == 201
    for days in (3, 4, 5):
        ok = await plan(
            api, staff, article["id"], [{"account": busy, "at": _time(days, 10), "mode": "mass"}]
        )
        assert ok.status_code == 201, ok.text
    before = _today()
    answer = await api.get(
        "/api/v1/admin/calendar",
        headers=await staff(EDITOR),
        params={"from": _day(0), "to": _day(6)},
    )
    after = _today()
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert [d["day"] for d in data["days"]] == [_day(n) for n in range(7)]
    day2 = next(d for d in data["days"] if d["day"] == _day(2))
    assert [e["account"] for e in day2["entries"] if e["account"] == twice] == [twice, twice]
    assert any(c["kind"] == "same_day" and c["account"] == twice for c in day2["conflicts"])
    quota = [c for c in data["conflicts"] if c["kind"] == "quota" and c["account"] == busy]
    same_month = len({d[:7] for d in (_day(3), _day(4), _day(5))}) == 1
    if same_month:  # three of four monthly group sends in one month is quota pressure
        assert quota
        assert "3/4" in quota[0]["message"]
    # mctj (demo: last update 16 days ago) has nothing planned: flagged on the day the
    # calendar was read (the server's today, which midnight may have moved past TODAY).
    stale = [c for c in data["conflicts"] if c["kind"] == "stale" and c["account"] == "mctj"]
    assert stale
    assert stale[0]["day"] in {before, after}
    assert "没有排期" in stale[0]["message"]
    # mcggzy (demo: 12 days ago) reaches the 14-day line within the week.
    from matrix.service import get_account

    last = (await get_account(code="mcggzy")).last_published_at
    assert last is not None
    expected = (last.astimezone(SHANGHAI).date() + timedelta(days=14)).isoformat()
    line = [c for c in data["conflicts"] if c["kind"] == "stale" and c["account"] == "mcggzy"]
    assert line
    assert line[0]["day"] == expected
    # An account updated a few days ago is not near the line: nothing to mark.
    assert not [c for c in data["conflicts"] if c["kind"] == "stale" and c["account"] == "mcfb"]


async def test_calendar_range_is_checked(api: httpx.AsyncClient, staff: Staff) -> None:
    headers = await staff(EDITOR)
    backwards = await api.get(
        "/api/v1/admin/calendar", headers=headers, params={"from": _day(5), "to": _day(0)}
    )
    assert assert_error(backwards, 422)["fields"]["to"] == "结束日期不能早于开始日期"
    wide = await api.get(
        "/api/v1/admin/calendar", headers=headers, params={"from": _day(0), "to": _day(90)}
    )
    assert assert_error(wide, 422)["fields"]["to"] == "一次最多查看 62 天"
    missing = await api.get("/api/v1/admin/calendar", headers=headers)
    assert "from" in assert_error(missing, 422)["fields"]
