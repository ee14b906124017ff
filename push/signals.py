"""Reactions to other domains' signals: the matrix stored a platform event (a publish or a
group send finished), so the delivery it concerns can be closed at once."""

from __future__ import annotations

import logging
from typing import Any

from sanic import Blueprint

from push.service import outcomes

log = logging.getLogger("govmatrix.push.signals")

bp = Blueprint("push_signals")


@bp.signal("matrix.platform_event.received")
async def platform_event_received(**context: Any) -> None:
    event_id = context.get("event_id")
    if not isinstance(event_id, int):
        return
    try:
        await outcomes.handle_platform_event(event_id=event_id)
    except Exception:  # the sweep retries unprocessed events; a signal must not crash a request
        log.exception("closing the delivery of platform event %s failed", event_id)
