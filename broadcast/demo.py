"""The demo county's loudspeakers: the pronunciation list and scripts in every state.

Data comes from demo/pronunciations.csv and demo/scripts.json; dates are relative to today so
the demo village (village_01) always has a script on the air. Idempotent: entries are found by
term and by title, and a second run changes nothing.
"""

from __future__ import annotations

import csv
import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from broadcast.audio.mix import AudioError
from broadcast.audio.speech import SpeechError
from broadcast.models import Pronunciation, Script
from broadcast.review import reviewable
from broadcast.schemas import ScriptCreate
from broadcast.service import audio as audio_service
from broadcast.service import scripts, villages
from broadcast.service.common import Actor
from gateway import review
from gateway.auth.models import StaffUser
from gateway.clock import local_date, now

log = logging.getLogger("govmatrix.broadcast.demo")

DATA = Path(__file__).parent / "demo"
# The demo staff (gateway.auth.demo) who write and review the demo scripts.
DEMO_STAFF = ("editor", "reviewer", "admin")


async def seed(*, progress: Any = None) -> str:
    """Load the pronunciation list and the demo scripts (with reviews and plays) missing."""
    terms = await _pronunciations()
    staff = {u.username: u for u in await StaffUser.filter(username__in=DEMO_STAFF)}
    created = 0
    for spec in json.loads((DATA / "scripts.json").read_text("utf-8")):
        if await Script.exists(title=spec["title"]):
            continue
        if await _script(spec, staff):
            created += 1
    return f"broadcast: {terms} pronunciations added, {created} scripts created"


async def _pronunciations() -> int:
    added = 0
    with (DATA / "pronunciations.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if await Pronunciation.exists(term=row["term"]):
                continue
            await Pronunciation.create(
                term=row["term"], reading=row["reading"], note=row["note"], updated_by="demo"
            )
            added += 1
    return added


def _actor(user: StaffUser) -> Actor:
    return Actor(id=user.id, name=user.username)


async def _script(spec: dict[str, Any], staff: dict[str, StaffUser]) -> bool:
    from mini_program.catalogue.models import PolicyDocument

    if set(staff) != set(DEMO_STAFF):
        return False  # written by the demo editor, reviewed by the demo reviewer and admin
    today = local_date(now())
    body: dict[str, Any] = {
        "title": spec["title"],
        "targets": spec["targets"],
        "play_times": spec["play_times"],
        "chime": spec.get("chime", True),
        "repeats": spec.get("repeats", 2),
        "rate": spec.get("rate", 200),
        "valid_from": (today + timedelta(days=spec["from_day"])).isoformat(),
        "valid_until": (today + timedelta(days=spec["until_day"])).isoformat(),
    }
    if "document" in spec:
        doc = await PolicyDocument.get_or_none(code=spec["document"])
        if doc is None:
            return False  # the catalogue was not loaded
        body["document_id"] = doc.id
    else:
        body["text"] = spec["text"]
    editor = staff["editor"]
    script = await scripts.create_script(
        data=ScriptCreate.model_validate(body), actor=_actor(editor)
    )
    if spec["state"] == "draft":
        return True
    item = reviewable(script)
    await review.submit(item=item, actor=review.Actor(id=editor.id, name=editor.username))
    if spec["state"] == "approved":
        for username in ("reviewer", "admin"):
            user = staff[username]
            await review.sign(
                item=item,
                actor=review.Actor(id=user.id, name=user.username),
                decision="approve",
                comment="同意播放",
            )
        await scripts.sync_review(script_id=script.id)
        await _on_the_air(await scripts.get_script(script_id=script.id), spec)
    return True


async def _on_the_air(script: Script, spec: dict[str, Any]) -> None:
    audio = await scripts.current_audio(script)
    if audio is None:
        return
    try:
        # Made now, so the demo's downloads can name the file they fetched.
        await audio_service.make(audio_id=audio.id)
    except (SpeechError, AudioError, OSError) as exc:
        log.warning("demo audio not made now (the worker will retry): %s", exc)
        return
    audio = await scripts.current_audio(script)
    today = local_date(now())
    for village in spec.get("downloads", []):
        if audio is not None and audio.sha256:
            await villages.record_download(
                script=script, village_code=village, sha256=audio.sha256, staff_id=None
            )
    for play in spec.get("plays", []):
        day = today + timedelta(days=play["day"])
        at = villages.slot_moment(day, play["slot"]) + timedelta(minutes=play["late_minutes"])
        if at > now():
            continue
        await villages.record_play(
            script=script, village_code=play["village"], day=day, slot=play["slot"], played_at=at
        )
