"""`make bench` figures of the consultation queue (part "consultations" of ops/bench.py):

- the analysis of 100,000 questions received over a year (goal: under 10 s), in messages/s;
- submissions with a photo (upload, check, re-encode, then the question): per second, against a
  bare Sanic endpoint taking the same multipart body from the same client;
- the staff queue's list endpoint with those 100,000 questions stored: p95 (goal < 50 ms).

    python -m ops.bench --only consultations
    python -m ops.bench_consultations populate --count 100000   # used by the above

The questions are written straight into the bench database by a child process (bulk inserts,
each distinct text segmented once), then everything is measured over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import random
import secrets
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from ops.bench_kit import Bench, part
from ops.bench_wrk import LUA, run_wrk, write_requests

QUESTIONS = 100_000
# Questions as residents write them: a topic and a place make ~900 distinct texts.
TOPICS = [
    ("ywjy", "孩子明年上小学，{place}的学区怎么划分？需要准备哪些报名材料？"),
    ("shjz", "家里老人没有收入，住在{place}，能不能申请低保？去哪里办？"),
    ("shbx", "灵活就业人员在{place}怎么缴纳城乡居民养老保险？"),
    ("hjgl", "新生儿落户需要什么材料？在{place}派出所能办吗？"),
    ("snbt", "{place}今年的耕地地力保护补贴什么时候发放？"),
    ("cszhzf", "{place}夜市油烟太大，晚上很吵，希望城管管一管。"),
    ("szfw", "{place}小区停水两天了，什么时候恢复供水？"),
    ("ylfw", "高龄津贴多大年龄可以领？我家在{place}。"),
    ("jiuye", "{place}最近有没有招聘会？想找车间的工作。"),
    ("ncwfgz", "{place}的老房子漏雨，是低保户，能申请危房改造吗？"),
    ("sthj", "{place}有砖厂晚上排黑烟，附近村民意见很大。"),
    ("xczx", "脱贫户的孩子在{place}上大学，雨露计划怎么申请？"),
]
PLACES = [
    "城关街道", "庄周街道", "漆园街道", "双涧镇", "小涧镇", "坛城镇", "许疃镇", "板桥集镇",
    "马集镇", "岳坊镇", "立仓镇", "楚村镇", "篱笆镇", "乐土镇", "三义镇", "王集乡",
    "幸福村", "张集村", "王庄村", "李楼村", "城东新区", "城西社区", "涡河路", "嵇康路",
    "庄子大道", "周元路", "漆园路", "范蠡路", "北二环路", "东外环路", "西关", "南关",
    "北关", "东关", "新城区", "老城区", "开发区", "工业园", "高铁站附近", "县医院附近",
    "一中附近", "二中附近", "实验小学附近", "汽车站附近", "体育中心附近", "图书馆附近",
    "农贸市场附近", "政务中心附近", "人民广场附近", "涡河湿地附近", "城北", "城南",
    "双涧镇中心", "坛城镇集上", "许疃镇街上", "乐土镇政府附近", "三义镇中学附近",
    "楚村镇卫生院附近", "岳坊镇粮站附近", "马集镇派出所附近", "立仓镇中心校附近",
    "篱笆镇敬老院附近", "小涧镇集上", "王集乡政府附近", "板桥集镇中心", "漆园街道办附近",
    "庄周街道社区", "城关街道社区", "城东", "城西", "开发区管委会附近", "县一院附近",
    "县中医院附近", "县妇幼保健院附近",
]  # fmt: skip
ROUTES = {
    "ywjy": "jyj", "shjz": "mzj", "shbx": "rsj", "hjgl": "gaj", "snbt": "nyncj", "cszhzf": "cgj",
    "szfw": "zjj", "ylfw": "mzj", "jiuye": "rsj", "ncwfgz": "zjj", "sthj": "sthj", "xczx": "xczxj",
}  # fmt: skip
LIST_CONNECTIONS = 10
SUBMITTERS = 16
RESIDENTS = 60


# --- populate (runs in a child process with the bench's environment) ------------------------


async def populate(count: int) -> dict[str, Any]:
    """Bulk-insert `count` questions received over the last year, answered and not."""
    from gateway import connections
    from gateway.clock import local_date, now
    from gateway.config import get_settings
    from gateway.workdays import add_workdays, workdays_between
    from mini_program.catalogue import service as catalogue
    from mini_program.consultations import words
    from mini_program.consultations.models import Channel, Consultation, Kind, Status

    settings = get_settings()
    # gateway.connections: the database and Redis (the catalogue's reads cache in Redis).
    await connections.connect(database_url=settings.database_url, redis_url=settings.redis_url)
    try:
        started = time.perf_counter()
        domains = {str(d["code"]): int(d["id"]) for d in await catalogue.list_domains()}
        version = await words.refresh_dictionary(force=True)
        tokens: dict[str, str] = {}
        rng = random.Random(2026)
        end = now()
        channels = [Channel.MINI_PROGRAM] * 6 + [Channel.WECHAT] * 3 + [Channel.HALL]
        batch: list[Consultation] = []
        written = 0
        for i in range(count):
            code, template = TOPICS[i % len(TOPICS)]
            text = template.format(place=PLACES[rng.randrange(len(PLACES))])
            if text not in tokens:
                tokens[text] = words.tokens_of(text)
            received = end - timedelta(seconds=rng.randrange(365 * 24 * 3600))
            kind = Kind.ENQUIRY if rng.random() < 0.7 else Kind.COMPLAINT
            due = add_workdays(local_date(received), 3 if kind == Kind.ENQUIRY else 10)
            answered = received + timedelta(hours=rng.randrange(1, 24 * 14))
            done = answered < end and rng.random() < 0.9
            batch.append(
                Consultation(
                    reference=f"ZB{i:09d}",
                    public_token=secrets.token_hex(16),
                    channel=channels[i % len(channels)],
                    kind=kind,
                    status=Status.ANSWERED if done else Status.ASSIGNED,
                    domain_id=domains.get(code),
                    department_code=ROUTES[code],
                    text=text,
                    text_length=len(text),
                    tokens=tokens[text],
                    tokens_version=version,
                    received_at=received,
                    due_date=due,
                    answer_text="已答复。" if done else None,
                    answered_at=answered if done else None,
                    answer_workdays=workdays_between(received, answered) if done else None,
                    on_time=local_date(answered) <= due if done else None,
                )
            )
            if len(batch) == 5000:
                await Consultation.bulk_create(batch, batch_size=1000)
                written += len(batch)
                batch = []
        if batch:
            await Consultation.bulk_create(batch, batch_size=1000)
            written += len(batch)
        return {
            "written": written,
            "distinct_texts": len(tokens),
            "seconds": round(time.perf_counter() - started, 1),
            "from": (local_date(end) - timedelta(days=365)).isoformat(),
            "to": local_date(end).isoformat(),
        }
    finally:
        await connections.disconnect()


# --- measuring --------------------------------------------------------------------------------


def _staff_token(app_url: str) -> str:
    response = httpx.post(
        f"{app_url}/api/v1/admin/session",
        json={"username": "admin", "password": "Mengcheng@2026"},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["token"])


def _analysis(app_url: str, token: str, period: dict[str, str]) -> str:
    timings = []
    body: dict[str, Any] = {}
    for _ in range(3):
        started = time.perf_counter()
        response = httpx.get(
            f"{app_url}/api/v1/admin/analysis",
            params={"from": period["from"], "to": period["to"]},
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
        )
        timings.append(time.perf_counter() - started)
        response.raise_for_status()
        body = response.json()
    best = statistics.median(timings)
    messages = int(body["total"]) + int(body["previous"]["total"])
    verdict = "PASS" if best < 10 else "MISS"
    return (
        f"{messages:,} questions in {best:.2f} s over HTTP (median of 3; service "
        f"{body['seconds']:.2f} s), {messages / best:,.0f} messages/s — goal < 10 s: {verdict}"
    )


def _list_p95(app_url: str, token: str, bench_dir: Path, seconds: float) -> str:
    paths = [
        "/api/v1/admin/consultations",
        "/api/v1/admin/consultations?page=50",
        "/api/v1/admin/consultations?department=jyj",
        "/api/v1/admin/consultations?open=1&sort=due",
        "/api/v1/admin/consultations?overdue=1&sort=due",
        "/api/v1/admin/consultations?channel=wechat&page=3",
        "/api/v1/admin/consultations?status=answered&department=mzj&page=2",
    ]
    script = bench_dir / "consultations_list.lua"
    script.write_text(f'wrk.headers["Authorization"] = "Bearer {token}"\n{LUA}', "utf-8")
    requests_file = write_requests(bench_dir / "consultations_list.requests", paths)
    run_wrk(app_url, requests_file, script, seconds=2, connections=LIST_CONNECTIONS)
    result = run_wrk(app_url, requests_file, script, seconds=seconds, connections=LIST_CONNECTIONS)
    errors = result.non2xx + result.socket_errors
    verdict = "PASS" if result.p95_ms < 50 and not errors else "MISS"
    return (
        f"{result.ok_rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms, p95 {result.p95_ms:.1f} ms, "
        f"p99 {result.p99_ms:.1f} ms at {LIST_CONNECTIONS} connections"
        + (f", {errors} errors" if errors else "")
        + f" — goal p95 < 50 ms: {verdict}"
    )


def _photo() -> bytes:
    """A phone-sized photo (1600x1200, ~0.4 MB JPEG with noise like a real picture)."""
    from PIL import Image

    noise = Image.effect_noise((1600, 1200), 40).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=85)
    return out.getvalue()


async def _residents(app_url: str, sandbox_url: str, appid: str) -> list[str]:
    tokens = []
    async with httpx.AsyncClient(timeout=30) as client:
        for i in range(RESIDENTS):
            minted = await client.post(
                f"{sandbox_url}/sandbox/wx-login",
                json={"openid": f"oBenchResident{i:04d}{secrets.token_hex(4)}", "appid": appid},
            )
            login = await client.post(
                f"{app_url}/api/v1/mp/login", json={"code": minted.json()["code"]}
            )
            tokens.append(str(login.json()["token"]))
    return tokens


async def _submit_loop(
    app_url: str, tokens: list[str], photo: bytes, seconds: float
) -> tuple[int, int]:
    done = failed = 0
    deadline = time.monotonic() + seconds
    text = "请问孩子明年上小学，城关街道的学区怎么划分？需要准备哪些材料？"

    async def worker(n: int) -> None:
        nonlocal done, failed
        async with httpx.AsyncClient(base_url=app_url, timeout=60) as client:
            i = n
            while time.monotonic() < deadline:
                headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}
                i += SUBMITTERS
                up = await client.post(
                    "/api/v1/mp/consultations/photos",
                    headers=headers,
                    files={"file": ("photo.jpg", photo, "image/jpeg")},
                )
                if up.status_code != 201:
                    failed += 1
                    continue
                sent = await client.post(
                    "/api/v1/mp/consultations",
                    headers=headers,
                    json={
                        "text": text,
                        "photos": [up.json()["id"]],
                        "client_key": secrets.token_hex(8),
                    },
                )
                if sent.status_code == 201:
                    done += 1
                else:
                    failed += 1

    await asyncio.gather(*(worker(n) for n in range(SUBMITTERS)))
    return done, failed


async def _bare_loop(bare_url: str, photo: bytes, seconds: float) -> int:
    done = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=bare_url, timeout=60) as client:
            while time.monotonic() < deadline:
                response = await client.post(
                    "/bare", files={"file": ("photo.jpg", photo, "image/jpeg")}
                )
                done += response.status_code == 200

    await asyncio.gather(*(worker() for _ in range(SUBMITTERS)))
    return done


def _submissions(
    app_url: str, bare_url: str, sandbox_url: str, env: dict[str, str], seconds: float
) -> str:
    photo = _photo()
    appid = env.get("APP_MP_APPID") or "wx6d0c4b0e8f3a2b10"
    tokens = asyncio.run(_residents(app_url, sandbox_url, appid))
    done, failed = asyncio.run(_submit_loop(app_url, tokens, photo, seconds))
    bare = asyncio.run(_bare_loop(bare_url, photo, seconds))
    rate, bare_rate = done / seconds, bare / seconds
    ratio = f"{rate / bare_rate:.0%}" if bare_rate else "—"
    return (
        f"{rate:,.1f} submissions/s with one {len(photo) // 1024} KB photo each "
        f"({SUBMITTERS} residents at once, {failed} failed); bare Sanic taking the same upload "
        f"from the same client: {bare_rate:,.1f}/s; ratio {ratio}"
    )


@part("consultations")
def consultations(bench: Bench) -> None:
    """The consultation queue: the analysis, the staff list, submissions with a photo."""
    try:
        rows = figures(
            env=bench.stack.env,
            app_url=bench.app_url,
            bare_url=bench.bare_url,
            sandbox_url=bench.sandbox_url,
            bench_dir=bench.dir,
            seconds=bench.seconds,
        )
    # A broken part must not hide the bench's other figures.
    except Exception as exc:  # noqa: BLE001
        rows = [("consultations", f"failed: {str(exc)[:160]}")]
    for label, value in rows:
        bench.note(label, value)


def figures(
    *,
    env: dict[str, str],
    app_url: str,
    bare_url: str,
    sandbox_url: str,
    bench_dir: Path,
    seconds: float,
) -> list[tuple[str, str]]:
    """Populate, then measure; each figure is one (label, value) line of the bench's report."""
    print(f"==> consultations: storing {QUESTIONS:,} questions received over a year")
    done = subprocess.run(
        [sys.executable, "-m", "ops.bench_consultations", "populate", "--count", str(QUESTIONS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode != 0:
        return [("consultations", f"not available: populate failed: {done.stderr[-300:]}")]
    stored = json.loads(done.stdout.strip().splitlines()[-1])
    token = _staff_token(app_url)
    out = [
        (
            "consultations stored for the bench",
            f"{stored['written']:,} ({stored['distinct_texts']} distinct texts) "
            f"in {stored['seconds']} s",
        )
    ]
    print("==> consultations: the analysis of a year")
    out.append(("analysis of a year of questions", _analysis(app_url, token, stored)))
    print("==> consultations: the staff queue's list endpoint")
    out.append(
        (
            "/api/v1/admin/consultations with 100,000 stored",
            _list_p95(app_url, token, bench_dir, seconds),
        )
    )
    print("==> consultations: submissions with a photo")
    out.append(
        (
            "consultation submissions with a photo",
            _submissions(app_url, bare_url, sandbox_url, env, seconds),
        )
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["populate"])
    parser.add_argument("--count", type=int, default=QUESTIONS)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(populate(args.count))))


if __name__ == "__main__":
    main()
