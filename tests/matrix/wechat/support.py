"""Helpers of the WeChat client and sandbox tests: fresh sandbox apps and a callback receiver."""

from __future__ import annotations

import asyncio
import base64
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import xmltodict
from wechatpy.crypto import WeChatCrypto


@dataclass
class SandboxApp:
    appid: str
    secret: str
    kind: str
    token: str | None = None
    encoding_aes_key: str | None = None

    @property
    def creds(self) -> dict[str, str]:
        return {"appid": self.appid, "secret": self.secret}


async def register_app(
    sandbox: httpx.AsyncClient,
    kind: str = "service",
    *,
    callback_url: str | None = None,
    safe_mode: bool = True,
) -> SandboxApp:
    """A fresh account in the sandbox, so each test has its own tokens, quotas and clock."""
    app = SandboxApp(
        appid="wx" + secrets.token_hex(8),
        secret=secrets.token_hex(16),
        kind=kind,
        token=secrets.token_hex(8),
        encoding_aes_key=base64.b64encode(secrets.token_bytes(32)).decode()[:43]
        if safe_mode
        else None,
    )
    response = await sandbox.post(
        "/sandbox/apps",
        json={
            "appid": app.appid,
            "secret": app.secret,
            "kind": kind,
            "name": "测试账号",
            "callback_url": callback_url,
            "token": app.token,
            "encoding_aes_key": app.encoding_aes_key,
        },
    )
    assert response.status_code == 201, response.text
    return app


# A Wednesday morning in mid-month: hours from any day's or month's end.
PINNED_MORNING = "2026-06-10T10:00:00+08:00"


async def pin_clock(sandbox: httpx.AsyncClient, app: SandboxApp, at: str = PINNED_MORNING) -> None:
    """Set one app's sandbox clock to a fixed morning, for tests whose meaning depends on the
    date (daily and monthly quotas): run a few minutes before midnight, they would otherwise
    see the day change under them."""
    response = await sandbox.post("/sandbox/clock", json={"appid": app.appid, "at": at})
    assert response.status_code == 200, response.text


async def recorded(sandbox: httpx.AsyncClient, appid: str, path: str) -> list[dict[str, Any]]:
    response = await sandbox.get("/sandbox/calls", params={"appid": appid, "path": path})
    return response.json()["calls"]


async def eventually(check: Callable[[], Any], within: float = 10.0) -> Any:
    """Poll until check() returns something truthy (async work in another process)."""
    deadline = time.monotonic() + within
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


@dataclass
class Received:
    query: dict[str, str]
    body: str


@dataclass
class CallbackReceiver:
    """An HTTP endpoint in the test process standing in for the product's callback URL."""

    url: str
    received: list[Received] = field(default_factory=list)
    reply: str = "success"

    def decrypted(self, app: SandboxApp) -> list[dict[str, Any]]:
        """Every received message, verified and decrypted the way the product must."""
        messages = []
        for item in self.received:
            if app.encoding_aes_key:
                crypto = WeChatCrypto(app.token, app.encoding_aes_key, app.appid)
                xml = crypto.decrypt_message(
                    item.body,
                    item.query["msg_signature"],
                    item.query["timestamp"],
                    item.query["nonce"],
                )
            else:
                xml = item.body
            messages.append(xmltodict.parse(xml)["xml"])
        return messages


@contextmanager
def callback_receiver() -> Iterator[CallbackReceiver]:
    receiver = CallbackReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length).decode()
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            receiver.received.append(Received(query=query, body=body))
            payload = receiver.reply.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/wechat/callback/test"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
