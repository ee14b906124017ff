"""`make bench` part "callback": pre-encrypted WeChat callbacks, as WeChat's servers send them.

Each request has its own nonce, timestamp signature and MsgId (the product rejects replayed
nonces and deduplicates by MsgId), encrypted with wechatpy's WeChatCrypto for a demo account
in safe mode.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode
from xml.etree import ElementTree

import httpx
from wechatpy.crypto import WeChatCrypto

from ops.bench_kit import Bench, NotAvailable, Row, part
from ops.bench_wrk import LUA, WrkResult, run_wrk, write_requests

DEMO_ACCOUNT = "mcfb"
QUESTIONS = [
    "低保怎么申请？",
    "孩子上小学需要准备哪些材料？",
    "医保异地就医怎么备案",
    "请问不动产登记在哪里办理",
    "农村危房改造补助标准是多少",
]


@dataclass
class CallbackAccount:
    code: str
    appid: str
    token: str
    encoding_aes_key: str
    original_id: str


def load_account(govmatrix: str, env: dict[str, str], code: str = DEMO_ACCOUNT) -> CallbackAccount:
    """Read the account's callback settings the way an admin would (`govmatrix account show`)."""
    done = subprocess.run(
        [govmatrix, "account", "show", code], env=env, capture_output=True, text=True, timeout=60
    )
    if done.returncode != 0 or "{" not in done.stdout:
        raise RuntimeError(f"govmatrix account show {code} failed:\n{done.stdout}\n{done.stderr}")
    data = json.loads(done.stdout[done.stdout.index("{") :])
    if not data.get("encoding_aes_key"):
        raise RuntimeError(f"account {code} is not in safe mode")
    return CallbackAccount(
        code=code,
        appid=data["appid"],
        token=data["token"],
        encoding_aes_key=data["encoding_aes_key"],
        original_id=data.get("original_id") or f"gh_{hashlib.md5(code.encode()).hexdigest()[:12]}",
    )


def build_requests(account: CallbackAccount, count: int) -> list[str]:
    """`count` lines "PATH<TAB>BODY", each a distinct signed and encrypted text message."""
    crypto = WeChatCrypto(account.token, account.encoding_aes_key, account.appid)
    base_msg_id = int(time.time() * 1000) * 1000 + (os.getpid() % 1000)
    timestamp = str(int(time.time()))
    lines = []
    for i in range(count):
        nonce = secrets.token_hex(8)
        openid = f"oBench{i % 997:06d}xxxxxxxxxxxxxxxxxx"
        xml = (
            f"<xml><ToUserName><![CDATA[{account.original_id}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{QUESTIONS[i % len(QUESTIONS)]}]]></Content>"
            f"<MsgId>{base_msg_id + i}</MsgId></xml>"
        )
        envelope = ElementTree.fromstring(crypto.encrypt_message(xml, nonce, timestamp))
        signature = hashlib.sha1(
            "".join(sorted([account.token, timestamp, nonce])).encode()
        ).hexdigest()
        query = urlencode(
            {
                "signature": signature,
                "timestamp": timestamp,
                "nonce": nonce,
                "openid": openid,
                "encrypt_type": "aes",
                "msg_signature": envelope.findtext("MsgSignature") or "",
            }
        )
        body = (
            f"<xml><ToUserName><![CDATA[{account.original_id}]]></ToUserName>"
            f"<Encrypt><![CDATA[{envelope.findtext('Encrypt')}]]></Encrypt></xml>"
        )
        lines.append(f"/wechat/callback/{account.code}?{query}\t{body}")
    return lines


def paced_script(directory: Path, pause_ms: int) -> Path:
    """bench_wrk's round-robin script where each connection pauses after every answer, for a
    random time averaging `pause_ms` (uniform 0..2x, so the senders do not march in step):
    200 connections then behave like 200 senders writing at their own pace, instead of each
    firing its next message the instant the previous one is answered."""
    path = directory / f"round_robin_paced_{pause_ms}.lua"
    delay = f"function delay()\n  return math.random(0, {2 * int(pause_ms)})\nend\n"
    path.write_text(f"{LUA}\n{delay}", encoding="utf-8")
    return path


CALLBACK_BODIES = 50_000
CALLBACK_PAUSE_MS = 100


@part("callback")
def callback(bench: Bench) -> None:
    """Encrypted text messages to /wechat/callback: a closed loop of 200 senders, the same
    senders at a human pace, and the bare endpoint at 200 connections as the floor."""
    loaded: list[CallbackAccount] = []

    def account() -> CallbackAccount:
        if not loaded:
            loaded.append(load_account(bench.stack.govmatrix, bench.stack.env))
        return loaded[0]

    def requests_file(name: str) -> Path:
        return write_requests(bench.dir / name, build_requests(account(), CALLBACK_BODIES))

    def closed_loop() -> WrkResult | None:
        path, body = build_requests(account(), 1)[0].split("\t", 1)
        first = httpx.post(bench.app_url + path, content=body.encode(), timeout=10)
        if first.status_code == 404:
            raise NotAvailable("no callback endpoint (404)")
        if first.status_code != 200:
            raise RuntimeError(f"callback answered {first.status_code}: {first.text[:80]}")
        req_file = requests_file("callback.requests")
        return run_wrk(
            bench.app_url, req_file, bench.script, seconds=bench.seconds, connections=200, once=True
        )

    def paced() -> WrkResult | None:
        req_file = requests_file("callback-paced.requests")
        script = paced_script(bench.dir, CALLBACK_PAUSE_MS)
        return run_wrk(
            bench.app_url, req_file, script, seconds=bench.seconds, connections=200, once=True
        )

    loop = bench.run(
        Row("/wechat/callback encrypted text (200 conn)", target="p99 < 50 ms"),
        closed_loop,
        judge=lambda r: r.p99_ms < 50,
    )
    # The same senders at a human pace: each pauses after every answer. The closed loop above
    # ties p99 to throughput (200 in flight / messages per second); this shows the latency a
    # message sees when the worker is not saturated.
    human = bench.run(
        Row(
            f"/wechat/callback paced: 200 senders, 1 msg/{CALLBACK_PAUSE_MS} ms each",
            target="p99 < 50 ms",
        ),
        paced,
        judge=lambda r: r.p99_ms < 50,
    )
    print("==> bare Sanic at 200 connections (the floor under the callback figure)")
    with contextlib.suppress(Exception):
        floor = bench.measure(bench.bare_url, "bare200", ["/bare"], connections=200)
        bench.note(
            "bare Sanic /bare at 200 conn (floor)",
            f"{floor.ok_rps:,.0f} req/s, p50 {floor.p50_ms:.1f} ms, p99 {floor.p99_ms:.1f} ms",
        )
    if loop:
        bench.note("callback messages/s (accepted)", f"{loop.ok_rps:,.0f}")
        bench.note("callback p50 at 200 conn", f"{loop.p50_ms:.1f} ms")
    if human:
        bench.note("callback paced messages/s", f"{human.ok_rps:,.0f}")
