"""Demo spots of the service hall (data/spots.json) and 30 days of scans for their charts.

Scans are made up with a fixed random seed: office-hour peaks, WeChat most common, a few bots.
A spot that already has scans keeps them, so a second run changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from gateway.clock import SHANGHAI, local_date, now
from mini_program.catalogue import service as catalogue
from mini_program.hall import service
from mini_program.hall.models import Channel, QrScan, QrSpot
from mini_program.hall.schemas import SpotCreate

DATA = Path(__file__).resolve().parent / "data" / "spots.json"
DAYS = 30
# Visits by hour of the day: the hall opens 8:30–12:00 and 14:30–17:30.
HOUR_WEIGHTS = {8: 3, 9: 9, 10: 10, 11: 7, 12: 1, 13: 1, 14: 4, 15: 9, 16: 8, 17: 3, 19: 1, 21: 1}
CHANNELS = [(Channel.WECHAT, 50), (Channel.MP_Q, 25), (Channel.MP_SCENE, 10), (Channel.BROWSER, 15)]


async def _target(raw: dict[str, Any]) -> dict[str, Any]:
    params = dict(raw.get("params") or {})
    if "domain" in params:  # the data names a domain; the target takes its id
        domain = await catalogue.domain_by_name(params.pop("domain"))
        params["id"] = domain.id if domain else 1
    return {**raw, "params": params} if "page" in raw else raw


def _scans(spot: QrSpot, daily: int, rng: random.Random) -> list[QrScan]:
    rows = []
    today = local_date(now())
    hours, weights = zip(*HOUR_WEIGHTS.items(), strict=True)
    channels, channel_weights = zip(*CHANNELS, strict=True)
    for back in range(DAYS, 0, -1):
        day = today - timedelta(days=back)
        weekend = day.weekday() >= 5
        count = max(0, int(rng.gauss(daily * (0.3 if weekend else 1.0), daily * 0.3)))
        for _ in range(count):
            hour = rng.choices(hours, weights)[0]
            at = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), SHANGHAI)
            visitor = hashlib.sha256(f"{day}-{rng.randint(0, daily * 2)}".encode()).hexdigest()
            rows.append(
                QrScan(
                    spot_id=spot.id,
                    at=at,
                    day=day,
                    hour=hour,
                    channel=rng.choices(channels, channel_weights)[0],
                    is_bot=rng.random() < 0.03,
                    visitor=visitor[:16],
                )
            )
    return rows


async def seed(*, progress: Any = None) -> str:
    """Load the demo spots and their scans (idempotent)."""
    specs = json.loads(DATA.read_text(encoding="utf-8"))
    created = scans = 0
    for spec in specs:
        marker = f"demo:{spec['key']}"
        spot = await QrSpot.get_or_none(created_by=marker)
        if spot is None:
            data = SpotCreate.model_validate(
                {
                    "name": spec["name"],
                    "place": spec["place"],
                    "target": await _target(spec["target"]),
                }
            )
            spot = await service.create_spot(data=data, actor=marker)
            created += 1
        if not await QrScan.exists(spot_id=spot.id):
            rows = _scans(spot, spec["daily"], random.Random(spec["key"]))
            await QrScan.bulk_create(rows, batch_size=1000)
            scans += len(rows)
    return f"hall: {created} demo QR spots, {scans} demo scans"
