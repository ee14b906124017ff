"""The applicant's subscribe messages (received, correction requested, answered, closed).

HOOK, NOT YET CONNECTED: subscribe messages are sent by `mini_program/notify/`, which another
engineer is building on branch `shared`; it had not landed when this domain was written. Every
step that should reach the applicant calls `applicant_notice` after its transaction commits;
connect it to notify's service here (and nowhere else) once that API exists. Until then the
applicant sees every step in 我的申请 and at the hall terminal, and this logs what it would send.
"""

from __future__ import annotations

import logging
from typing import Literal

from mini_program.applications.models import Application

log = logging.getLogger("govmatrix.applications.notify")

Notice = Literal["received", "correction_requested", "extended", "answered", "closed"]


async def applicant_notice(app: Application, notice: Notice) -> None:
    """Tell the applicant about a step (only mini-program applicants can receive messages)."""
    if app.resident_id is None:
        return
    log.info(
        "applicant notice %s for application %s (not sent: notify not connected)", notice, app.id
    )
