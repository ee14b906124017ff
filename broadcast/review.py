"""Scripts attach the shared multi-level review (gateway.review), 2 levels by default.

The review owns who signed what; a script goes on the air when exactly its current version
and content have passed every level. What a review approves is defined here; the routes and
the reaction to a signature live in `review_routes.py` (they need the scripts' service, which
needs this module).
"""

from __future__ import annotations

from typing import Any

from broadcast.models import Script
from gateway.review import Reviewable, content_hash, register_kind

KIND = "broadcast"
LEVELS = ("初审", "终审")
WRITE, REVIEW, READ = "broadcast.write", "broadcast.review", "broadcast.read"

register_kind(KIND, label="广播稿", levels=LEVELS)


def reviewed_fields(script: Script) -> dict[str, Any]:
    """What a review approves: everything that decides what villages hear, and when."""
    return {
        "title": script.title,
        "spoken_text": script.spoken_text,
        "targets": script.targets,
        "chime": script.chime,
        "repeats": script.repeats,
        "rate": script.rate,
        "play_times": list(script.play_times),
        "valid_from": script.valid_from.isoformat(),
        "valid_until": script.valid_until.isoformat(),
    }


def reviewable(script: Script) -> Reviewable:
    fields = reviewed_fields(script)
    return Reviewable(
        kind=KIND,
        object_id=script.id,
        version=script.version,
        content_hash=content_hash(fields),
        author_id=script.created_by,
        snapshot=fields,
    )
