"""wechatpy's WeChatClient run the disciplined way: our tokens, our retries, off the event loop.

wechatpy's own behaviours are switched off: its token fetching (tokens come from
matrix.wechat.tokens) and its auto_retry (which retries 40001 without limit).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage

from matrix.wechat import tokens
from matrix.wechat.errors import TOKEN_ERRCODES, BusyError, NetworkError, WeChatError, error_for
from matrix.wechat.transport import http_session, run_blocking

log = logging.getLogger("govmatrix.wechat")

T = TypeVar("T")

BUSY_RETRIES = 3


class GovWeChatClient(WeChatClient):
    """A WeChatClient bound to one access token (or none, for tokenless endpoints)."""

    def __init__(self, appid: str, secret: str, token: str | None) -> None:
        super().__init__(appid, secret, session=MemoryStorage(), timeout=None, auto_retry=False)
        self._token = token
        self._http = http_session()

    @property
    def access_token(self) -> str | None:  # type: ignore[override]
        return self._token

    # Tokenless endpoints (jscode2session) get access_token=None, which requests leaves out.
    def fetch_access_token(self) -> Any:
        raise AssertionError("tokens are fetched by matrix.wechat.tokens, never by wechatpy")


def _invoke(appid: str, secret: str, token: str | None, op: Callable[[GovWeChatClient], T]) -> T:
    client = GovWeChatClient(appid, secret, token)
    try:
        return op(client)
    except WeChatClientException as exc:
        errcode = exc.errcode
        if errcode is None:
            status = getattr(exc.response, "status_code", None)
            raise NetworkError(None, f"HTTP {status} from WeChat") from exc
        raise error_for(int(errcode), str(exc.errmsg or ""), **_extra(exc.response)) from exc
    except requests.RequestException as exc:
        raise NetworkError(None, f"WeChat unreachable: {type(exc).__name__}") from exc


def _extra(response: Any) -> dict[str, Any]:
    """Fields WeChat sends beside errcode/errmsg (45065 carries the earlier msg_id)."""
    try:
        data = response.json()
    except (AttributeError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if k not in ("errcode", "errmsg")}


async def call(
    op: Callable[[GovWeChatClient], T],
    *,
    appid: str,
    secret: str,
    label: str,
    needs_token: bool = True,
    retry_busy: bool = True,
) -> T:
    """Run one WeChat operation with the shared token, one refresh on a refused token,
    and jittered backoff on -1 (only when the operation is safe to repeat)."""
    refreshed = False
    busy_attempts = 0
    while True:
        token = await tokens.get_token(appid=appid, secret=secret) if needs_token else None
        try:
            result = await run_blocking(_invoke, appid, secret, token, op)
        except WeChatError as exc:
            if needs_token and token and exc.errcode in TOKEN_ERRCODES and not refreshed:
                # One refresh and one retry, never a loop (wechatpy's auto_retry loops).
                refreshed = True
                log.info(
                    "%s for %s refused the token (%s); refreshing once", label, appid, exc.errcode
                )
                await tokens.invalidate(appid=appid, token=token)
                continue
            if retry_busy and isinstance(exc, BusyError | NetworkError):
                busy_attempts += 1
                if busy_attempts <= BUSY_RETRIES:
                    await asyncio.sleep(tokens.backoff(busy_attempts))
                    continue
            log.warning("%s for %s failed: %s %s", label, appid, exc.errcode, exc.errmsg)
            raise
        return result
