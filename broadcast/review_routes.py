"""The review routes of scripts and the reaction to a signature.

The review mechanism has no hook of its own, so a script reacts right after a signature is
answered (`react` on the blueprints that carry the review routes), and the periodic job
`broadcast.sync_reviews` catches any approval whose reaction was lost (a process that died
between the two).
"""

from __future__ import annotations

import logging

from sanic import Request
from sanic.response import BaseHTTPResponse

from broadcast.review import KIND, READ, REVIEW, WRITE, reviewable
from broadcast.service.scripts import get_script, sync_review
from gateway.auth.models import StaffUser
from gateway.errors import ApiError
from gateway.review import Reviewable, ReviewRoutes

log = logging.getLogger("govmatrix.broadcast.review")


async def load_for_review(script_id: int, staff: StaffUser) -> Reviewable:
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
    script_id = request.match_info.get("script_id")
    if not isinstance(script_id, int):
        return
    try:
        if await sync_review(script_id=script_id) and request.headers.get("HX-Request"):
            # The page around the review panel shows the state and audio: reload it.
            response.headers["HX-Refresh"] = "true"
    except ApiError as exc:  # edited meanwhile: the review restarts, nothing goes on the air
        log.info("script %s not put on the air after review: %s", script_id, exc.message)
