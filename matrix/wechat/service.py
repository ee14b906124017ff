"""WeChat calls other rooms use: async, keyword-only, credentials passed in by the caller."""

from __future__ import annotations

import httpx

from gateway.config import get_settings


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
    async with httpx.AsyncClient(base_url=settings.wechat_api_base, timeout=10) as client:
        response = await client.post("/sandbox/apps", json=payload)
    response.raise_for_status()
    return True
