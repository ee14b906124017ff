"""Village staff: their valid scripts, the audio with Range and ETag, play confirmations."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, timedelta
from typing import Any

import httpx

from broadcast.service.villages import slot_moment
from gateway.clock import local_date, now
from tests.broadcast.helpers import ADMIN_API, VILLAGE_API, create_script, today
from tests.conftest import assert_error
from tests.gateway.staff_helpers import STRONG_PASSWORD, create_staff, sign_in

DEMO_VILLAGE = "banqiaoji-01"  # village_01's village (the first by code)


async def _village_staff(client: httpx.AsyncClient, village: str) -> dict[str, str]:
    """A village staff member bound to `village`, signed in."""
    admin = await sign_in(client, "admin")
    _, username = await create_staff(
        client, admin, role="village_staff", prefix="cun", village_code=village
    )
    return await sign_in(client, username, STRONG_PASSWORD)


async def test_village_staff_see_their_valid_scripts_with_play_times(
    client: httpx.AsyncClient, on_air: dict[str, Any]
) -> None:
    village = await sign_in(client, "village_01")
    listed = await client.get(VILLAGE_API, headers=village)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["village"]["code"] == DEMO_VILLAGE
    assert body["village"]["name"] == "板桥村"
    assert body["today"] == today().isoformat()
    mine = next(i for i in body["items"] if i["id"] == on_air["id"])
    assert mine["play_times"] == ["06:00", "12:00", "18:00"]
    assert mine["spoken_text"] == on_air["spoken_text"]
    assert mine["audio"]["sha256"] == on_air["audio"]["sha256"]
    assert mine["audio"]["url"] == f"{VILLAGE_API}/{on_air['id']}/audio"
    # Drafts, scripts of other towns and expired scripts are not listed.
    editor = await sign_in(client, "editor")
    draft = await create_script(client, editor)
    elsewhere = await create_script(client, editor, targets={"towns": ["xutuan"]})
    ids = {i["id"] for i in (await client.get(VILLAGE_API, headers=village)).json()["items"]}
    assert draft["id"] not in ids
    assert elsewhere["id"] not in ids


async def test_another_villages_script_is_not_found(
    client: httpx.AsyncClient, on_air: dict[str, Any]
) -> None:
    outsider = await _village_staff(client, "xutuan-01")
    listed = (await client.get(VILLAGE_API, headers=outsider)).json()
    assert on_air["id"] not in {i["id"] for i in listed["items"]}
    assert_error(
        await client.get(f"{VILLAGE_API}/{on_air['id']}/audio", headers=outsider),
        404,
        "script_not_found",
    )
    assert_error(
        await client.post(
            f"{VILLAGE_API}/{on_air['id']}/plays", json={"slot": "06:00"}, headers=outsider
        ),
        404,
        "script_not_found",
    )
    # County staff look at a village by naming it; village staff cannot name another.
    admin = await sign_in(client, "admin")
    assert_error(await client.get(VILLAGE_API, headers=admin), 422)
    seen = await client.get(VILLAGE_API, headers=admin, params={"village": DEMO_VILLAGE})
    assert on_air["id"] in {i["id"] for i in seen.json()["items"]}
    own = await client.get(VILLAGE_API, headers=outsider, params={"village": DEMO_VILLAGE})
    assert on_air["id"] not in {i["id"] for i in own.json()["items"]}
    editor = await sign_in(client, "editor")
    assert_error(await client.get(VILLAGE_API, headers=editor), 403)


async def test_audio_downloads_whole_or_resumed_in_ranges(
    client: httpx.AsyncClient, on_air: dict[str, Any]
) -> None:
    village = await sign_in(client, "village_01")
    url = f"{VILLAGE_API}/{on_air['id']}/audio"
    whole = await client.get(url, headers=village)
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "audio/mpeg"
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["etag"] == f'"{on_air["audio"]["sha256"]}"'
    size = len(whole.content)
    assert size == on_air["audio"]["size"] == int(whole.headers["content-length"])
    assert hashlib.sha256(whole.content).hexdigest() == on_air["audio"]["sha256"]
    # A weak link: the first part, then the rest from where it stopped.
    first = await client.get(url, headers={**village, "Range": "bytes=0-9999"})
    assert first.status_code == 206
    assert first.headers["content-range"] == f"bytes 0-9999/{size}"
    assert len(first.content) == 10000 == int(first.headers["content-length"])
    rest = await client.get(
        url, headers={**village, "Range": "bytes=10000-", "If-Range": whole.headers["etag"]}
    )
    assert rest.status_code == 206
    assert rest.headers["content-range"] == f"bytes 10000-{size - 1}/{size}"
    assert first.content + rest.content == whole.content
    tail = await client.get(url, headers={**village, "Range": "bytes=-100"})
    assert tail.status_code == 206
    assert tail.content == whole.content[-100:]
    clamped = await client.get(url, headers={**village, "Range": f"bytes={size - 5}-{size + 500}"})
    assert clamped.status_code == 206
    assert clamped.content == whole.content[-5:]
    cached = await client.get(url, headers={**village, "If-None-Match": whole.headers["etag"]})
    assert cached.status_code == 304
    assert cached.content == b""
    head = await client.head(url, headers={**village, "Range": "bytes=0-99"})
    assert head.status_code == 206
    assert head.headers["content-length"] == "100"


async def test_bad_ranges_get_the_right_answer_never_a_500(
    client: httpx.AsyncClient, on_air: dict[str, Any]
) -> None:
    village = await sign_in(client, "village_01")
    url = f"{VILLAGE_API}/{on_air['id']}/audio"
    size = on_air["audio"]["size"]
    for past_end in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=-0"):
        refused = await client.get(url, headers={**village, "Range": past_end})
        assert refused.status_code == 416, past_end
        assert refused.headers["content-range"] == f"bytes */{size}"
        assert refused.json()["error"]["code"] == "range_not_satisfiable"
    # Malformed, other units, reversed, several ranges, huge numbers: the whole file.
    for ignored in (
        "bytes=abc-def",
        "bytes=",
        "bytes=-",
        "items=0-10",
        "bytes=20-10",
        "bytes=0-10,20-30",
        "bytes=0-1, -5",
        "bytes=99999999999999999999999-",
        "bytes 0-10",
        "\u00e9\u00e9=1-2".encode(),
    ):
        answer = await client.get(url, headers={**village, "Range": ignored})
        assert answer.status_code == 200, (ignored, answer.status_code)
        assert len(answer.content) == size
    # The file changed since the first part (another ETag): the whole new file.
    stale = await client.get(url, headers={**village, "Range": "bytes=10-", "If-Range": '"old"'})
    assert stale.status_code == 200
    assert len(stale.content) == size


async def test_a_download_counts_once_the_last_byte_has_been_fetched(
    client: httpx.AsyncClient, on_air: dict[str, Any]
) -> None:
    staff = await _village_staff(client, "banqiaoji-03")
    admin = await sign_in(client, "admin")
    url = f"{VILLAGE_API}/{on_air['id']}/audio"

    async def downloaded() -> str | None:
        view = (await client.get(f"{ADMIN_API}/{on_air['id']}/coverage", headers=admin)).json()
        village = next(
            v for t in view["towns"] for v in t["villages"] if v["code"] == "banqiaoji-03"
        )
        return village["downloaded_at"]

    await client.get(url, headers={**staff, "Range": "bytes=0-99"})
    assert await downloaded() is None
    await client.get(url, headers={**staff, "Range": "bytes=100-"})
    assert await downloaded() is not None
    listed = (await client.get(VILLAGE_API, headers=staff)).json()
    assert next(i for i in listed["items"] if i["id"] == on_air["id"])["downloaded"] is True


async def test_each_slot_is_confirmed_once_even_when_sent_at_once(
    client: httpx.AsyncClient, on_air: dict[str, Any]
) -> None:
    staff = await _village_staff(client, "banqiaoji-02")
    url = f"{VILLAGE_API}/{on_air['id']}/plays"
    # Yesterday's 18:00 slot, played two minutes late (a date the script is valid on).
    yesterday = today() - timedelta(days=1)
    played_at = (slot_moment(yesterday, "18:00") + timedelta(minutes=2)).isoformat()
    answers = await asyncio.gather(
        *(
            client.post(url, json={"slot": "18:00", "played_at": played_at}, headers=staff)
            for _ in range(6)
        )
    )
    assert sorted(a.status_code for a in answers) == [200] * 5 + [201]
    counted = [a.json() for a in answers if a.json()["counted"]]
    assert len(counted) == 1
    assert counted[0]["play"] == {
        "day": yesterday.isoformat(),
        "slot": "18:00",
        "played_at": counted[0]["play"]["played_at"],
    }
    assert {a.json()["play"]["played_at"] for a in answers} == {counted[0]["play"]["played_at"]}
    # "7:00"-style slots and other time zones are understood.
    moment = slot_moment(yesterday, "06:00").astimezone(UTC)
    first = await client.post(
        url, json={"slot": "6:00", "played_at": moment.isoformat()}, headers=staff
    )
    assert first.status_code == 201
    assert first.json()["play"]["slot"] == "06:00"


async def test_bad_play_confirmations_get_field_errors(
    client: httpx.AsyncClient, on_air: dict[str, Any]
) -> None:
    village = await sign_in(client, "village_01")
    url = f"{VILLAGE_API}/{on_air['id']}/plays"
    assert (
        "slot"
        in assert_error(await client.post(url, json={"slot": "09:00"}, headers=village), 422)[
            "fields"
        ]
    )
    assert (
        "slot"
        in assert_error(await client.post(url, json={"slot": "25:00"}, headers=village), 422)[
            "fields"
        ]
    )
    long_ago = (now() - timedelta(days=30)).isoformat()
    error = assert_error(
        await client.post(url, json={"slot": "06:00", "played_at": long_ago}, headers=village), 422
    )
    assert "有效期" in error["fields"]["played_at"]
    future = (now() + timedelta(hours=3)).isoformat()
    error = assert_error(
        await client.post(url, json={"slot": "06:00", "played_at": future}, headers=village), 422
    )
    assert "played_at" in error["fields"]
    naive = f"{local_date(now())}T06:00:00"
    assert (
        "played_at"
        in assert_error(
            await client.post(url, json={"slot": "06:00", "played_at": naive}, headers=village), 422
        )["fields"]
    )
    assert_error(await client.post(url, content=b"{", headers=village), 400, "malformed_json")
    assert_error(
        await client.post(f"{VILLAGE_API}/99999999/plays", json={"slot": "06:00"}, headers=village),
        404,
    )
    assert_error(
        await client.post(f"{VILLAGE_API}/99999999999999999999/plays", json={}, headers=village),
        404,
    )
