"""The demo county's questions, routing rules, word lists and opinion calls (data files under
data/). Dates are relative to the day of seeding, so there are always overdue questions, an
open call and a closed one. Seeding twice changes nothing."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from gateway.auth.models import Resident
from gateway.clock import SHANGHAI, local_date, now
from gateway.config import get_settings
from gateway.workdays import workdays_between
from matrix.service import Actor
from mini_program.catalogue import service as catalogue
from mini_program.consultations import words
from mini_program.consultations.models import (
    Channel,
    Consultation,
    DomainSetting,
    Kind,
    Rating,
    RoutingRule,
    Status,
    WordEntry,
    WordList,
)
from mini_program.consultations.opinions.models import (
    Adoption,
    CommentState,
    OpinionAttachment,
    OpinionCall,
    OpinionComment,
)
from mini_program.consultations.service import intake, publish, queue
from mini_program.consultations.service.common import forget_names

DATA = Path(__file__).resolve().parent / "data"
DEMO = DATA / "demo"
SEEDED = "demo_seeded"
DEMO_RESIDENT = "o_demo_resident"
SYSTEM = Actor(id=None, name="demo")
# Who answers in the demo: the demo department login where there is one.
ANSWERERS = {"jyj": "dept_edu"}
WORD_FILES = {
    WordList.DICTIONARY: "county_dict.txt",
    WordList.STOPWORD: "stopwords.txt",
    WordList.SENSITIVE: "sensitive.txt",
}


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


async def _seed_words() -> int:
    added = 0
    for kind, name in WORD_FILES.items():
        if await WordEntry.exists(kind=kind):
            continue  # the county edited this list: leave it
        wanted, _ = words.parse_words("\n".join(_lines(name)))
        added += len((await words.replace_words(kind, wanted))["added"])
    return added


async def _domain_ids() -> dict[str, int]:
    return {str(d["code"]): int(d["id"]) for d in await catalogue.list_domains()}


async def _seed_routing(domain_ids: dict[str, int]) -> int:
    routing = json.loads((DEMO / "routing.json").read_text("utf-8"))
    made = 0
    for code, department in routing.items():
        domain_id = domain_ids.get(code)
        if domain_id is None or await RoutingRule.exists(domain_id=domain_id):
            continue
        await RoutingRule.create(domain_id=domain_id, department_code=department, updated_by="demo")
        made += 1
    return made


def _received(days_ago: int, index: int) -> datetime:
    today = local_date(now())
    day = today - timedelta(days=days_ago)
    moment = datetime(
        day.year, day.month, day.day, 9 + index % 8, (index * 7) % 60, tzinfo=SHANGHAI
    )
    return min(moment, now() - timedelta(minutes=5))


async def _seed_question(
    spec: dict[str, Any], index: int, resident: Resident, ids: dict[str, int]
) -> Consultation:
    channel = Channel(spec["channel"])
    received = _received(int(spec["days_ago"]), index)
    row = await intake.create_consultation(
        channel=channel,
        kind=Kind(spec["kind"]),
        domain_id=ids.get(spec["domain"]) if spec.get("domain") else None,
        text=spec["text"],
        received_at=received,
        phone=spec.get("phone"),
        contact_name=spec.get("contact_name", ""),
        private=bool(spec.get("private")),
        resident_id=resident.id if channel == Channel.MINI_PROGRAM else None,
        client_key=f"demo-{spec['key']}" if channel == Channel.MINI_PROGRAM else None,
        account_code=spec.get("account"),
        recorded_by="editor" if channel != Channel.MINI_PROGRAM else None,
    )
    if spec["state"] != Status.ANSWERED.value:
        return row
    answered = min(received + timedelta(days=int(spec["answer_days"]), hours=2), now())
    await Consultation.filter(id=row.id).update(
        status=Status.ANSWERED,
        answer_text=spec["answer"],
        answered_at=answered,
        answered_by=ANSWERERS.get(row.department_code or "", f"{row.department_code}_staff"),
        answer_workdays=workdays_between(received, answered),
        on_time=local_date(answered) <= row.due_date,
        rating=Rating(spec["rating"]) if spec.get("rating") else None,
        rating_comment=spec.get("rating_comment") or None,
        rated_at=answered + timedelta(hours=5) if spec.get("rating") else None,
    )
    await row.refresh_from_db()
    return row


async def _seed_questions(ids: dict[str, int]) -> int:
    specs = json.loads((DEMO / "consultations.json").read_text("utf-8"))
    resident, _ = await Resident.get_or_create(
        openid=DEMO_RESIDENT, defaults={"nickname": "演示居民"}
    )
    answered = []
    for index, spec in enumerate(specs):
        row = await _seed_question(spec, index, resident, ids)
        if row.status == Status.ANSWERED:
            answered.append(row)
            if spec.get("publish") and not row.private:
                await publish.publish(
                    actor=SYSTEM, consultation_id=row.id, question=None, answer=None
                )
    await queue.index_answered(answered)
    return len(specs)


async def _seed_calls() -> int:
    specs = json.loads((DEMO / "opinion_calls.json").read_text("utf-8"))
    resident, _ = await Resident.get_or_create(
        openid=DEMO_RESIDENT, defaults={"nickname": "演示居民"}
    )
    today = local_date(now())
    sensitive = await words.list_words(WordList.SENSITIVE)
    for spec in specs:
        opens = today - timedelta(days=int(spec["opens_days_ago"]))
        closes = (
            today + timedelta(days=int(spec["closes_in_days"]))
            if "closes_in_days" in spec
            else today - timedelta(days=int(spec["closes_days_ago"]))
        )
        call = await OpinionCall.create(
            title=spec["title"],
            summary=spec["summary"],
            body=spec["body"],
            department_code=spec["department"],
            opens_on=opens,
            closes_on=closes,
            published=True,
            created_by="editor",
        )
        for name in spec.get("attachments", []):
            relative = f"opinions/{call.id}/demo/{name}"
            target = get_settings().media_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(DEMO / "attachments" / name, target)
            await OpinionAttachment.create(
                call_id=call.id,
                filename=name,
                path=relative,
                content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                size=target.stat().st_size,
            )
        for i, c in enumerate(spec["comments"]):
            state = CommentState(c["state"])
            await OpinionComment.create(
                call_id=call.id,
                resident_id=resident.id,
                client_key=f"demo-{spec['key']}-{i}",
                text=c["text"],
                state=state,
                flagged=",".join(words.sensitive_hits(c["text"], sensitive)),
                moderated_by="editor" if state != CommentState.PENDING else None,
                moderated_at=now() if state != CommentState.PENDING else None,
                adoption=Adoption(c["adoption"]) if c.get("adoption") else None,
                adoption_reason=c.get("reason"),
            )
        if spec.get("adoption_summary"):
            await OpinionCall.filter(id=call.id).update(
                adoption_summary=spec["adoption_summary"],
                summary_published_at=now(),
                summary_published_by="editor",
            )
    return len(specs)


async def seed(*, progress: Any = None) -> str:
    """Word lists, routing rules, questions in every state and channel, two opinion calls."""
    forget_names()
    added_words = await _seed_words()
    ids = await _domain_ids()
    rules = await _seed_routing(ids)
    if await DomainSetting.exists(key=SEEDED):
        return f"consultations: already loaded ({rules} routing rules, {added_words} words added)"
    async with in_transaction():
        await DomainSetting.create(key=SEEDED, value=1)
        questions = await _seed_questions(ids)
        calls = await _seed_calls()
    return (
        f"consultations: {questions} questions, {rules} routing rules, {calls} opinion calls, "
        f"{added_words} words"
    )
