"""Scripts attach the shared multi-level review (gateway.review), 2 levels by default.

The review owns who signed what; a script goes on the air when exactly its current version
and content have passed every level. The review mechanism has no hook of its own, so the
script reacts right after a signature is answered (`react` on the blueprints that carry the
review routes), and the periodic job `broadcast.sync_reviews` catches any approval whose
reaction was lost (a process that died between the two).
"""

from __future__ import annotations

import logging
from typing import Any

from sanic import Request
from sanic.response import BaseHTTPResponse

from broadcast.models import Script
from gateway.auth.models import StaffUser
from gateway.errors import ApiError
from gateway.review import Reviewable, ReviewRoutes, content_hash, register_kind

log = logging.getLogger("govmatrix.broadcast.review")

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


async def load_for_review(script_id: int, staff: StaffUser) -> Reviewable:
    from broadcast.service.scripts import get_script

    return reviewable(await get_script(script_id=script_id))


# JSON API: POST /api/v1/admin/broadcasts/{id}/submit and .../review, GET .../review.
api_reviews = ReviewRoutes(
    kind=KIND,
    path="/<script_id:int>",
    load=load_for_review,
    submit_permission=WRITE,
    review_permission=REVIEW,
    read_permission=READ,
    tag="broadcast",
)
# Console forms behind the review panel on /console/broadcasts/{id}.
console_reviews = ReviewRoutes(
    kind=KIND,
    path="/broadcasts/<script_id:int>",
    load=load_for_review,
    submit_permission=WRITE,
    review_permission=REVIEW,
    read_permission=READ,
)

_SIGN_ROUTES = (f"{KIND}_review_sign", f"{KIND}_review_console_sign")


async def react(request: Request, response: BaseHTTPResponse) -> None:
    """After a signature: a fully approved script goes on the air (its audio is queued)."""
    route = request.route
    if route is None or not route.name.endswith(_SIGN_ROUTES) or response.status >= 400:
        return
    from broadcast.service.scripts import sync_review

    script_id = request.match_info.get("script_id")
    if not isinstance(script_id, int):
        return
    try:
        if await sync_review(script_id=script_id) and request.headers.get("HX-Request"):
            # The page around the review panel shows the state and audio: reload it.
            response.headers["HX-Refresh"] = "true"
    except ApiError as exc:  # edited meanwhile: the review restarts, nothing goes on the air
        log.info("script %s not put on the air after review: %s", script_id, exc.message)
