"""Signed, expiring links to an application's files for the mini-program.

wx.downloadFile fetches a URL without the page's Authorization header, so the detail answer
hands out links signed with APP_SECRET_KEY that work for APP_APPLICATIONS_FILE_LINK_SECONDS.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from gateway.config import get_settings
from mini_program.applications.settings import get_app_settings


def _signature(app_id: int, file_id: int, expires: int) -> str:
    key = get_settings().secret_key.encode()
    message = f"application-file:{app_id}:{file_id}:{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:40]


def file_url(app_id: int, file_id: int, *, now: float | None = None) -> str:
    # Rounded up to the minute so repeated detail reads give the same link (cacheable).
    ttl = get_app_settings().file_link_seconds
    expires = (int((now or time.time()) + ttl) // 60 + 1) * 60
    return (
        f"/api/v1/mp/applications/{app_id}/files/{file_id}"
        f"?expires={expires}&signature={_signature(app_id, file_id, expires)}"
    )


def valid(app_id: int, file_id: int, expires: int, signature: str) -> bool:
    if expires < time.time():
        return False
    return hmac.compare_digest(signature, _signature(app_id, file_id, expires))
