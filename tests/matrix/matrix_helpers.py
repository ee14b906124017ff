"""Helpers for the matrix tests: staff sign-in, and a peer that talks to callbacks as WeChat does.

The peer is a client of our endpoint built on wechatpy's own crypto, so what it sends is what
WeChat sends: signatures, timestamps, nonces and AES ciphertext.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import xmltodict
from wechatpy.crypto import WeChatCrypto

from tests.gateway.staff_helpers import DEMO_PASSWORD, sign_in

__all__ = ["DEMO_PASSWORD", "Peer", "peer_for", "sign_in", "unique_appid", "unique_code"]


def unique_code(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def unique_appid() -> str:
    return "wx" + secrets.token_hex(8)


def text_xml(
    openid: str,
    content: str,
    msg_id: int | None = None,
    created: int | None = None,
    to: str = "gh_test000000",
) -> str:
    created = created or int(time.time())
    msg_id = msg_id or secrets.randbelow(10**15) + 10**15
    return (
        f"<xml><ToUserName><![CDATA[{to}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{created}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(
    openid: str, event: str, key: str = "", created: int | None = None, extra: str = ""
) -> str:
    created = created or int(time.time())
    return (
        f"<xml><ToUserName><![CDATA[gh_test000000]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{created}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
        f"<EventKey><![CDATA[{key}]]></EventKey>{extra}</xml>"
    )


def _sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


@dataclass
class Peer:
    code: str
    appid: str
    token: str
    aes_key: str
    safe_mode: bool

    @property
    def crypto(self) -> WeChatCrypto:
        return WeChatCrypto(self.token, self.aes_key, self.appid)

    def signed(
        self,
        body: str | bytes,
        *,
        timestamp: int | None = None,
        nonce: str | None = None,
        encrypt: bool | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """Query parameters and body of a callback POST, signed (and encrypted in safe mode)."""
        ts = str(timestamp or int(time.time()))
        nonce = nonce or secrets.token_hex(8)
        params = {
            "signature": hashlib.sha1(
                "".join(sorted([self.token, ts, nonce])).encode()
            ).hexdigest(),
            "timestamp": ts,
            "nonce": nonce,
        }
        if self.safe_mode if encrypt is None else encrypt:
            envelope = self.crypto.encrypt_message(body, nonce, ts)
            params["msg_signature"] = xmltodict.parse(envelope)["xml"]["MsgSignature"]
            params["encrypt_type"] = "aes"
            return params, envelope.encode()
        return params, body.encode() if isinstance(body, str) else body

    def envelope(
        self, encrypted: str, *, timestamp: int | None = None, nonce: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        """A safe-mode request around arbitrary ciphertext, correctly signed."""
        ts = str(timestamp or int(time.time()))
        nonce = nonce or secrets.token_hex(8)
        params = {
            "signature": hashlib.sha1(
                "".join(sorted([self.token, ts, nonce])).encode()
            ).hexdigest(),
            "timestamp": ts,
            "nonce": nonce,
            "msg_signature": _sha1(self.token, ts, nonce, encrypted),
            "encrypt_type": "aes",
        }
        body = f"<xml><ToUserName>gh_x</ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        return params, body.encode()

    async def post(self, api: httpx.AsyncClient, body: str | bytes, **kw: Any) -> httpx.Response:
        params, content = self.signed(body, **kw)
        return await api.post(f"/wechat/callback/{self.code}", params=params, content=content)

    def decrypt_reply(self, response: httpx.Response) -> dict[str, Any]:
        doc = xmltodict.parse(response.text)["xml"]
        plain = self.crypto.decrypt_message(
            response.text, doc["MsgSignature"], doc["TimeStamp"], doc["Nonce"]
        )
        return xmltodict.parse(plain)["xml"]


async def peer_for(code: str) -> Peer:
    """The WeChat side of an account (reads its callback settings, as an admin would)."""
    from matrix.service import registry

    account = await registry.get_account(code=code)
    settings = registry.callback_settings(account)
    return Peer(
        code=code,
        appid=settings["appid"],
        token=settings["token"],
        aes_key=settings["encoding_aes_key"],
        safe_mode=settings["safe_mode"],
    )
