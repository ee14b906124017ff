"""The county view: each targeted village's downloads and plays, late villages, the export."""

from __future__ import annotations

import io
from datetime import timedelta

import httpx
import pytest
from openpyxl import load_workbook

from broadcast.models import Script
from broadcast.service import coverage, villages
from broadcast.service.villages import slot_moment
from tests.broadcast.helpers import ADMIN_API, approve, create_script, run_synthesis, today
from tests.gateway.staff_helpers import sign_in

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture(scope="module")
async def town_script(client: httpx.AsyncClient, db: None) -> Script:
    """板桥集镇's three villages, two slots a day, on the air since yesterday."""
    editor = await sign_in(client, "editor")
    made = await create_script(client, editor, play_times=["07:00", "19:00"])
    await approve(client, made["id"])
    await run_synthesis()
    return await Script.get(id=made["id"])


async def test_villages_that_miss_a_due_slot_are_late_and_those_with_none_are_silent(
    town_script: Script,
) -> None:
    yesterday = today() - timedelta(days=1)
    # Pinned to today's 08:00 in the county: yesterday's two slots and today's 07:00 are due.
    at = slot_moment(today(), "08:00")
    audio = await villages.script_audio(town_script)
    assert audio is not None
    await villages.record_download(
        script=town_script, village_code="banqiaoji-01", sha256=audio.sha256, staff_id=None
    )
    for slot_day, slot in ((yesterday, "07:00"), (yesterday, "19:00"), (today(), "07:00")):
        await villages.record_play(
            script=town_script,
            village_code="banqiaoji-01",
            day=slot_day,
            slot=slot,
            played_at=slot_moment(slot_day, slot) + timedelta(minutes=3),
        )
    await villages.record_play(
        script=town_script,
        village_code="banqiaoji-02",
        day=yesterday,
        slot="07:00",
        played_at=slot_moment(yesterday, "07:00"),
    )
    view = await coverage.coverage(town_script, at=at)
    assert view["total"] == 3
    assert view["downloaded"] == 1
    assert view["late"] == 2
    assert view["silent"] == 1
    (town,) = view["towns"]
    assert town["name"] == "板桥集镇"
    assert town["played"] == 1
    assert town["total"] == 3
    by_code = {v["code"]: v for v in town["villages"]}
    assert by_code["banqiaoji-01"]["late"] is False
    assert by_code["banqiaoji-02"]["late"] is True
    assert by_code["banqiaoji-02"]["silent"] is False
    assert by_code["banqiaoji-03"]["silent"] is True
    due = [s for s in view["slots"] if s["due"]]
    assert [(s["slot"], s["played"]) for s in due] == [("07:00", 2), ("19:00", 1), ("07:00", 1)]
    assert next(s for s in view["slots"] if not s["due"])["slot"] == "19:00"
    # Before the first slot nobody is late yet.
    early = await coverage.coverage(town_script, at=slot_moment(yesterday, "06:00"))
    assert early["late"] == 0
    assert early["silent"] == 0
    silent = {script.id: count for script, count in await coverage.silent_scripts(at=at)}
    assert silent[town_script.id] == 1


async def test_the_county_view_is_exported_to_excel(
    client: httpx.AsyncClient, town_script: Script
) -> None:
    admin = await sign_in(client, "admin")
    response = await client.get(f"/console/broadcasts/{town_script.id}/export.xlsx", headers=admin)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0].startswith("广播稿：")
    header = rows[2]
    assert header[:3] == ["乡镇", "村", "下载时间"]
    assert header[-1] == "未按时播放"
    villages_rows = [r for r in rows[3:] if r[0] == "板桥集镇"]
    assert [r[1] for r in villages_rows] == ["板桥村", "胡寨村", "翟庄村"]


async def test_the_coverage_api_answers_the_same_view(
    client: httpx.AsyncClient, town_script: Script
) -> None:
    editor = await sign_in(client, "editor")
    view = (await client.get(f"{ADMIN_API}/{town_script.id}/coverage", headers=editor)).json()
    assert view["script_id"] == town_script.id
    assert view["total"] == 3
    assert {v["code"] for t in view["towns"] for v in t["villages"]} == {
        "banqiaoji-01",
        "banqiaoji-02",
        "banqiaoji-03",
    }
    village = await sign_in(client, "village_01")
    assert (
        await client.get(f"{ADMIN_API}/{town_script.id}/coverage", headers=village)
    ).status_code == 403
