"""The applicant's subscribe messages about their application, through `mini_program/notify`.

Each step that changes what the applicant should do or expect sends one `application_status`
message (at most one per application and kind of step): confirmed received with the deadline,
a correction requested with its due date, an extension with the new deadline, the answer, or
the closure for no correction. Called inside the step's transaction, so the message is queued
exactly when the step commits (notify's fan-out job is written in the same transaction). Only
mini-program applicants who granted the template get it; letters and hall-terminal filings
have no resident to notify.
"""

from __future__ import annotations

from typing import Literal

from gateway.clock import now
from mini_program.applications.deadline import Calculation
from mini_program.applications.models import Application
from mini_program.applications.vocab import RESULT_LABELS, Result
from mini_program.notify import service as notify

Notice = Literal["received", "correction_requested", "extended", "answered", "closed"]

# The template's `status` keyword is a phrase of at most five characters.
STATUS: dict[str, str] = {
    "received": "已受理",
    "correction_requested": "需补正",
    "extended": "已延期",
    "answered": "已答复",
    "closed": "已终止",
}


def _note(app: Application, notice: Notice, calc: Calculation) -> str:
    if notice == "received":
        return f"答复期限{calc.deadline.isoformat()}" if calc.deadline else "期限计算中"
    if notice == "correction_requested":
        due = calc.correction_due
        return f"请于{due.isoformat()}前补正" if due else "请尽快补正"
    if notice == "extended":
        return f"延至{calc.deadline.isoformat()}" if calc.deadline else "已延长答复期限"
    if notice == "answered":
        return RESULT_LABELS[Result(app.result)] if app.result else "请查看答复书"
    return "逾期未补正，不再处理"


async def applicant_notice(app: Application, notice: Notice, calc: Calculation) -> None:
    """Queue the applicant's message about this step (nothing for applicants without one)."""
    if app.resident_id is None:
        return
    await notify.notify(
        purpose="application_status",
        object_key=f"application:{app.id}:{notice}",
        resident_ids=[app.resident_id],
        data={
            "title": f"政府信息公开申请{app.receipt_no}",
            "status": STATUS[notice],
            "time": now(),
            "note": _note(app, notice, calc),
        },
        page=f"pages/application/index?id={app.id}",
    )
