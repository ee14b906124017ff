"""Editors write scripts through the admin API: spoken text, targets, field errors."""

from __future__ import annotations

import httpx

from tests.broadcast.helpers import ADMIN_API, approve, create_script, run_synthesis
from tests.conftest import assert_error
from tests.gateway.staff_helpers import sign_in


async def test_an_editor_writes_a_script_and_sees_what_will_be_spoken(
    api: httpx.AsyncClient, db
) -> None:
    editor = await sign_in(api, "editor")
    script = await create_script(
        api,
        editor,
        text="2026年3月6日起，低保标准提高到每人每月810元，咨询电话0558-7661234。",
        targets={"villages": ["banqiaoji-01", "banqiaoji-02"]},
        play_times=["18:00", "7:00"],
    )
    assert script["spoken_text"] == (
        "二零二六年三月六日起，低保标准提高到每人每月八百一十元，咨询电话零五五八，七六六幺二三四。"
    )
    assert script["state"] == "draft"
    assert script["play_times"] == ["07:00", "18:00"]
    assert script["village_count"] == 2
    assert script["audio"] is None
    shown = (await api.get(f"{ADMIN_API}/{script['id']}", headers=editor)).json()["script"]
    assert shown["spoken_text"] == script["spoken_text"]
    await approve(api, script["id"])
    await run_synthesis()
    made = (await api.get(f"{ADMIN_API}/{script['id']}", headers=editor)).json()["script"]
    assert made["state"] == "approved"
    audio = made["audio"]
    assert audio["state"] == "ready", audio
    assert abs(audio["lufs"] + 16) <= 1 and audio["true_peak"] <= -1.5
    assert len(audio["sha256"]) == 64 and audio["duration_s"] > 10


async def test_bad_scripts_get_field_errors(api: httpx.AsyncClient) -> None:
    editor = await sign_in(api, "editor")
    base = {"title": "通知", "targets": {"all": True}}
    error = assert_error(
        await api.post(ADMIN_API, json={**base, "text": "字" * 5001}, headers=editor), 422
    )
    assert "text" in error["fields"]
    error = assert_error(
        await api.post(ADMIN_API, json={**base, "text": "https://x.cn 😀"}, headers=editor), 422
    )
    assert "朗读" in error["fields"]["text"]
    error = assert_error(
        await api.post(
            ADMIN_API,
            json={**base, "text": "通知", "targets": {"villages": ["nowhere-99"]}},
            headers=editor,
        ),
        422,
    )
    assert "nowhere-99" in error["fields"]["targets.villages"]
    error = assert_error(
        await api.post(
            ADMIN_API,
            json={**base, "text": "通知", "targets": {"towns": ["atlantis"]}},
            headers=editor,
        ),
        422,
    )
    assert "atlantis" in error["fields"]["targets.towns"]
    error = assert_error(
        await api.post(ADMIN_API, json={**base, "article_id": 3}, headers=editor), 422
    )
    assert "尚未上线" in error["fields"]["article_id"]
