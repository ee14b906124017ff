"""`make bench` figure for disclosure applications: stored deadlines recomputed after a
calendar change (an administrator loads next year's holidays), against the issue's limit.

    python -m ops.bench_applications [--count 10000] [--json]

Builds its own database (a fresh SQLite file under var/bench/, or BENCH_DATABASE_URL) with
`count` applications received from October to December 2026 in every state (third-party
pauses, corrections, extensions, answers); many deadlines then reach 2027, whose calendar is
not loaded, so they wait with an error. Loading a 2027 calendar file and running the
recompute job's function over all of them is the figure; the same calculations with the
pure engine alone (no database) are printed beside it. The 2027 file is a stand-in for the
bench (the State Council had not published 2027 when this was written), not real holidays.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ops.bench_kit import ROOT, Bench, part

BENCH_DIR = Path(os.environ.get("BENCH_DIR") or ROOT / "var" / "bench").resolve() / "applications"
LIMIT_SECONDS = 5.0
STAND_IN_2027 = {
    "year": 2027,
    "source": "make bench stand-in (not the State Council's schedule)",
    "holidays": {
        "元旦": ["2027-01-01", "2027-01-02", "2027-01-03"],
        "春节": [f"2027-02-{d:02d}" for d in range(6, 13)],
    },
    "workdays": {"春节": ["2027-02-14"]},
}


def _events(rng: random.Random, received: date) -> list[tuple[str, date, dict[str, Any]]]:
    events: list[tuple[str, date, dict[str, Any]]] = [
        ("submitted", received, {"channel": "online"}),
        ("received", received, {"channel": "online"}),
    ]
    roll = rng.random()
    if roll < 0.1:
        events.append(("correction_requested", received + timedelta(days=2), {"period": 15}))
        events.append(("corrected", received + timedelta(days=6), {}))
    elif roll < 0.2:
        sent = received + timedelta(days=5)
        events.append(("third_party", sent, {"party": "第三方"}))
        if rng.random() < 0.7:
            events.append(("third_party_reply", sent + timedelta(days=9), {}))
    if rng.random() < 0.08:
        events.append(("extended", received + timedelta(days=20), {"reason": "需要协调"}))
    if rng.random() < 0.3:
        answered = max(e[1] for e in events) + timedelta(days=rng.randint(1, 10))
        events.append(("answered", answered, {"result": "disclose", "reasons": []}))
    return events


async def _populate(count: int) -> list[list[tuple[str, date, dict[str, Any]]]]:
    from gateway.clock import SHANGHAI
    from mini_program.applications.models import Application, ApplicationEvent

    rng = random.Random(2027)
    time_of_day = datetime.min.time()
    start = date(2026, 10, 1)
    batches: list[list[tuple[str, date, dict[str, Any]]]] = []
    apps = []
    for n in range(count):
        received = start + timedelta(days=rng.randint(0, 91))
        batches.append(_events(rng, received))
        apps.append(
            Application(
                receipt_no=f"B{n:09d}",
                channel="online",
                applicant_type="citizen",
                name="压测",
                phone_encrypted="-",
                phone_masked="138****0000",
                address_encrypted="-",
                description="压测用申请",
                format="electronic",
                delivery="electronic",
                department_code="zfb",
                submitted_at=datetime.combine(received, time_of_day, SHANGHAI),
                submitted_on=received,
                state="submitted",
            )
        )
    await Application.bulk_create(apps, batch_size=1000)
    ids = dict(await Application.filter(receipt_no__startswith="B").values_list("receipt_no", "id"))
    rows = [
        ApplicationEvent(application_id=ids[f"B{n:09d}"], kind=kind, on=on, detail=detail)
        for n, events in enumerate(batches)
        for kind, on, detail in events
    ]
    await ApplicationEvent.bulk_create(rows, batch_size=2000)
    return batches


async def _measure(count: int, holidays: Path) -> dict[str, Any]:
    from gateway import workdays
    from mini_program.applications.deadline import compute
    from mini_program.applications.service import maintenance
    from mini_program.applications.service.common import engine_events_of

    batches = await _populate(count)
    before = await maintenance.recompute_deadlines()  # as stored before the change
    missing = before["still_missing_calendar"]

    (holidays / "2027.json").write_text(json.dumps(STAND_IN_2027, ensure_ascii=False), "utf-8")
    workdays.default_calendar().reload()
    view = workdays.calendar_view()

    started = time.perf_counter()
    for events in batches:
        compute(engine_events_of(events), view, words=False)
    engine = time.perf_counter() - started

    started = time.perf_counter()
    after = await maintenance.recompute_deadlines()
    seconds = time.perf_counter() - started
    return {
        "count": count,
        "seconds": seconds,
        "engine_seconds": engine,
        "limit_seconds": LIMIT_SECONDS,
        "ratio": seconds / LIMIT_SECONDS,
        "recomputed": after["recomputed"],
        "changed": after["changed"],
        "missing_before": missing,
        "missing_after": after["still_missing_calendar"],
    }


def run(count: int) -> dict[str, Any]:
    """Measure in this process on a fresh database (this module's own environment)."""
    from gateway.config import get_settings
    from gateway.connections import connected

    async def main() -> dict[str, Any]:
        settings = get_settings()
        async with connected(database_url=settings.database_url, redis_url=settings.redis_url):
            return await _measure(count, Path(os.environ["APP_HOLIDAYS_DIR"]))

    return asyncio.run(main())


def _environment() -> dict[str, str]:
    if BENCH_DIR.exists():
        shutil.rmtree(BENCH_DIR)
    (BENCH_DIR / "holidays").mkdir(parents=True)
    return {
        **os.environ,
        "APP_ENV": "development",
        "APP_DATABASE_URL": os.environ.get("BENCH_DATABASE_URL")
        or f"sqlite://{BENCH_DIR}/applications.sqlite3",
        "APP_REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        "APP_HOLIDAYS_DIR": str(BENCH_DIR / "holidays"),
    }


@part("applications")
def applications(bench: Bench) -> None:
    """Disclosure deadlines recomputed after a calendar change (a database of its own)."""
    print("==> disclosure deadlines recomputed after a calendar change")
    try:
        rows = figures()
    # A broken part must not hide the bench's other figures.
    except Exception as exc:  # noqa: BLE001
        rows = [("disclosure deadlines recomputed", f"failed: {str(exc)[:160]}")]
    for label, value in rows:
        bench.note(label, value)


def figures(count: int = 10_000) -> list[tuple[str, str]]:
    """The rows `ops/bench.py` prints (runs this module in a process of its own)."""
    env = _environment()
    govmatrix = str(Path(sys.executable).parent / "govmatrix")
    subprocess.run([govmatrix, "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    command = [sys.executable, "-m", "ops.bench_applications", "--json", "--ready"]
    done = subprocess.run(
        [*command, "--count", str(count)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    r = json.loads(done.stdout.strip().splitlines()[-1])
    return [
        (
            f"{r['count']:,} deadlines recomputed after loading next year's calendar",
            f"{r['seconds']:.2f} s (limit {r['limit_seconds']:.0f} s, ratio {r['ratio']:.2f})",
        ),
        (
            "  of which the deadline engine alone (no database)",
            f"{r['engine_seconds']:.2f} s; {r['missing_before']:,} waited for 2027, "
            f"{r['missing_after']} still waiting",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--ready", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.ready:
        for label, value in figures(args.count):
            print(f"{label}: {value}")
        return
    result = run(args.count)
    print(json.dumps(result) if args.json else result)


if __name__ == "__main__":
    main()
