"""WeChat calls other rooms use: async, keyword-only, credentials passed in by the caller.

Every function raises matrix.wechat.errors.WeChatError (a typed subclass) on failure.
Secrets and tokens are never logged.
"""

from __future__ import annotations

import contextlib
import io
import mimetypes
from typing import Any

import httpx

from gateway.config import get_settings
from matrix.wechat import async_http, tokens
from matrix.wechat.client import GovWeChatClient, call
from matrix.wechat.errors import SandboxUnavailableError, WeChatError, error_for

WXA_BASE = "https://api.weixin.qq.com/"


async def code_to_session(*, appid: str, secret: str, js_code: str) -> dict[str, Any]:
    """Exchange a wx.login() code: {"openid", "session_key", "unionid"?}; CodeError if refused."""

    def op(client: GovWeChatClient) -> dict[str, Any]:
        return client.wxa.code_to_session(js_code)

    # A code is single-use: repeating the exchange after -1 is safe (the second try would
    # answer 40163 if the first had in fact succeeded, which the caller reports as such).
    return await call(op, appid=appid, secret=secret, label="jscode2session", needs_token=False)


async def get_access_token(*, appid: str, secret: str) -> str:
    """The shared access token (for diagnostics; callers normally never need it)."""
    return await tokens.get_token(appid=appid, secret=secret)


async def token_state(*, appid: str) -> dict[str, Any]:
    """{"state": "valid"|"none", "expires_in": seconds} of the shared token; never the token."""
    return await tokens.token_state(appid=appid)


async def get_callback_ip(*, appid: str, secret: str) -> list[str]:
    """WeChat's callback IPs: the cheapest real call that proves an account's credentials."""

    def op(client: GovWeChatClient) -> list[str]:
        return list(client.misc.get_wechat_ips())

    return await call(op, appid=appid, secret=secret, label="getcallbackip")


def _file(content: bytes, filename: str) -> tuple[str, io.BytesIO, str]:
    kind = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return (filename, io.BytesIO(content), kind)


async def upload_image(*, appid: str, secret: str, content: bytes, filename: str) -> str:
    """Upload an image used inside article HTML; returns its WeChat URL."""

    def op(client: GovWeChatClient) -> str:
        return str(client.media.upload_image(_file(content, filename)))

    return await call(op, appid=appid, secret=secret, label="media/uploadimg")


async def add_material(
    *, appid: str, secret: str, content: bytes, filename: str, media_type: str = "image"
) -> dict[str, Any]:
    """Add a permanent material (a cover: type image or thumb): {"media_id", "url"?}."""

    def op(client: GovWeChatClient) -> dict[str, Any]:
        result = client.material.add(media_type, _file(content, filename))
        return {k: result[k] for k in ("media_id", "url") if k in result}

    return await call(op, appid=appid, secret=secret, label="material/add_material")


async def add_draft(*, appid: str, secret: str, articles: list[dict[str, Any]]) -> str:
    """Create a draft from articles (title, content, thumb_media_id, ...); returns its media_id."""

    def op(client: GovWeChatClient) -> str:
        return str(client.draft.add(articles)["media_id"])

    return await call(op, appid=appid, secret=secret, label="draft/add")


async def publish(*, appid: str, secret: str, media_id: str) -> str:
    """Submit a draft for publication; returns publish_id. Store it at once: no idempotency."""

    def op(client: GovWeChatClient) -> str:
        return str(client.freepublish.submit(media_id)["publish_id"])

    # Not retried on -1: freepublish has no idempotency key and a retry could publish twice.
    return await call(op, appid=appid, secret=secret, label="freepublish/submit", retry_busy=False)


async def get_publish_status(*, appid: str, secret: str, publish_id: str) -> dict[str, Any]:
    """{"publish_status", "article_id"?, "article_urls": [...], "fail_idx": [...]}."""

    def op(client: GovWeChatClient) -> dict[str, Any]:
        return client.freepublish.get(publish_id)

    result = await call(op, appid=appid, secret=secret, label="freepublish/get")
    detail = result.get("article_detail") or {}
    return {
        "publish_id": str(result.get("publish_id", publish_id)),
        "publish_status": int(result.get("publish_status", 1)),
        "article_id": result.get("article_id"),
        "article_urls": [item.get("article_url") for item in detail.get("item", [])],
        "fail_idx": result.get("fail_idx", []),
    }


async def mass_send_all(
    *,
    appid: str,
    secret: str,
    media_id: str,
    clientmsgid: str,
    tag_id: int | None = None,
    send_ignore_reprint: int = 0,
) -> dict[str, Any]:
    """Group-send a draft to all followers (or a tag), idempotent by clientmsgid.

    Returns {"msg_id", "msg_data_id", "duplicate"}; duplicate=True when WeChat reports the
    clientmsgid as already sent (45065) and returns the earlier msg_id.
    """

    def op(client: GovWeChatClient) -> dict[str, Any]:
        return client.message.send_mass_article(
            media_id,
            tag_or_users=tag_id,
            is_to_all=tag_id is None,
            send_ignore_reprint=send_ignore_reprint,
            client_msg_id=clientmsgid,
        )

    try:
        result = await call(op, appid=appid, secret=secret, label="message/mass/sendall")
    except WeChatError as exc:
        if exc.errcode == 45065 and exc.extra.get("msg_id"):
            return {"msg_id": str(exc.extra["msg_id"]), "msg_data_id": None, "duplicate": True}
        raise
    return {
        "msg_id": str(result["msg_id"]),
        "msg_data_id": result.get("msg_data_id"),
        "duplicate": False,
    }


async def send_custom_text(*, appid: str, secret: str, openid: str, content: str) -> None:
    """A customer-service text reply; ReplyWindowError (45015) outside the 48-hour window."""

    def op(client: GovWeChatClient) -> None:
        client.message.send_text(openid, content)

    await call(op, appid=appid, secret=secret, label="message/custom/send")


async def send_subscribe_message(
    *,
    appid: str,
    secret: str,
    openid: str,
    template_id: str,
    data: dict[str, Any],
    page: str | None = None,
    miniprogram_state: str = "formal",
    lang: str = "zh_CN",
    retry_busy: bool = True,
) -> None:
    """A mini-program subscribe message; SubscribeGrantError (43101) without a grant.

    `data` maps keys to values, e.g. {"thing1": "办理结果", "time2": "2026-05-01 10:00"};
    plain values are wrapped as {"value": ...}. Sent over the async client
    (matrix.wechat.async_http) so a fan-out can keep hundreds in flight; DeliveryUnknownError
    means it may have arrived. `retry_busy=False` leaves -1 and unreachable WeChat to the
    caller (the fan-out retries per message, later).
    """
    body: dict[str, Any] = {
        "touser": openid,
        "template_id": template_id,
        "data": {k: v if isinstance(v, dict) else {"value": v} for k, v in data.items()},
        "miniprogram_state": miniprogram_state,
        "lang": lang,
    }
    if page:
        body["page"] = page
    await async_http.post_json(
        "message/subscribe/send", body, appid=appid, secret=secret, retry_busy=retry_busy
    )


def subscribe_session() -> contextlib.AbstractAsyncContextManager[None]:
    """Reuse connections for every send_subscribe_message inside (a fan-out):

    async with wechat.subscribe_session():
        await asyncio.gather(*(wechat.send_subscribe_message(...) for ...))
    """
    return async_http.session()


async def get_wxacode_unlimit(
    *,
    appid: str,
    secret: str,
    scene: str,
    page: str | None = None,
    width: int = 430,
    check_path: bool = True,
    env_version: str = "release",
) -> bytes:
    """A mini-program code (PNG bytes) that opens `page` with `scene`."""
    body: dict[str, Any] = {
        "scene": scene,
        "width": width,
        "check_path": check_path,
        "env_version": env_version,
        "auto_color": False,
        "is_hyaline": False,
    }
    if page:
        body["page"] = page

    def op(client: GovWeChatClient) -> bytes:
        response = client.post("wxa/getwxacodeunlimit", data=body, api_base_url=WXA_BASE)
        if isinstance(response, dict):
            raise error_for(int(response.get("errcode", -1)), str(response.get("errmsg", "")))
        return bytes(response.content)

    return await call(op, appid=appid, secret=secret, label="wxa/getwxacodeunlimit")


async def register_sandbox_app(
    *,
    appid: str,
    secret: str,
    kind: str,
    name: str,
    callback_url: str | None = None,
    token: str | None = None,
    encoding_aes_key: str | None = None,
) -> bool:
    """Register (upsert) an account in the sandbox; does nothing against real WeChat."""
    settings = get_settings()
    if not settings.uses_sandbox:
        return False
    payload = {
        "appid": appid,
        "secret": secret,
        "kind": kind,
        "name": name,
        "callback_url": callback_url,
        "token": token,
        "encoding_aes_key": encoding_aes_key,
    }
    await _sandbox_post("/sandbox/apps", payload)
    return True


async def _sandbox_post(path: str, payload: dict[str, Any]) -> None:
    base = get_settings().wechat_api_base
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            response = await client.post(path, json=payload)
    except httpx.TransportError as exc:
        raise SandboxUnavailableError(base) from exc
    response.raise_for_status()


async def register_sandbox_template(
    *, appid: str, template_id: str, title: str, keywords: list[str]
) -> bool:
    """Declare a mini-program's subscribe template in the sandbox (what choosing a template in
    WeChat's admin platform does); does nothing against real WeChat."""
    settings = get_settings()
    if not settings.uses_sandbox:
        return False
    payload = {"appid": appid, "template_id": template_id, "title": title, "keywords": keywords}
    await _sandbox_post("/sandbox/templates", payload)
    return True


async def ensure_sandbox() -> bool:
    """True when the sandbox answers, False against real WeChat; SandboxUnavailableError if
    APP_WECHAT_API_BASE points at a sandbox that is not running."""
    settings = get_settings()
    if not settings.uses_sandbox:
        return False
    try:
        async with httpx.AsyncClient(base_url=settings.wechat_api_base, timeout=5) as client:
            response = await client.get("/sandbox/apps")
    except httpx.TransportError as exc:
        raise SandboxUnavailableError(settings.wechat_api_base) from exc
    if response.status_code != 200:
        raise SandboxUnavailableError(settings.wechat_api_base)
    return True
