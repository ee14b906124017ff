"""HTTP under wechatpy: every WeChat host redirected to settings.wechat_api_base, and the pool.

wechatpy's wxa, template, customservice and datacube modules and its token fetch hard-code
https://api.weixin.qq.com, so pointing WeChatClient.API_BASE_URL at the sandbox is not enough:
the rewrite happens in the requests.Session every client shares.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from gateway.config import get_settings

T = TypeVar("T")

# urllib3 logs request lines at DEBUG, and WeChat puts access tokens (and for jscode2session
# the AppSecret) in query strings: keep those lines out of any log, whatever the root level.
logging.getLogger("urllib3").setLevel(logging.WARNING)

REAL_BASE = "https://api.weixin.qq.com"
TIMEOUT = (5, 20)


class RedirectingSession(requests.Session):
    """A requests.Session that sends every *.weixin.qq.com URL to one configured base."""

    def __init__(self, base: str, pool_size: int) -> None:
        super().__init__()
        self.base = base.rstrip("/")
        self.redirecting = self.base != REAL_BASE
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if self.redirecting and isinstance(url, str):
            url = self.rewrite(url)
        kwargs.setdefault("timeout", TIMEOUT)
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = TIMEOUT
        return super().request(method, url, *args, **kwargs)

    def rewrite(self, url: str) -> str:
        parts = urlsplit(url)
        if not (parts.hostname or "").endswith("weixin.qq.com"):
            return url
        rest = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.base + rest


_lock = threading.Lock()
_session: RedirectingSession | None = None
_pool: ThreadPoolExecutor | None = None


def http_session() -> RedirectingSession:
    """The process's shared session (urllib3's pool is thread-safe; one per process)."""
    global _session
    settings = get_settings()
    with _lock:
        if _session is None or _session.base != settings.wechat_api_base.rstrip("/"):
            _session = RedirectingSession(settings.wechat_api_base, settings.wechat_threads)
        return _session


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=get_settings().wechat_threads, thread_name_prefix="wechat"
            )
        return _pool


async def run_blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run synchronous WeChat I/O in the bounded pool, never on the event loop."""
    loop = asyncio.get_running_loop()
    ctx = contextvars.copy_context()
    call = functools.partial(ctx.run, fn, *args, **kwargs)
    return await loop.run_in_executor(_executor(), call)


def shutdown() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None
