"""Scanning a spot: a 302 to the right place, counted by channel, and nobody tracked."""

from __future__ import annotations

import asyncio
import io
import os
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import redis
from openpyxl import load_workbook

from gateway.clock import SHANGHAI, local_date, now
from gateway.config import get_settings
from mini_program.hall import recorder, service
from mini_program.hall.models import Channel, QrScan, QrSpot
from tests.conftest import (
    ROOT,
    RUN_DIR,
    TEST_ENV,
    _redis_url,
    assert_error,
    free_port,
    wait_http,
)
from tests.mini_program.hall.helpers import QR, admin, make_spot

WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800322c) NetType/WIFI Language/zh_CN"
)
PHONE_UA = "Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 Chrome/120 Mobile Safari"


async def scans_of(code: str, *, expected: int) -> list[QrScan]:
    """The spot's stored scans, once `expected` of them reached the database: the server
    hands scans to Redis every half second and the job hall.persist_scans stores them (the
    test server runs no job worker, so the test runs the job's work itself)."""
    spot = await QrSpot.get(code=code)
    deadline = time.monotonic() + 10
    while True:
        await recorder.persist_pending()
        rows = await QrScan.filter(spot_id=spot.id).order_by("id")
        if len(rows) >= expected or time.monotonic() > deadline:
            return list(rows)
        await asyncio.sleep(0.1)


async def test_a_browser_is_sent_to_the_mobile_page_with_302_and_the_scan_is_counted(
    api: httpx.AsyncClient, db: None
) -> None:
    headers = await admin(api)
    spot = await make_spot(
        api, headers, target={"page": "pages/document/index", "params": {"id": 3}}
    )
    response = await api.get(f"/q/{spot['code']}", headers={"User-Agent": PHONE_UA})
    assert response.status_code == 302  # never 301: a cached redirect would never be counted
    assert response.headers["location"] == "/m/documents/3"
    assert "no-store" in response.headers["cache-control"]
    page = await api.get(response.headers["location"])
    assert page.status_code == 200
    assert "发文机关" in page.text
    rows = await scans_of(spot["code"], expected=1)
    assert [(r.channel, r.is_bot) for r in rows] == [(Channel.BROWSER, False)]
    assert rows[0].day == local_date(rows[0].at)
    assert len(rows[0].visitor) == 16


async def test_inside_wechat_the_scan_opens_the_mini_program_page(
    api: httpx.AsyncClient, db: None
) -> None:
    headers = await admin(api)
    spot = await make_spot(api, headers, target={"page": "pages/item/index", "params": {"id": 12}})
    response = await api.get(f"/q/{spot['code'].lower()}", headers={"User-Agent": WECHAT_UA})
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert (location.scheme, location.netloc, location.path) == ("weixin", "dl", "/business/")
    query = parse_qs(location.query)
    assert query["appid"] == [get_settings().mp_appid]
    assert query["path"] == ["pages/item/index"]
    assert parse_qs(query["query"][0]) == {"id": ["12"], "spot": [spot["code"]]}
    rows = await scans_of(spot["code"], expected=1)
    assert rows[0].channel == Channel.WECHAT
    # The kiosk has no mini-program page: inside WeChat it opens as a web page too.
    kiosk = await make_spot(api, headers, target={"path": "/hall"})
    response = await api.get(f"/q/{kiosk['code']}", headers={"User-Agent": WECHAT_UA})
    assert response.headers["location"] == "/hall"


async def test_unknown_and_disabled_codes_get_a_friendly_page_with_the_help_desk(
    api: httpx.AsyncClient,
) -> None:
    unknown = await api.get("/q/ZZZZZZ")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("text/html")
    assert "没有找到这个二维码" in unknown.text
    assert "服务台" in unknown.text
    assert "0558-7651234" in unknown.text
    assert (await api.get("/q/" + "A" * 200)).status_code == 404
    headers = await admin(api)
    spot = await make_spot(api, headers)
    await api.patch(f"{QR}/spots/{spot['code']}", headers=headers, json={"enabled": False})
    await asyncio.sleep(service_ttl())
    disabled = await api.get(f"/q/{spot['code']}")
    assert disabled.status_code == 404
    assert "已停用" in disabled.text


def service_ttl() -> float:
    return service.RESOLVE_TTL + 0.2


async def test_the_mini_program_reports_q_and_scene_scans_and_learns_where_to_go(
    api: httpx.AsyncClient, db: None
) -> None:
    headers = await admin(api)
    spot = await make_spot(
        api, headers, target={"page": "pages/open-day/index", "params": {"id": 5}}
    )
    by_q = await api.post("/api/v1/mp/scans", json={"q": spot["url"]})
    assert by_q.status_code == 200, by_q.text
    assert by_q.json() == {
        "code": spot["code"],
        "name": spot["name"],
        "place": spot["place"],
        "page": "pages/open-day/index",
        "params": {"id": 5},
        "url": "/pages/open-day/index?id=5",
    }
    encoded = "https%3A%2F%2Fgov.example.cn%2Fq%2F" + spot["code"]
    assert (await api.post("/api/v1/mp/scans", json={"q": encoded})).status_code == 200
    by_scene = await api.post("/api/v1/mp/scans", json={"scene": spot["code"]})
    assert by_scene.json()["page"] == "pages/open-day/index"
    rows = await scans_of(spot["code"], expected=3)
    assert [r.channel for r in rows] == [Channel.MP_Q, Channel.MP_Q, Channel.MP_SCENE]
    assert_error(
        await api.post("/api/v1/mp/scans", json={"scene": "NOSUCH"}), 404, "spot_not_found"
    )
    assert_error(await api.post("/api/v1/mp/scans", json={}), 422)
    assert_error(await api.post("/api/v1/mp/scans", json={"q": "x", "scene": "y"}), 422)


async def test_no_address_and_no_user_agent_is_kept_anywhere(
    api: httpx.AsyncClient, db: None
) -> None:
    headers = await admin(api)
    spot = await make_spot(api, headers)
    marker = "GovmatrixPrivacyProbe/9.9"
    for _ in range(3):
        await api.get(f"/q/{spot['code']}", headers={"User-Agent": f"{PHONE_UA} {marker}"})
    await api.post("/api/v1/mp/scans", json={"scene": spot["code"]},
                   headers={"User-Agent": marker})  # fmt: skip
    rows = await scans_of(spot["code"], expected=4)
    stored = " ".join(str(r.__dict__) for r in rows)
    assert "127.0.0.1" not in stored
    assert "127.0.0" not in stored
    assert marker not in stored
    # Three scans from one phone on one day are one visitor; the hash is not the address.
    assert len({r.visitor for r in rows[:3]}) == 1
    client = redis.Redis.from_url(_redis_url, decode_responses=True)
    for key in client.scan_iter():
        if key.startswith("staff:"):
            continue  # the admin who made the spot: staff sessions keep their address
        kind = client.type(key)
        values = (
            [client.get(key)] if kind == "string" else
            list(client.hgetall(key).items()) if kind == "hash" else
            client.lrange(key, 0, -1) if kind == "list" else []
        )  # fmt: skip
        text = f"{key} {values}"
        assert "127.0.0.1" not in text, key
        assert marker not in text, key
    client.close()
    log = (RUN_DIR / f"server-{os.getpid()}.log").read_text(errors="replace")
    assert marker not in log


def test_sanic_access_log_leaves_out_the_address_of_scans(prepared_database: str) -> None:
    """With Sanic's access log on (as `serve --dev` has it), scans are logged without the
    client's address."""
    port = free_port()
    log_path = RUN_DIR / f"access-{os.getpid()}.log"
    runner = (
        "import sys; from gateway.app import create_app; "
        "create_app().run(host='127.0.0.1', port=int(sys.argv[1]), single_process=True, "
        "access_log=True, motd=False)"
    )
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", runner, str(port)],
            cwd=ROOT,
            env={**os.environ, **TEST_ENV, "APP_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60, proc=proc)
            httpx.get(f"http://127.0.0.1:{port}/q/NOSUCH")
            httpx.post(f"http://127.0.0.1:{port}/api/v1/mp/scans", json={"scene": "NOSUCH"})
            httpx.get(f"http://127.0.0.1:{port}/healthz")
            time.sleep(0.5)
        finally:
            proc.terminate()
            proc.wait(20)
    lines = log_path.read_text(errors="replace").splitlines()
    scan_lines = [line for line in lines if "/q/NOSUCH" in line or "/api/v1/mp/scans" in line]
    assert len(scan_lines) == 2, lines[-20:]
    # The field before the request line is the client: "-" for scans (the URL's own host
    # stays, it is the server's address).
    clients = [re.search(r" (\S+) (?:GET|POST) http", line) for line in scan_lines]
    assert [c.group(1) if c else None for c in clients] == ["-", "-"], scan_lines
    # Other requests keep their address (staff lockouts and audits rely on it).
    health = [line for line in lines if "/healthz" in line and " GET " in line]
    assert health
    assert re.search(r" 127\.0\.0\.1:\d+ GET http", health[-1]), health


async def test_a_burst_of_scans_is_all_counted_without_a_write_per_request(
    api: httpx.AsyncClient, db: None
) -> None:
    headers = await admin(api)
    spot = await make_spot(api, headers)

    async def one(n: int) -> int:
        response = await api.get(f"/q/{spot['code']}", headers={"User-Agent": f"{PHONE_UA} {n}"})
        return response.status_code

    codes = await asyncio.gather(*(one(n) for n in range(300)))
    assert set(codes) == {302}
    rows = await scans_of(spot["code"], expected=300)
    assert len(rows) == 300


async def test_the_writer_drains_its_buffer_when_stopped(db: None) -> None:
    spot = await QrSpot.create(code=service.new_code(), name="测试", target={"path": "/hall"})
    writer = recorder.ScanWriter()
    writer.start()
    for _ in range(25):
        await writer.add(recorder.PendingScan(spot.id, now(), Channel.BROWSER, False, ""))
    await writer.stop()
    # Handed to Redis at shutdown, then stored by the persisting job.
    assert await recorder.persist_pending() >= 25
    assert await QrScan.filter(spot_id=spot.id).count() == 25


async def test_visitors_are_counted_per_day_and_not_followed_across_days(db: None) -> None:
    day = date(2026, 3, 2)
    a = await recorder.visitor_hash("36.57.10.23", PHONE_UA, day)
    neighbour = await recorder.visitor_hash("36.57.10.200", PHONE_UA, day)
    other_net = await recorder.visitor_hash("36.57.11.23", PHONE_UA, day)
    next_day = await recorder.visitor_hash("36.57.10.23", PHONE_UA, day + timedelta(days=1))
    assert a == neighbour  # the address is cut to its /24 before hashing
    assert a != other_net
    assert a != next_day
    assert await recorder.visitor_hash(None, PHONE_UA, day) == ""
    assert recorder.truncate_address("2408:8456:3c12:1a2b::9") == "2408:8456:3c12::"
    assert recorder.is_bot("Mozilla/5.0 (compatible; Baiduspider/2.0)")
    assert recorder.is_bot("curl/8.5.0")
    assert recorder.is_bot("")
    assert not recorder.is_bot(WECHAT_UA)


@pytest.mark.dates
async def test_scan_figures_by_day_and_hour_leave_bots_apart(
    api: httpx.AsyncClient, db: None
) -> None:
    headers = await admin(api)
    spot = await make_spot(api, headers)
    for ua in (PHONE_UA, PHONE_UA, WECHAT_UA, "Baiduspider"):
        await api.get(f"/q/{spot['code']}", headers={"User-Agent": ua})
    rows = await scans_of(spot["code"], expected=4)
    # The days the scans fell on (two, when the county's midnight passed between them).
    first, last = min(r.day for r in rows), max(r.day for r in rows)
    by_day = await api.get(f"{QR}/spots/{spot['code']}/scans", headers=headers)
    body = by_day.json()
    assert body["by"] == "day"
    assert body["to"] >= last.isoformat()  # today, by default
    assert len(body["points"]) == 30
    assert sum(p["scans"] for p in body["points"]) == 3
    assert sum(p["bots"] for p in body["points"]) == 1
    if first == last:
        point = next(p for p in body["points"] if p["at"] == last.isoformat())
        assert point == {"at": last.isoformat(), "scans": 3, "visitors": 2, "bots": 1}
    assert body["total"] == 3
    assert body["bots"] == 1
    assert body["channels"] == {"browser": 2, "wechat": 1}
    by_hour = await api.get(
        f"{QR}/spots/{spot['code']}/scans",
        headers=headers,
        params={"by": "hour", "from": last.isoformat(), "to": last.isoformat()},
    )
    points = by_hour.json()["points"]
    assert len(points) == 24
    people_that_day = sum(1 for r in rows if r.day == last and not r.is_bot)
    assert sum(p["scans"] for p in points) == people_that_day
    assert points[0]["at"].endswith("T00:00:00+08:00")
    too_long = await api.get(
        f"{QR}/spots/{spot['code']}/scans",
        headers=headers,
        params={"by": "hour", "from": "2026-01-01", "to": "2026-03-01"},
    )
    assert "to" in assert_error(too_long, 422)["fields"]
    backwards = await api.get(
        f"{QR}/spots/{spot['code']}/scans", headers=headers,
        params={"from": "2026-03-01", "to": "2026-01-01"},
    )  # fmt: skip
    assert "to" in assert_error(backwards, 422)["fields"]
    bad = await api.get(f"{QR}/spots/{spot['code']}/scans", headers=headers, params={"by": "week"})
    assert "by" in assert_error(bad, 422)["fields"]
    # Dates are YYYY-MM-DD only: "0" is not the Unix epoch.
    epoch = await api.get(f"{QR}/spots/{spot['code']}/scans", headers=headers, params={"to": "0"})
    assert "to" in assert_error(epoch, 422)["fields"]
    heat = await api.get(f"{QR}/heat", headers=headers, params={"from": "20260101"})
    assert "from" in assert_error(heat, 422)["fields"]


@pytest.mark.dates
async def test_heat_table_and_exports_cover_every_spot(api: httpx.AsyncClient, db: None) -> None:
    headers = await admin(api)
    spot = await make_spot(api, headers, name="导出测试点")
    await api.get(f"/q/{spot['code']}", headers={"User-Agent": PHONE_UA})
    (scan,) = await scans_of(spot["code"], expected=1)
    hour = scan.at.astimezone(SHANGHAI).hour
    day = {"from": scan.day.isoformat(), "to": scan.day.isoformat()}
    heat = (await api.get(f"{QR}/heat", headers=headers, params=day)).json()
    row = next(r for r in heat["spots"] if r["code"] == spot["code"])
    assert row["hours"][hour] == 1
    assert row["total"] == 1
    month = (await api.get(f"{QR}/heat", headers=headers)).json()  # the last 30 days
    demo = [r for r in month["spots"] if r["name"] == "政务公开服务台"]
    assert demo
    assert demo[0]["total"] > 0
    csv_response = await api.get(f"{QR}/scans.csv", headers=headers)
    assert csv_response.headers["content-type"].startswith("text/csv")
    text = csv_response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "日期,编号,名称,位置,扫码次数,独立访客,机器访问"
    assert f"{spot['code']},导出测试点" in text
    xlsx = await api.get(f"{QR}/scans.xlsx", headers=headers)
    assert "filename*=UTF-8''" in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == ("日期", "编号", "名称", "位置", "扫码次数", "独立访客", "机器访问")
    assert any(r[1] == spot["code"] and r[4] == 1 for r in rows[2:])
