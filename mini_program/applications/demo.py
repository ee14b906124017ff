"""Demo applications for `govmatrix seed-demo` (idempotent, by receipt number).

`demo/history.csv`: the county's 2025 figures (176 received: 132 online and at the hall
terminal, 44 by letter; 157 answered, all on time; 21 carried into 2026) with the two carried
in from 2024, and 2026 until October, so the annual report for 2025 and 2026 shows real
tables. `demo/current.json`: a dozen cases in every state (awaiting receipt, received,
awaiting correction, consulting a third party, extended, overdue, answered with each result,
closed for no correction), some filed by the demo resident (openid o_demo_resident) so the
mini-program's 我的申请 shows them, with their letters. `demo/reviews.csv`: table 四's cases.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from gateway import crypto
from gateway.auth.models import Resident
from gateway.clock import SHANGHAI
from mini_program.applications.deadline import EventKind, compute
from mini_program.applications.models import (
    Application,
    ApplicationEvent,
    ReceiptCounter,
    ReviewCase,
)
from mini_program.applications.service.common import (
    SYSTEM,
    apply_calculation,
    calendar,
    engine_events_of,
    keyed_hash,
)
from mini_program.applications.service.documents import issue_letter
from mini_program.applications.service.filing import mask_id, mask_phone

DATA = Path(__file__).resolve().parent / "demo"
DEMO_OPENID = "o_demo_resident"
LETTER_EVENTS = (
    EventKind.CORRECTION_REQUESTED,
    EventKind.EXTENDED,
    EventKind.ANSWERED,
    EventKind.CLOSED,
)


def _csv(name: str) -> list[dict[str, str]]:
    text = (DATA / name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _history_events(row: dict[str, str]) -> list[tuple[str, date, dict[str, Any]]]:
    """A history row's dated steps, in order."""
    d = date.fromisoformat
    events: list[tuple[str, date, dict[str, Any]]] = [
        ("submitted", d(row["submitted_on"]), {"channel": row["channel"]}),
        ("received", d(row["received_on"]), {"channel": row["channel"]}),
    ]
    if row["correction_on"]:
        missing = "请写明所需信息的名称、文号或涉及的具体项目"
        events.append(
            ("correction_requested", d(row["correction_on"]), {"missing": missing, "period": 15})
        )
    if row["corrected_on"]:
        events.append(("corrected", d(row["corrected_on"]), {}))
    if row["third_party_on"]:
        events.append(("third_party", d(row["third_party_on"]), {"party": row["third_party"]}))
        events.append(("third_party_reply", d(row["third_party_reply_on"]), {}))
    if row["extended_on"]:
        events.append(("extended", d(row["extended_on"]), {"reason": row["extend_reason"]}))
    reasons = [r for r in row["reasons"].split(";") if r]
    outcome = {"result": row["result"], "reasons": reasons}
    kind = "closed" if row["closed"] else "answered"
    events.append((kind, d(row["answered_on"]), outcome))
    return events


def _person(row: dict[str, Any]) -> dict[str, Any]:
    number = row.get("id_number") or None
    id_type = (row.get("id_type") or "resident_id") if number else None
    return {
        "applicant_type": row["applicant_type"],
        "org_kind": row.get("org_kind") or None,
        "name": row["name"],
        "credit_code": row.get("credit_code") or None,
        "id_type": id_type,
        "id_number_encrypted": crypto.encrypt(number) if number else None,
        "id_masked": mask_id(number),
        "id_hash": keyed_hash(f"id:{id_type}:{number}") if number else None,
        "phone_encrypted": crypto.encrypt(row["phone"]),
        "phone_masked": mask_phone(row["phone"]),
        "address_encrypted": crypto.encrypt(row["address"]),
        "description": row["description"],
        "purpose": row.get("purpose") or "",
        "format": row.get("format") or "electronic",
        "delivery": row.get("delivery") or "electronic",
        "department_code": row["department"],
    }


async def _store(
    receipt_no: str,
    fields: dict[str, Any],
    events: list[tuple[str, date, dict[str, Any]]],
    *,
    letters: bool,
) -> None:
    cal = calendar()
    engine = engine_events_of(events)
    calc = compute(engine, cal)
    app = Application(receipt_no=receipt_no, **fields)
    apply_calculation(app, engine, calc, cal.fingerprint)
    final = events[-1]
    if final[0] in ("answered", "closed"):
        app.result = final[2].get("result")
        app.reasons = final[2].get("reasons") or []
        app.explanation = final[2].get("explanation", "")
    await app.save()
    await ApplicationEvent.bulk_create(
        [
            ApplicationEvent(application=app, kind=kind, on=on, detail=detail, actor_name="demo")
            for kind, on, detail in events
        ]
    )
    if letters:
        for kind, on, detail in events:
            if EventKind(kind) in LETTER_EVENTS:
                upto = [e for e in engine if e.on <= on]
                await issue_letter(
                    app,
                    compute(upto, cal),
                    kind=EventKind(kind),
                    on=on,
                    detail=detail,
                    events=upto,
                    actor=SYSTEM,
                )


async def seed(*, progress: Any = None) -> str:
    """Load the demo applications that are missing (a second run changes nothing)."""
    resident, _ = await Resident.get_or_create(
        openid=DEMO_OPENID, defaults={"nickname": "演示居民"}
    )
    existing = set(await Application.all().values_list("receipt_no", flat=True))
    history = [r for r in _csv("history.csv") if r["receipt_no"] not in existing]
    current = [
        item
        for item in json.loads((DATA / "current.json").read_text("utf-8"))["applications"]
        if item["receipt_no"] not in existing
    ]
    rows = progress(history, desc="依申请公开历史数据", total=len(history)) if progress else history
    async with in_transaction():
        for row in rows:
            submitted = date.fromisoformat(row["submitted_on"])
            fields = {
                **_person(row),
                "channel": row["channel"],
                "submitted_on": submitted,
                "submitted_at": datetime.combine(submitted, time(9, 30), SHANGHAI),
            }
            await _store(row["receipt_no"], fields, _history_events(row), letters=False)
        for item in current:
            submitted_at = datetime.fromisoformat(item["submitted_at"])
            submitted = submitted_at.astimezone(SHANGHAI).date()
            fields = {
                **_person(item),
                "channel": item["channel"],
                "submitted_on": submitted,
                "submitted_at": submitted_at,
                "resident_id": resident.id if item.get("resident") else None,
            }
            events = [("submitted", submitted, {"channel": item["channel"]})] + [
                (e["kind"], date.fromisoformat(e["on"]), e.get("detail", {}))
                for e in item["events"]
            ]
            await _store(item["receipt_no"], fields, events, letters=True)
        await _seed_counters()
        reviews = await _seed_reviews()
    return (
        f"依申请公开：{len(history) + len(current)} 件申请、{reviews} 件复议诉讼已载入，"
        f"{len(existing)} 件已存在"
    )


async def _seed_counters() -> None:
    """Receipt counters continue after the demo's numbers (new filings never collide)."""
    highest: dict[int, int] = {}
    for value in await Application.all().values_list("receipt_no", flat=True):
        receipt_no = str(value)
        year, number = int(receipt_no[:4]), int(receipt_no[4:])
        highest[year] = max(highest.get(year, 0), number)
    for year, number in highest.items():
        row, _ = await ReceiptCounter.get_or_create(year=year, defaults={"issued": number})
        if row.issued < number:
            row.issued = number
            await row.save(update_fields=["issued"])


async def _seed_reviews() -> int:
    if await ReviewCase.exists():
        return 0
    rows = _csv("reviews.csv")
    for row in rows:
        await ReviewCase.create(
            year=int(row["year"]),
            department_code=row["department"],
            kind=row["kind"],
            outcome=row["outcome"],
            case_no=row["case_no"],
            receipt_no=row["receipt_no"],
            note=row["note"],
        )
    return len(rows)
