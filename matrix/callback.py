"""WeChat's callback endpoint: `/wechat/callback/{account_code}`.

GET answers WeChat's URL verification; POST receives follower messages and platform events,
plaintext or safe mode (AES). Everything a stranger can send is checked before any work: the
body size (64 KB here, far below the app-wide limit), the signature, the timestamp (±5 minutes),
entity declarations (refused before any parser sees them: billion laughs, XXE), the ciphertext,
and a replayed nonce. Each rejection answers its status in the error shape and logs one line;
nothing rejected is stored. An accepted message is answered (`success`, or a passive reply) only
once it is committed to the database: follower messages go through the per-process group-commit
writer (matrix/service/intake_writer.py), which this module starts and stops with the server.
If it cannot be stored the answer is 503 and WeChat retries. The account's Token and decrypted
EncodingAESKey come from a per-process snapshot (matrix/service/callback_accounts.py).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, text
from sanic_ext import openapi
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply

from gateway.errors import ApiError, error_response, route_max_length
from matrix.callback_xml import MalformedXml, parse_document
from matrix.models import CODE_MAX_LENGTH
from matrix.service import intake
from matrix.service.callback_accounts import CallbackAccount, get_callback_account
from matrix.service.registry import sync_all_with_sandbox

log = logging.getLogger("govmatrix.matrix.callback")

bp = Blueprint("matrix_callback")

MAX_BODY_BYTES = 64 * 1024
DRAIN_LIMIT_BYTES = 8 * 1024 * 1024
TIMESTAMP_SKEW_SECONDS = 300
SIGNAL = "matrix.platform_event.received"
_ENTITY_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


# After the app's own listener connected the database.
@bp.listener("before_server_start", priority=-10)
async def _point_sandbox_here(app: Any) -> None:
    count = await sync_all_with_sandbox()
    if count:
        log.info("registered %d accounts' callback URLs with the sandbox", count)


@bp.listener("before_server_start", priority=-10)
async def _start_intake_batching(app: Any) -> None:
    intake.start_batching()


# Shutdown listeners run in reverse priority: this one stores pending messages before the
# app's own listener closes the database and Redis.
@bp.listener("after_server_stop", priority=-10)
async def _stop_intake_batching(app: Any) -> None:
    await intake.stop_batching()


class Rejected(ApiError):
    """A callback refused before any state changed."""


def _reject(status: int, code: str, message: str) -> Rejected:
    return Rejected(message, code=code, status=status)


def _sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "replace"), b.encode("utf-8", "replace"))


async def _account_for(code: str) -> CallbackAccount:
    account = await get_callback_account(code)
    if account is None:
        raise _reject(404, "account_not_found", "没有这个账号")
    return account


def _signed_params(request: Request) -> tuple[str, str, str]:
    signature = request.args.get("signature", "")
    timestamp = request.args.get("timestamp", "")
    nonce = request.args.get("nonce", "")
    if not (signature and timestamp and nonce) or len(nonce) > 64 or len(timestamp) > 16:
        raise _reject(403, "bad_signature", "签名参数缺失或无效")
    return signature, timestamp, nonce


def _check_signature(account: CallbackAccount, signature: str, timestamp: str, nonce: str) -> None:
    expected = _sha1(account.token, timestamp, nonce)
    if not _same(expected, signature):
        raise _reject(403, "bad_signature", "签名校验失败")


def _check_timestamp(timestamp: str) -> None:
    try:
        sent = int(timestamp)
    except ValueError:
        raise _reject(403, "bad_timestamp", "时间戳无效") from None
    if abs(time.time() - sent) > TIMESTAMP_SKEW_SECONDS:
        raise _reject(403, "stale_timestamp", "时间戳与服务器时间相差超过 5 分钟")


def _parse_xml(data: bytes) -> dict[str, Any]:
    # Refuse declarations outright: no DTD has any business in a WeChat callback.
    if _ENTITY_RE.search(data):
        raise _reject(400, "xml_entities_refused", "拒绝包含 DOCTYPE/ENTITY 声明的 XML")
    try:
        doc = parse_document(data)
    except MalformedXml:  # expat errors, bad encodings: all mean malformed input
        raise _reject(400, "malformed_xml", "XML 格式错误") from None
    root = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise _reject(400, "malformed_xml", "XML 缺少 <xml> 根元素")
    return root


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    try:
        declared_size = int(declared) if declared is not None else None
    except ValueError:
        raise _reject(400, "bad_request", "Content-Length 无效") from None
    if declared_size is not None and declared_size > DRAIN_LIMIT_BYTES:
        raise _reject(413, "payload_too_large", "回调消息过大")
    # Read (and, past the limit, discard) up to DRAIN_LIMIT_BYTES, so the client receives our
    # 413 instead of a connection reset in the middle of its upload; beyond it, Sanic closes.
    request.stream.request_max_size = DRAIN_LIMIT_BYTES  # type: ignore[union-attr]
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.stream.read()  # type: ignore[union-attr]
        if chunk is None:
            break
        size += len(chunk)
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk)
    if size > MAX_BODY_BYTES:
        raise _reject(413, "payload_too_large", "回调消息过大")
    return b"".join(chunks)


def _decrypt(
    account: CallbackAccount, root: dict[str, Any], timestamp: str, nonce: str, msg_signature: str
) -> bytes:
    encrypted = root.get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        raise _reject(400, "malformed_xml", "Encrypt 字段为空")
    if account.prp is None or not account.appid:
        raise _reject(400, "decrypt_failed", "该账号未配置 EncodingAESKey")
    if not msg_signature or not _same(
        _sha1(account.token, timestamp, nonce, encrypted), msg_signature
    ):
        raise _reject(403, "bad_signature", "消息签名校验失败")
    try:
        # wechatpy's PrpCrypto, built once per account snapshot.
        plain = account.prp.decrypt(encrypted, account.appid)
    # Bad base64, truncated blocks, bad padding, another app's id: each raises its own kind.
    except Exception:  # noqa: BLE001
        raise _reject(400, "decrypt_failed", "消息解密失败") from None
    return plain.encode("utf-8") if isinstance(plain, str) else bytes(plain)


def _normalise(root: dict[str, Any]) -> dict[str, Any]:
    """wechatpy's parse_message rewrites, applied to the dict we already parsed (parsing the
    same XML twice cost more than the decryption): scan-to-subscribe events get their type."""
    if str(root.get("MsgType", "")).lower() == "event" and "Event" in root:
        key = root.get("EventKey")
        if str(root["Event"]).lower() == "subscribe" and isinstance(key, str) and key:
            if key.startswith(("scanbarcode|", "scanimage|")):
                root["Event"] = "subscribe_scan_product"
            elif key.startswith("qrscene_"):
                root["Event"] = "subscribe_scan"
                root["EventKey"] = key[len("qrscene_") :]
    return root


def _render_reply(
    account: CallbackAccount, raw: dict[str, Any], content: str, encrypted: bool, nonce: str
) -> str:
    reply = TextReply(
        source=str(raw.get("ToUserName", "")),
        target=str(raw.get("FromUserName", "")),
        content=content,
    ).render()
    if not encrypted:
        return reply
    crypto = WeChatCrypto(account.token, account.aes_key, account.appid)
    return crypto.encrypt_message(reply, nonce, str(int(time.time())))


_TEXT = {"text/plain": {"schema": {"type": "string"}}}
_XML = {"schema": {"type": "string", "description": "WeChat's XML (encrypted in safe mode)"}}


def _signed(handler: Any) -> Any:
    """Document the query parameters WeChat signs every callback with."""
    for name, description in (
        ("signature", "sha1(sorted Token, timestamp, nonce)"),
        ("timestamp", "Unix seconds"),
        ("nonce", "random, single-use"),
    ):
        handler = openapi.parameter(name, str, "query", required=True, description=description)(
            handler
        )
    return openapi.tag("wechat")(handler)


def _rejection(code: str, exc: Rejected, request: Request) -> HTTPResponse:
    log.warning(
        "callback %s %s rejected %s: %s (%s bytes from %s)",
        request.method,
        code[:32],
        exc.status,
        exc.code,
        request.headers.get("content-length", "?"),
        request.ip,
    )
    return error_response(exc.status, exc.code, exc.message)


@bp.get("/wechat/callback/<code:str>")
@_signed
@openapi.parameter("echostr", str, "query", description="returned as is when the signature holds")
@openapi.response(200, _TEXT, "echostr")
@route_max_length(code=CODE_MAX_LENGTH)
async def verify(request: Request, code: str) -> HTTPResponse:
    """WeChat's URL check: echo `echostr` when the signature is right."""
    try:
        account = await _account_for(code)
        signature, timestamp, nonce = _signed_params(request)
        _check_signature(account, signature, timestamp, nonce)
    except Rejected as exc:
        return _rejection(code, exc, request)
    return text(request.args.get("echostr", "")[:256])


@bp.post("/wechat/callback/<code:str>", stream=True)
@_signed
@openapi.parameter("msg_signature", str, "query", description="safe mode: signature of Encrypt")
@openapi.parameter("encrypt_type", str, "query", description="aes in safe mode")
@openapi.body({"application/xml": _XML, "text/xml": _XML}, required=True)
@openapi.response(200, {**_TEXT, "application/xml": _XML}, "success, or a passive reply")
@route_max_length(code=CODE_MAX_LENGTH)
async def receive(request: Request, code: str) -> HTTPResponse:
    """A follower message or platform event; answers `success` or a passive reply."""
    try:
        account = await _account_for(code)
        body = await _read_body(request)
        signature, timestamp, nonce = _signed_params(request)
        _check_signature(account, signature, timestamp, nonce)
        _check_timestamp(timestamp)
        root = _parse_xml(body)
        encrypted = "Encrypt" in root
        if encrypted:
            plain = _decrypt(account, root, timestamp, nonce, request.args.get("msg_signature", ""))
            root = _parse_xml(plain)
        elif account.safe_mode:
            raise _reject(400, "encryption_required", "该账号为安全模式，只接受加密消息")
        msg_type = str(root.get("MsgType", "")).lower()
        # Both must be plain text: a sender given as an element with attributes or children
        # would otherwise be stored as a message from nobody.
        sender = root.get("FromUserName")
        if not msg_type or not isinstance(root.get("MsgType"), str) or not isinstance(sender, str):
            raise _reject(400, "malformed_xml", "缺少 MsgType 或 FromUserName")
        raw = _normalise(root)
        outcome = await intake.handle(
            account=account,
            msg_type=msg_type,
            raw=raw,
            replay_key=f"matrix:cb:nonce:{account.id}:{timestamp}:{nonce}",
        )
        if outcome.replayed:
            raise _reject(403, "replayed_nonce", "重复的请求（nonce 已使用）")
    except Rejected as exc:
        return _rejection(code, exc, request)
    except intake.StorageUnavailable:
        # Not acknowledged, so WeChat retries (its keys were released for that).
        return error_response(503, "storage_unavailable", "消息暂时无法保存，请稍后重试")
    if outcome.platform_event_id is not None:
        await request.app.dispatch(
            SIGNAL,
            context={
                "event_id": outcome.platform_event_id,
                "account_code": account.code,
                "event_type": outcome.kind,
            },
            fail_not_found=False,
        )
    if outcome.reply:
        xml = _render_reply(account, raw, outcome.reply, encrypted, nonce)
        return text(xml, content_type="application/xml; charset=utf-8")
    return text("success")
