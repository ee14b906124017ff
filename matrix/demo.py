"""The demo county's matrix: 27 department accounts and the mini-program, wired to the sandbox.

Demo credentials are derived from each account's code (stable across runs and machines) and
start with "demo-", which production refuses. Idempotent: existing accounts are left as they
are; only their sandbox registration is refreshed.
"""

from __future__ import annotations

import base64
import hashlib
import random
from datetime import datetime, time, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from gateway import crypto
from gateway.clock import SHANGHAI
from gateway.config import get_settings
from gateway.org import Department
from matrix.models import Account, FollowerDaily, Platform
from matrix.service.common import local_date, now_utc
from matrix.service.registry import sync_sandbox
from matrix.wechat.service import ensure_sandbox

SUB, SVC = Platform.WECHAT_SUBSCRIPTION, Platform.WECHAT_SERVICE

# (account code, department code, account name, platform)
ACCOUNTS: list[tuple[str, str, str, Platform]] = [
    ("mcfb", "zfb", "蒙城发布", SVC),
    ("mcfgw", "fgw", "蒙城发改", SUB),
    ("mcjy", "jyj", "蒙城教育", SVC),
    ("mcga", "gaj", "蒙城公安", SVC),
    ("mcmz", "mzj", "蒙城民政", SUB),
    ("mcsf", "sfj", "蒙城司法", SUB),
    ("mccz", "czj", "蒙城财政", SUB),
    ("mcrs", "rsj", "蒙城人社", SVC),
    ("mczrzy", "zrzyj", "蒙城自然资源", SUB),
    ("mcsthj", "sthj", "蒙城生态环境", SUB),
    ("mczj", "zjj", "蒙城住建", SUB),
    ("mcjt", "jtysj", "蒙城交通", SUB),
    ("mcsl", "slj", "蒙城水利", SUB),
    ("mcny", "nyncj", "蒙城农业农村", SUB),
    ("mcwl", "wlj", "蒙城文旅", SUB),
    ("mcwj", "wjw", "蒙城卫健", SVC),
    ("mctyjr", "tyjrswj", "蒙城退役军人", SUB),
    ("mcyj", "yjglj", "蒙城应急", SUB),
    ("mcscjg", "scjgj", "蒙城市场监管", SUB),
    ("mcyb", "ybj", "蒙城医保", SVC),
    ("mccg", "cgj", "蒙城城管", SUB),
    ("mcsjzy", "sjzyj", "蒙城数据资源", SUB),
    ("mcggzy", "ggzyjy", "蒙城公共资源交易", SUB),
    ("mcxczx", "xczxj", "蒙城乡村振兴", SUB),
    ("mcsw", "swj", "蒙城税务", SUB),
    ("mcty", "tyzx", "蒙城体育", SUB),
    ("mctj", "tjj", "蒙城统计", SUB),
]
MINI_PROGRAM_CODE = "mcmp"
MINI_PROGRAM_NAME = "蒙城政务公开"
# Two accounts take plaintext callbacks, so both paths stay exercised in development.
PLAINTEXT_ACCOUNTS = frozenset({"mcty", "mctj"})
# Days since the last publication, so the health page shows each state from the start.
STALE_DAYS = {"mcsl": 11, "mcggzy": 12, "mctj": 16}


def _digest(kind: str, code: str) -> bytes:
    return hashlib.sha256(f"govmatrix-demo:{kind}:{code}".encode()).digest()


def demo_appid(code: str) -> str:
    return "wx" + _digest("appid", code).hex()[:16]


def demo_secret(code: str) -> str:
    return "demo-" + _digest("secret", code).hex()[:27]


def demo_token(code: str) -> str:
    return "demo" + _digest("token", code).hex()[:28]


def demo_aes_key(code: str) -> str:
    return base64.b64encode(_digest("aes", code)).decode("ascii").rstrip("=")


def demo_auto_reply(name: str) -> dict[str, Any]:
    return {
        "subscribe": f"欢迎关注{name}！回复“办事”查看办事指南，回复“电话”查看咨询电话。",
        "click": {
            "MENU_GUIDE": f"{name}办事指南：请在“蒙城政务公开”小程序中搜索事项名称，"
            "查看材料清单和办理流程。",
            "MENU_CONTACT": "咨询电话：0558-7621234（工作日 8:30–12:00，14:30–17:30）。",
        },
        "keywords": [
            {
                "keyword": "办事",
                "reply": "办事指南请见菜单“办事服务”，或在小程序中搜索。",
                "exact": False,
            },
            {"keyword": "电话", "reply": "咨询电话：0558-7621234（工作日）。", "exact": False},
        ],
    }


def _followers(code: str) -> int:
    if code == "mcfb":
        return 186_420
    return 3_000 + int.from_bytes(_digest("followers", code)[:4], "big") % 60_000


def published_days_ago(days: int, now: datetime) -> datetime:
    """A morning publication `days` county calendar days ago (never later than now).

    Health counts calendar days in Shanghai; "12 days ago minus two hours" seeded just after
    midnight fell on the 13th day back, so the demo's stale accounts changed with the hour.
    """
    day = local_date(now) - timedelta(days=days)
    return min(now, datetime.combine(day, time(10, 0), SHANGHAI))


async def _create(
    code: str, department: str | None, name: str, platform: Platform, appid: str, secret: str
) -> Account:
    takes_callbacks = platform in (SUB, SVC)
    now = now_utc()
    stale = STALE_DAYS.get(code, int.from_bytes(_digest("pub", code)[:1], "big") % 6)
    followers = _followers(code)
    async with in_transaction():
        account = await Account.create(
            code=code,
            department_code=department,
            platform=platform,
            name=name,
            appid=appid,
            secret_encrypted=crypto.encrypt(secret),
            aes_key_encrypted=crypto.encrypt(demo_aes_key(code)) if takes_callbacks else None,
            callback_token_encrypted=crypto.encrypt(demo_token(code)) if takes_callbacks else None,
            safe_mode=takes_callbacks and code not in PLAINTEXT_ACCOUNTS,
            follower_count=followers,
            last_published_at=published_days_ago(stale, now) if takes_callbacks else None,
            auto_reply=demo_auto_reply(name) if takes_callbacks else {},
        )
        # Thirty days of follower history, so the trend chart has something to draw.
        rng = random.Random(code)
        today = local_date(now)
        count, rows = followers, []
        for back in range(30):
            subs, unsubs = rng.randint(0, 40), rng.randint(0, 12)
            rows.append(
                FollowerDaily(
                    account=account,
                    day=today - timedelta(days=back),
                    follower_count=count,
                    subscribes=subs,
                    unsubscribes=unsubs,
                )
            )
            count = max(0, count - subs + unsubs)
        await FollowerDaily.bulk_create(rows)
    return account


async def seed(*, progress: Any = None) -> str:
    """Create the 28 demo accounts (idempotent) and register them with the sandbox."""
    settings = get_settings()
    if settings.is_production:
        return "matrix: demo accounts skipped in production"
    known_departments = set(await Department.all().values_list("code", flat=True))
    existing = {a.code: a for a in await Account.all()}
    created = 0
    specs = [(c, d, n, p, demo_appid(c), demo_secret(c)) for c, d, n, p in ACCOUNTS]
    specs.append(
        (
            MINI_PROGRAM_CODE,
            "zfb",
            MINI_PROGRAM_NAME,
            Platform.WECHAT_MINIPROGRAM,
            settings.mp_appid,
            settings.mp_secret,
        )
    )
    accounts = []
    iterable = progress(specs, desc="matrix accounts") if progress else specs
    for code, department, name, platform, appid, secret in iterable:
        account = existing.get(code)
        if account is None:
            dept = department if department in known_departments else None
            account = await _create(code, dept, name, platform, appid, secret)
            created += 1
        accounts.append(account)
    # Registration failures are only logged by sync_sandbox (the server must not fail on
    # them); here a sandbox that is not running stops the command with an instruction.
    if settings.uses_sandbox:
        await ensure_sandbox()
    registered = 0
    for account in accounts:
        registered += bool(await sync_sandbox(account))
    note = f", {registered} registered with the sandbox" if settings.uses_sandbox else ""
    return f"matrix: {len(accounts)} accounts ({created} new){note}"
