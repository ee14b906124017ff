"""Messages and events the sandbox pushes to an account's callback URL, signed (and encrypted
in safe mode) exactly as WeChat does, with WeChat's retry rule (5 s timeout, 3 retries)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
from collections.abc import Coroutine
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import httpx
from sanic import DefaultSanic
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import to_text

from matrix.sandbox.store import Store

log = logging.getLogger("govmatrix.sandbox.events")

CALLBACK_TIMEOUT = 5.0
CALLBACK_RETRIES = 3


def xml_message(fields: dict[str, Any]) -> str:
    """WeChat's flat XML: text in CDATA, numbers bare, nested dicts/lists as elements."""
    return "<xml>" + "".join(_element(k, v) for k, v in fields.items()) + "</xml>"


def _element(name: str, value: Any) -> str:
    if isinstance(value, dict):
        inner = "".join(_element(k, v) for k, v in value.items())
    elif isinstance(value, list):
        inner = "".join(_element("item", v) for v in value)
    elif isinstance(value, bool | int | float):
        inner = str(int(value) if isinstance(value, bool) else value)
    else:
        text = str(value)
        inner = f"<![CDATA[{text}]]>" if "]]>" not in text else escape(text)
    return f"<{name}>{inner}</{name}>"


def signed_request(app: dict[str, Any], xml: str, openid: str | None) -> tuple[str, bytes]:
    """The callback URL with its query string, and the body (encrypted in safe mode)."""
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(5)
    token = app["token"] or ""
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    query: dict[str, str] = {"signature": signature, "timestamp": timestamp, "nonce": nonce}
    if openid:
        query["openid"] = openid
    body = xml
    if app["encoding_aes_key"]:
        crypto = WeChatCrypto(token, app["encoding_aes_key"], app["appid"])
        encrypted = crypto.encrypt_message(xml, nonce, timestamp)
        # wechatpy's envelope carries MsgSignature: WeChat sends it in the query as well.
        root = ElementTree.fromstring(to_text(encrypted))
        query["encrypt_type"] = "aes"
        query["msg_signature"] = root.findtext("MsgSignature") or ""
        body = (
            f"<xml><ToUserName><![CDATA[{app['original_id']}]]></ToUserName>"
            f"<Encrypt><![CDATA[{root.findtext('Encrypt')}]]></Encrypt></xml>"
        )
    url = app["callback_url"]
    url += ("&" if "?" in url else "?") + urlencode(query)
    return url, body.encode("utf-8")


def decode_reply(app: dict[str, Any], url: str, response: httpx.Response) -> str | None:
    """The product's passive reply as plain XML (decrypted in safe mode), if it sent one."""
    text = response.text.strip()
    if not text or text == "success":
        return None
    if app["encoding_aes_key"] and "<Encrypt>" in text:
        root = ElementTree.fromstring(text)
        crypto = WeChatCrypto(app["token"] or "", app["encoding_aes_key"], app["appid"])
        try:
            return str(
                crypto.decrypt_message(
                    text,
                    root.findtext("MsgSignature") or "",
                    root.findtext("TimeStamp") or "",
                    root.findtext("Nonce") or "",
                )
            )
        # A reply that cannot be decrypted (for whatever reason) is shown, not raised.
        except Exception as exc:  # noqa: BLE001
            return f"<!-- reply could not be decrypted: {type(exc).__name__} -->"
    return text


async def deliver(
    sanic_app: DefaultSanic,
    app: dict[str, Any],
    fields: dict[str, Any],
    *,
    openid: str | None,
    retries: int = CALLBACK_RETRIES,
) -> dict[str, Any]:
    """POST one message to the account's callback URL; records the outcome."""
    store: Store = sanic_app.ctx.store
    outcome: dict[str, Any] = {
        "id": secrets.token_hex(8),
        "appid": app["appid"],
        "kind": fields.get("Event") or fields.get("MsgType"),
        "openid": openid,
        "at": time.time(),
        "delivered": False,
        "status": None,
        "attempts": 0,
        "reply": None,
        "error": None,
        "message": fields,
    }
    if not app["callback_url"]:
        outcome["error"] = "no callback_url registered"
        store.kv_put("delivery", app["appid"], outcome["id"], outcome)
        return outcome
    xml = xml_message(fields)
    client: httpx.AsyncClient = sanic_app.ctx.http
    for attempt in range(retries + 1):
        outcome["attempts"] = attempt + 1
        url, body = signed_request(app, xml, openid)
        try:
            response = await client.post(
                url, content=body, headers={"Content-Type": "text/xml"}, timeout=CALLBACK_TIMEOUT
            )
        except httpx.HTTPError as exc:
            outcome["error"] = f"{type(exc).__name__}"
        else:
            outcome["status"] = response.status_code
            if response.status_code == 200:
                outcome["delivered"] = True
                outcome["error"] = None
                outcome["reply"] = decode_reply(app, url, response)
                break
            outcome["error"] = f"HTTP {response.status_code}"
        if attempt < retries:
            await asyncio.sleep(0.2 * (attempt + 1))
    store.kv_put("delivery", app["appid"], outcome["id"], outcome)
    return outcome


def spawn(sanic_app: DefaultSanic, coro: Coroutine[Any, Any, Any]) -> None:
    """Run background work (event deliveries) and keep a reference until it finishes."""
    task = asyncio.get_running_loop().create_task(coro)
    sanic_app.ctx.tasks.add(task)
    task.add_done_callback(sanic_app.ctx.tasks.discard)
