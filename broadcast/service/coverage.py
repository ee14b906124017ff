"""The county view: per script, each targeted village's downloads and plays, late villages.

A slot (a day at a play time) is due once its time plus GRACE has passed. A village is late
when it has not confirmed a due slot (or has not downloaded the audio by the first slot);
silent when it has confirmed none of the due slots at all.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from broadcast.models import Download, Play, Script, ScriptState
from broadcast.service import org
from broadcast.service.villages import script_audio, slot_moment, village_codes
from gateway.clock import SHANGHAI, local_date, now, to_iso

GRACE = timedelta(minutes=30)
# Columns the console shows per village (the export has every slot).
SHOWN_SLOTS = 21


@dataclass(frozen=True)
class Slot:
    day: date
    time: str

    @property
    def key(self) -> str:
        return f"{self.day.isoformat()} {self.time}"

    @property
    def label(self) -> str:
        return f"{self.day.month}月{self.day.day}日 {self.time}"


def slots_of(script: Script, *, until: date | None = None) -> list[Slot]:
    """Every slot of a script from its first day to its last (or `until`)."""
    last = min(script.valid_until, until) if until else script.valid_until
    out: list[Slot] = []
    day = script.valid_from
    while day <= last:
        out.extend(Slot(day, t) for t in script.play_times)
        day += timedelta(days=1)
    return out


def due(slot: Slot, at: datetime) -> bool:
    return slot_moment(slot.day, slot.time) + GRACE <= at


async def coverage(script: Script, *, at: datetime | None = None) -> dict[str, Any]:
    """Towns → villages with download time, plays per slot, late and silent flags."""
    at = at or now()
    today = local_date(at)
    slots = slots_of(script, until=today)
    due_slots = [s for s in slots if due(s, at)]
    names = await org.names()
    audio = await script_audio(script)
    downloads = {
        d.village_code: d.downloaded_at
        for d in await Download.filter(script_id=script.id).order_by("downloaded_at")
        if audio is not None and d.sha256 == audio.sha256
    }
    plays: dict[str, dict[str, datetime]] = {}
    for play in await Play.filter(script_id=script.id):
        plays.setdefault(play.village_code, {})[f"{play.day.isoformat()} {play.slot}"] = (
            play.played_at
        )
    towns: dict[str, dict[str, Any]] = {}
    late_count = silent_count = 0
    for village, town in await village_codes(script):
        played = plays.get(village, {})
        missing = [s for s in due_slots if s.key not in played]
        # No download and no play by the first due slot: the village has nothing to play.
        undownloaded = bool(due_slots) and village not in downloads and not played
        late = bool(missing) or undownloaded
        silent = bool(due_slots) and not any(s.key in played for s in due_slots)
        late_count += late
        silent_count += silent
        entry = towns.setdefault(
            town, {"code": town, "name": names.get(town, town), "villages": [], "played": 0}
        )
        entry["villages"].append(
            {
                "code": village,
                "name": names.get(village, village),
                "downloaded_at": to_iso(downloads.get(village)),
                "plays": {s.key: to_iso(played.get(s.key)) for s in slots},
                "late": late,
                "silent": silent,
            }
        )
        entry["played"] += not missing and bool(due_slots)
    total = sum(len(t["villages"]) for t in towns.values())
    return {
        "script_id": script.id,
        "total": total,
        "downloaded": sum(1 for t in towns.values() for v in t["villages"] if v["downloaded_at"]),
        "late": late_count,
        "silent": silent_count,
        "slots": [
            {
                "key": s.key,
                "day": s.day.isoformat(),
                "slot": s.time,
                "label": s.label,
                "due": due(s, at),
                "played": sum(1 for p in plays.values() if s.key in p),
                "total": total,
            }
            for s in slots
        ],
        "towns": [{**t, "total": len(t["villages"])} for t in towns.values()],
    }


async def silent_scripts(*, at: datetime | None = None) -> list[tuple[Script, int]]:
    """Scripts on the air today with villages that have played none of their due slots."""
    at = at or now()
    today = local_date(at)
    found = []
    scripts = await Script.filter(
        state=ScriptState.APPROVED, valid_from__lte=today, valid_until__gte=today - timedelta(1)
    ).order_by("-id")
    for script in scripts:
        if not any(due(s, at) for s in slots_of(script, until=today)):
            continue
        view = await coverage(script, at=at)
        if view["silent"]:
            found.append((script, view["silent"]))
    return found


def export_workbook(script: Script, view: dict[str, Any]) -> bytes:
    """The county view as an Excel workbook: one row per village, one column per slot."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "播放情况"
    sheet.append([f"广播稿：{script.title}（{script.valid_from} 至 {script.valid_until}）"])
    sheet.append([])
    slots = [s for s in view["slots"] if s["due"]] or view["slots"]
    header = ["乡镇", "村", "下载时间", *[s["label"] for s in slots], "未按时播放"]
    sheet.append(header)
    bold = Font(bold=True)
    for cell in sheet[3]:
        cell.font = bold
    late_fill = PatternFill("solid", fgColor="FDE2E1")
    for town in view["towns"]:
        for village in town["villages"]:
            row = [
                town["name"],
                village["name"],
                _excel_time(village["downloaded_at"]) or "未下载",
                *[_excel_time(village["plays"].get(s["key"])) or "未播放" for s in slots],
                "是" if village["late"] else "",
            ]
            sheet.append(row)
            if village["late"]:
                for cell in sheet[sheet.max_row]:
                    cell.fill = late_fill
    sheet.append([])
    sheet.append(["合计", f"{view['total']} 个村", f"已下载 {view['downloaded']}",
                  *[f"{s['played']}/{s['total']}" for s in slots],
                  f"{view['late']} 个村"])  # fmt: skip
    sheet.freeze_panes = "C4"
    for column, width in zip("ABC", (14, 14, 18), strict=True):
        sheet.column_dimensions[column].width = width
    for cell in sheet[3]:
        cell.alignment = Alignment(wrap_text=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _excel_time(value: str | None) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(SHANGHAI).strftime("%m-%d %H:%M")
