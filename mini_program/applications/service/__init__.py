"""The applications service: filing, steps, reading, reports and maintenance.

Views, jobs and tests call these functions (keyword-only arguments, never a Request).
"""

from typing import Any

from mini_program.applications.service.common import SYSTEM, Actor
from mini_program.applications.service.documents import upload_attachment
from mini_program.applications.service.filing import create_application
from mini_program.applications.service.maintenance import (
    calendar_status,
    daily_digest,
    recompute_deadlines,
    reminders_for,
    schedule_recompute,
)
from mini_program.applications.service.queries import (
    applicant_detail,
    due_this_week,
    find_by_receipt,
    list_for_resident,
    list_for_staff,
    overdue_board,
    resident_detail,
    reveal_contact,
    staff_detail,
    staff_file,
)
from mini_program.applications.service.report import (
    annual_report,
    create_review,
    list_reviews,
    page_of_reviews,
    review_dict,
    set_review_outcome,
)
from mini_program.applications.service.steps import (
    answer,
    assign,
    close_uncorrected,
    corrected,
    extend,
    receive,
    request_correction,
    third_party,
    third_party_reply,
)


def report_workbook(report: dict[str, Any], *, title: str) -> bytes:
    """The report's tables as an Excel workbook (openpyxl is loaded on first use)."""
    from mini_program.applications.service.workbook import report_workbook as build

    return build(report, title=title)


__all__ = [
    "SYSTEM",
    "Actor",
    "annual_report",
    "answer",
    "applicant_detail",
    "assign",
    "calendar_status",
    "close_uncorrected",
    "corrected",
    "create_application",
    "create_review",
    "daily_digest",
    "due_this_week",
    "extend",
    "find_by_receipt",
    "list_for_resident",
    "list_for_staff",
    "list_reviews",
    "overdue_board",
    "page_of_reviews",
    "receive",
    "recompute_deadlines",
    "reminders_for",
    "report_workbook",
    "request_correction",
    "resident_detail",
    "reveal_contact",
    "review_dict",
    "schedule_recompute",
    "set_review_outcome",
    "staff_detail",
    "staff_file",
    "third_party",
    "third_party_reply",
    "upload_attachment",
]
