"""What a village sees and reports: its valid scripts, downloads, confirmed plays.

A village's staff see only approved scripts meant for their village and valid today; any
other script is "not found" to them (never "forbidden": that would say it exists).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from broadcast.models import Audio, AudioState, Download, Play, Script, ScriptState, ScriptVillage
from broadcast.service import org
from broadcast.service.audio import remake, stored_file
from gateway.clock import SHANGHAI, local_date, now, to_iso
from gateway.errors import Invalid, NotFound

# A play may be confirmed from a little before its slot (the loudspeaker's clock) onwards,
# and not from the future beyond a phone clock's drift.
EARLY_PLAY = timedelta(minutes=60)
CLOCK_DRIFT = timedelta(minutes=10)


def slot_moment(day: date, slot: str) -> datetime:
    hour, minute = (int(part) for part in slot.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


async def village_of(code: str) -> dict[str, str]:
    """A village by code with its town, or NotFound."""
    county = await org.county()
    town = county.town_of.get(code)
    if town is None:
        raise NotFound("没有这个村", code="village_not_found")
    return {
        "code": code,
        "name": county.names[code],
        "town_code": town,
        "town_name": county.names[town],
    }


def _visible(village_code: str, today: date) -> Any:
    return Script.filter(
        state=ScriptState.APPROVED,
        valid_from__lte=today,
        valid_until__gte=today,
        villages__village_code=village_code,
    )


async def visible_script(*, script_id: int, village_code: str, today: date | None = None) -> Script:
    """A script this village may see today, or NotFound (for every other script)."""
    today = today or local_date(now())
    script = (
        await _visible(village_code, today).filter(id=script_id).first()
        if 0 < script_id <= 2**31 - 1
        else None
    )
    if script is None:
        raise NotFound("没有这份广播稿", code="script_not_found")
    return script


async def script_audio(script: Script) -> Audio | None:
    """The made audio of an approved script, if it is ready and its file is intact.

    A file gone from disk (a restore without the audio directory, a damaged disk) is made
    again from the stored text; meanwhile the script has no audio to serve.
    """
    audio_id = script.audio_id  # type: ignore[attr-defined]
    audio = await Audio.get_or_none(id=audio_id) if audio_id else None
    if audio is None or audio.state != AudioState.READY:
        return None
    if stored_file(audio) is None:
        await remake(audio)
        return None
    return audio


async def list_for_village(
    *, village_code: str, audio_url: str, today: date | None = None
) -> dict[str, Any]:
    """The village's valid scripts with play times, audio, download state and today's plays."""
    today = today or local_date(now())
    village = await village_of(village_code)
    scripts = await _visible(village_code, today).order_by("valid_until", "id")
    ids = [s.id for s in scripts]
    audios = {
        a.id: a
        for a in await Audio.filter(
            id__in=[s.audio_id for s in scripts if s.audio_id],  # type: ignore[attr-defined]
            state=AudioState.READY,
        )
    }
    downloaded = {
        (d.script_id, d.sha256)  # type: ignore[attr-defined]
        for d in await Download.filter(script_id__in=ids, village_code=village_code)
    }
    plays: dict[int, list[dict[str, str]]] = {}
    for play in await Play.filter(script_id__in=ids, village_code=village_code, day=today):
        plays.setdefault(play.script_id, []).append(play_to_dict(play))  # type: ignore[attr-defined]
    items = []
    for script in scripts:
        audio = audios.get(script.audio_id)  # type: ignore[attr-defined]
        ok = audio is not None and stored_file(audio) is not None
        items.append(
            {
                "id": script.id,
                "title": script.title,
                "spoken_text": script.spoken_text,
                "play_times": list(script.play_times),
                "valid_from": script.valid_from.isoformat(),
                "valid_until": script.valid_until.isoformat(),
                "audio": {
                    "url": audio_url.format(id=script.id),
                    "sha256": audio.sha256,
                    "size": audio.size,
                    "duration_s": audio.duration_s,
                }
                if ok and audio is not None
                else None,
                "downloaded": audio is not None and (script.id, audio.sha256) in downloaded,
                "plays_today": sorted(plays.get(script.id, []), key=lambda p: p["slot"]),
            }
        )
    return {"village": village, "today": today.isoformat(), "items": items}


def stored_path(audio: Audio) -> Path:
    """The file of a made audio, or NotFound when it is gone (a re-make is then queued)."""
    path = stored_file(audio)
    if path is None:
        raise NotFound("音频尚未生成，请稍后再试", code="audio_not_ready")
    return path


def play_to_dict(play: Play) -> dict[str, str]:
    return {
        "day": play.day.isoformat(),
        "slot": play.slot,
        "played_at": to_iso(play.played_at) or "",
    }


async def record_download(
    *, script: Script, village_code: str, sha256: str, staff_id: int | None
) -> bool:
    """Note that a village has the whole file (once per file); True when first recorded."""
    try:
        async with in_transaction():
            await Download.create(
                script_id=script.id,
                village_code=village_code,
                sha256=sha256,
                staff_id=staff_id,
                downloaded_at=now(),
            )
    except IntegrityError:
        return False
    return True


async def confirm_play(
    *, script_id: int, village_code: str, slot: str, played_at: datetime, staff_id: int | None
) -> tuple[Play, bool]:
    """Record that a slot was played; (the play, whether this confirmation counted).

    The same slot confirmed again (a retry on a weak link, a second phone) counts once: the
    unique (script, village, day, slot) row decides, whatever arrives at the same moment.
    """
    script = await visible_script(script_id=script_id, village_code=village_code)
    if slot not in script.play_times:
        times = "、".join(script.play_times)
        raise Invalid(fields={"slot": f"这份广播稿没有 {slot} 的播放时间（可选：{times}）"})
    day = local_date(played_at)
    if not script.valid_from <= day <= script.valid_until:
        raise Invalid(fields={"played_at": "播放日期不在这份广播稿的有效期内"})
    if played_at > now() + CLOCK_DRIFT:
        raise Invalid(fields={"played_at": "播放时间不能晚于现在"})
    if played_at < slot_moment(day, slot) - EARLY_PLAY:
        raise Invalid(fields={"played_at": f"{slot} 的播放不能早于该时间一小时以上"})
    try:
        async with in_transaction():
            play = await Play.create(
                script_id=script.id,
                village_code=village_code,
                day=day,
                slot=slot,
                played_at=played_at,
                staff_id=staff_id,
            )
    except IntegrityError:
        existing = await Play.get(
            script_id=script.id, village_code=village_code, day=day, slot=slot
        )
        return existing, False
    return play, True


async def record_play(
    *, script: Script, village_code: str, day: date, slot: str, played_at: datetime
) -> None:
    """Store a play as reported earlier (demo history, imports); a duplicate is ignored."""
    try:
        async with in_transaction():
            await Play.create(
                script_id=script.id, village_code=village_code, day=day, slot=slot,
                played_at=played_at,
            )  # fmt: skip
    except IntegrityError:
        return


async def village_codes(script: Script) -> list[tuple[str, str]]:
    """(village, town) codes a script is meant for."""
    rows = await ScriptVillage.filter(script_id=script.id).values_list("village_code", "town_code")
    return [(str(v), str(t)) for v, t in rows]
