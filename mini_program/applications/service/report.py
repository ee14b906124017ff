"""The annual report's application tables (national format of 2021) from the data, the
reconsiderations and lawsuits staff enter for table 四, and the Excel export.

Counting conventions of the published reports: an application is counted once, in the year
it was received (一); one still open on 1 January is carried in (二) and its result counted in
the year it was given (三); 四 is what is still open on 31 December (so 一 + 二 − 三(七) = 四).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from gateway import audit
from gateway.errors import Invalid, NotFound
from gateway.org import get_department
from gateway.paging import fetch_page
from mini_program.applications.deadline import EventKind
from mini_program.applications.models import Application, ApplicationEvent, ReviewCase
from mini_program.applications.schemas import ReviewCaseIn
from mini_program.applications.service.common import Actor, valid_id
from mini_program.applications.settings import get_app_settings
from mini_program.applications.vocab import (
    CHANNEL_GROUPS,
    CHANNEL_LABELS,
    ORG_KIND_LABELS,
    REASONS,
    REVIEW_KIND_LABELS,
    REVIEW_OUTCOME_LABELS,
    ApplicantType,
    Channel,
    OrgKind,
    Result,
    ReviewKind,
    ReviewOutcome,
    State,
)

COLUMNS: tuple[tuple[str, str], ...] = (
    ("citizen", "自然人"),
    *((str(kind), label) for kind, label in ORG_KIND_LABELS.items()),
    ("total", "总计"),
)
ORG_COLUMNS = tuple(str(k) for k in OrgKind)
CN_NUMBERS = "一二三四五六七八九"


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    group: str = ""  # the merged label on the left (（三）不予公开 ...), for sub-rows
    heading: bool = False  # a label row without figures


def table3_rows() -> list[Row]:
    """The rows of table 三 in the national format's order."""
    rows = [
        Row("new", "一、本年新收政府信息公开申请数量"),
        Row("carried_in", "二、上年结转政府信息公开申请数量"),
        Row("results", "三、本年度办理结果", heading=True),
        Row("disclose", "（一）予以公开"),
        Row("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ]
    groups = (
        (Result.WITHHOLD, "（三）不予公开"),
        (Result.UNAVAILABLE, "（四）无法提供"),
        (Result.NOT_PROCESSED, "（五）不予处理"),
        (Result.OTHER, "（六）其他处理"),
    )
    for result, group in groups:
        for n, reason in enumerate(REASONS[result], start=1):
            rows.append(Row(f"{result}:{reason.code}", f"{n}. {reason.label}", group=group))
    rows += [
        Row("results_total", "（七）总计"),
        Row("carried_out", "四、结转下年度继续办理"),
    ]
    return rows


def _column(applicant_type: str, org_kind: str | None) -> str:
    if applicant_type == ApplicantType.CITIZEN:
        return "citizen"
    return org_kind if org_kind in ORG_COLUMNS else str(OrgKind.OTHER)


def _result_row(result: str | None, reasons: list[str] | None) -> str:
    """The one row an application's result is counted in (its first, principal reason)."""
    kind = Result(result) if result else Result.OTHER
    if kind in (Result.DISCLOSE, Result.PARTIAL):
        return str(kind)
    codes = [r.code for r in REASONS[kind]]
    first = next((c for c in reasons or [] if c in codes), codes[-1])
    return f"{kind}:{first}"


class Tally:
    """Counts per row and column, with the totals column filled in as it goes."""

    def __init__(self) -> None:
        self.cells: dict[str, dict[str, int]] = {}

    def add(self, row: str, column: str) -> None:
        cells = self.cells.setdefault(row, {})
        cells[column] = cells.get(column, 0) + 1
        cells["total"] = cells.get("total", 0) + 1

    def get(self, row: str, column: str) -> int:
        return self.cells.get(row, {}).get(column, 0)

    def row(self, row: str) -> list[int]:
        return [self.get(row, key) for key, _ in COLUMNS]


async def _scope(department: str | None, actor: Actor) -> str | None:
    if actor.department_scope is not None:
        return actor.department_scope
    if department and await get_department(department) is None:
        raise Invalid("查询参数有误", fields={"department": f"没有代码为 {department} 的部门"})
    return department or None


async def annual_report(
    *, year: int, actor: Actor, department: str | None = None
) -> dict[str, Any]:
    """Tables 三 and 四, the channels received through, and the on-time figures for a year."""
    scope = await _scope(department, actor)
    start, end = date(year, 1, 1), date(year, 12, 31)
    query = Application.filter(received_on__lte=end).filter(
        Q(finished_on__isnull=True) | Q(finished_on__gte=start)
    )
    if scope:
        query = query.filter(department_code=scope)
    rows = await query.values_list(
        "id",
        "applicant_type",
        "org_kind",
        "channel",
        "received_on",
        "finished_on",
        "result",
        "reasons",
        "on_time",
        "extended",
        "state",
    )
    table3, channels = Tally(), Tally()
    on_time = late = extended = 0
    new_ids: list[int] = []
    for (
        app_id,
        a_type,
        org_kind,
        channel,
        received,
        finished,
        result,
        reasons,
        in_time,
        was_extended,
        state,
    ) in rows:
        column = _column(a_type, org_kind)
        if received >= start:
            table3.add("new", column)
            channels.add(f"channel:{channel}", column)
            new_ids.append(app_id)
        else:
            table3.add("carried_in", column)
        if finished is not None and start <= finished <= end:
            table3.add(_result_row(result, reasons), column)
            table3.add("results_total", column)
            if state == State.ANSWERED:
                on_time += in_time is True
                late += in_time is False
                extended += bool(was_extended)
        if finished is None or finished > end:
            table3.add("carried_out", column)
    for label, members in CHANNEL_GROUPS:
        group = channels.cells.setdefault(f"group:{label}", {})
        for channel in members:
            for key, value in channels.cells.get(f"channel:{channel}", {}).items():
                group[key] = group.get(key, 0) + value
    events = ApplicationEvent.filter(
        on__gte=start,
        on__lte=end,
        kind__in=[EventKind.CORRECTION_REQUESTED, EventKind.THIRD_PARTY],
    )
    if scope:
        events = events.filter(application__department_code=scope)
    kinds = await events.values_list("kind", flat=True)
    table4 = await review_table(year=year, scope=scope)
    return {
        "year": year,
        "department": scope,
        "columns": [{"key": k, "label": label} for k, label in COLUMNS],
        "table3": [
            {
                "key": r.key,
                "label": r.label,
                "group": r.group,
                "heading": r.heading,
                "values": [] if r.heading else table3.row(r.key),
            }
            for r in table3_rows()
        ],
        "channels": [
            {
                "label": label,
                "values": channels.row(f"group:{label}"),
                "channels": [
                    {"label": CHANNEL_LABELS[c], "values": channels.row(f"channel:{c}")}
                    for c in members
                ],
            }
            for label, members in CHANNEL_GROUPS
        ],
        "table4": table4,
        "figures": {
            "answered": on_time + late,
            "on_time": on_time,
            "late": late,
            "extended": extended,
            "corrections_requested": sum(1 for k in kinds if k == EventKind.CORRECTION_REQUESTED),
            "third_party_consultations": sum(1 for k in kinds if k == EventKind.THIRD_PARTY),
        },
    }


# --- table 四: reconsiderations and lawsuits ------------------------------------------------

OUTCOMES = (
    ReviewOutcome.UPHELD,
    ReviewOutcome.CORRECTED,
    ReviewOutcome.OTHER,
    ReviewOutcome.PENDING,
)


async def review_table(*, year: int, scope: str | None) -> dict[str, Any]:
    query = ReviewCase.filter(year=year)
    if scope:
        query = query.filter(department_code=scope)
    counts: dict[tuple[str, str], int] = {}
    for kind, outcome in await query.values_list("kind", "outcome"):
        counts[(kind, outcome)] = counts.get((kind, outcome), 0) + 1
    groups = []
    for kind in ReviewKind:
        values = [counts.get((str(kind), str(o)), 0) for o in OUTCOMES]
        groups.append(
            {"kind": str(kind), "label": REVIEW_KIND_LABELS[kind], "values": [*values, sum(values)]}
        )
    return {
        "outcomes": [REVIEW_OUTCOME_LABELS[o] for o in OUTCOMES] + ["总计"],
        "groups": groups,
    }


def review_dict(row: ReviewCase) -> dict[str, Any]:
    return {
        "id": row.id,
        "year": row.year,
        "department": row.department_code,
        "kind": str(row.kind),
        "kind_label": REVIEW_KIND_LABELS[ReviewKind(row.kind)],
        "outcome": str(row.outcome),
        "outcome_label": REVIEW_OUTCOME_LABELS[ReviewOutcome(row.outcome)],
        "case_no": row.case_no,
        "receipt_no": row.receipt_no,
        "note": row.note,
    }


async def _reviews(year: int, actor: Actor, department: str | None) -> QuerySet[ReviewCase]:
    scope = await _scope(department, actor)
    query = ReviewCase.filter(year=year)
    if scope:
        query = query.filter(department_code=scope)
    return query.order_by("id")


async def list_reviews(
    *, year: int, actor: Actor, department: str | None = None
) -> list[ReviewCase]:
    """Every reconsideration and lawsuit of a year in scope (the report page shows them all)."""
    rows: list[ReviewCase] = await (await _reviews(year, actor, department))
    return rows


async def page_of_reviews(
    *, year: int, actor: Actor, department: str | None = None, page: int, per_page: int
) -> tuple[list[ReviewCase], int]:
    """One page of a year's reconsiderations and lawsuits in scope, and how many there are."""
    return await fetch_page(await _reviews(year, actor, department), page=page, per_page=per_page)


async def create_review(*, data: ReviewCaseIn, actor: Actor) -> ReviewCase:
    """Enter a reconsideration or lawsuit (audited)."""
    department = actor.department_scope or data.department or get_app_settings().default_department
    if data.department and actor.department_scope and data.department != actor.department_scope:
        raise Invalid(fields={"department": "只能登记本部门的复议、诉讼案件"})
    if await get_department(department) is None:
        raise Invalid(fields={"department": f"没有代码为 {department} 的部门"})
    if data.receipt_no and not await Application.exists(receipt_no=data.receipt_no):
        raise Invalid(fields={"receipt_no": "没有这个申请编号"})
    row = await ReviewCase.create(
        year=data.year,
        department_code=department,
        kind=data.kind,
        outcome=data.outcome,
        case_no=data.case_no.strip(),
        receipt_no=data.receipt_no.strip(),
        note=data.note.strip(),
        entered_by=actor.id,
    )
    await audit.record(
        actor_id=actor.id,
        actor_name=actor.name,
        action="applications.review_create",
        target_type="application_review_case",
        target_id=row.id,
        detail={"year": row.year, "kind": str(row.kind), "outcome": str(row.outcome)},
        ip=actor.ip,
    )
    return row


async def set_review_outcome(*, review_id: int, outcome: ReviewOutcome, actor: Actor) -> ReviewCase:
    """Record how a pending case ended (audited)."""
    query = ReviewCase.filter(id=review_id)
    if actor.department_scope is not None:
        query = query.filter(department_code=actor.department_scope)
    row = await query.first() if valid_id(review_id) else None
    if row is None:
        raise NotFound("没有这个案件", code="review_not_found")
    previous = str(row.outcome)
    row.outcome = outcome
    await row.save(update_fields=["outcome", "updated_at"])
    await audit.record(
        actor_id=actor.id,
        actor_name=actor.name,
        action="applications.review_update",
        target_type="application_review_case",
        target_id=row.id,
        detail={"from": previous, "to": str(outcome)},
        ip=actor.ip,
    )
    return row


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS[Channel(channel)]
