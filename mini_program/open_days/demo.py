"""Demo open days: one upcoming with registrations, one not yet open, one past with attendance.

Dates are relative to the day the demo is loaded, so the demo always has something to show.
Residents are demo accounts; phones are made-up numbers, encrypted like real ones.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from gateway import crypto
from gateway.auth.models import Resident
from gateway.clock import SHANGHAI, local_date, now
from mini_program.open_days import tickets
from mini_program.open_days.models import OpenDay, Registration, RegStatus

DATA = Path(__file__).resolve().parent / "data" / "open_days.json"


def _at(days: int, clock: str = "09:00") -> datetime:
    hour, minute = (int(x) for x in clock.split(":"))
    day = local_date(now()) + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), SHANGHAI)


async def _residents(count: int) -> list[int]:
    ids = []
    for n in range(1, count + 1):
        resident, _ = await Resident.get_or_create(
            openid=f"o_demo_openday_{n:03d}", defaults={"nickname": f"演示居民{n}"}
        )
        ids.append(resident.id)
    return ids


async def seed(*, progress: Any = None) -> str:
    """Load the demo open days (idempotent: an event already there is left alone)."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    rng = random.Random(20260101)
    surnames, given = data["surnames"], data["given"]
    most = max(e["registrants"] + e["waitlist"] for e in data["events"])
    residents = await _residents(most)
    created = 0
    for spec in data["events"]:
        if await OpenDay.exists(title=spec["title"]):
            continue
        starts = _at(spec["starts_in_days"], spec["time"])
        event = await OpenDay.create(
            title=spec["title"],
            department_code=spec["department"],
            starts_at=starts,
            place=spec["place"],
            capacity=spec["capacity"],
            registration_opens=_at(spec["opens_in_days"]),
            registration_closes=_at(spec["closes_in_days"], "18:00"),
            description=spec["description"],
            created_by="demo",
        )
        created += 1
        taken = 0
        rows = []
        for index in range(spec["registrants"] + spec["waitlist"]):
            companions = rng.choice([0, 0, 0, 1, 1, 2])
            confirmed = index < spec["registrants"] and taken + 1 + companions <= event.capacity
            if confirmed:
                taken += 1 + companions
            starts - timedelta(days=rng.randint(3, 12), minutes=rng.randint(0, 600))
            present = confirmed and index < spec["checked_in"]
            rows.append(
                Registration(
                    open_day_id=event.id,
                    resident_id=residents[index],
                    name=rng.choice(surnames) + rng.choice(given),
                    phone_encrypted=crypto.encrypt(
                        f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}"
                    ),
                    companions=companions,
                    places=1 + companions,
                    status=RegStatus.CONFIRMED if confirmed else RegStatus.WAITLISTED,
                    waitlist_no=None if confirmed else index - spec["registrants"] + 1,
                    token=tickets.new_token(),
                    active_key=f"{event.id}:{residents[index]}",
                    checked_in_at=starts - timedelta(minutes=rng.randint(0, 40))
                    if present
                    else None,
                    checked_in_by="demo" if present else "",
                    reminded_at=starts - timedelta(days=1) if starts < now() else None,
                )
            )
        await Registration.bulk_create(rows)
        waitlisted = sum(1 for r in rows if r.status == RegStatus.WAITLISTED)
        await OpenDay.filter(id=event.id).update(taken=taken, waitlist_seq=waitlisted)
    return f"open days: {created} demo events"
