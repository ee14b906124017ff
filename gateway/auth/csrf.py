"""CSRF protection for the console's cookie-authenticated requests.

Tokens are HMACs with the app's secret key, so nothing needs storing:
- a signed-in staff member's token is bound to their session (it changes at every login);
- before sign-in (the login form) it is bound to a random nonce in an HttpOnly cookie
  (a signed double-submit cookie).
Forms send it as the `csrf_token` field (use `{{ csrf_field() }}` in templates); htmx and
scripts send the `X-CSRF-Token` header (base.html sets it for every htmx request).
Requests authenticated by a Bearer header need no token: browsers never add that header.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sanic import Request
from sanic.request import RequestParameters
from sanic.response import HTTPResponse

from gateway.config import get_settings

COOKIE = "gm_csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _sign(value: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, b"csrf:" + value.encode(), hashlib.sha256).hexdigest()


def _nonce(request: Request) -> str:
    nonce = request.cookies.get(COOKIE) or getattr(request.ctx, "csrf_new_nonce", None)
    if not nonce or len(nonce) > 64:
        nonce = secrets.token_urlsafe(24)
        request.ctx.csrf_new_nonce = nonce
    return nonce


def csrf_token(request: Request) -> str:
    """The token to embed in a form rendered for this request."""
    session_key = getattr(request.ctx, "session_key", None)
    if session_key:
        return _sign("session:" + session_key)
    return _sign("nonce:" + _nonce(request))


def set_csrf_cookie(request: Request, response: HTTPResponse) -> None:
    """Attach the nonce cookie if rendering this response created one."""
    nonce = getattr(request.ctx, "csrf_new_nonce", None)
    if nonce:
        response.add_cookie(
            COOKIE,
            nonce,
            httponly=True,
            samesite="Lax",
            secure=get_settings().is_production,
            path="/",
        )


def form_of(request: Request) -> RequestParameters:
    """The request's form fields; empty (never None, never an error) for other bodies."""
    try:
        form = request.form
    # An unparsable form body (of whatever kind) simply has no fields.
    except Exception:  # noqa: BLE001
        return RequestParameters()
    return form if form is not None else RequestParameters()


def submitted_token(request: Request) -> str:
    return str(request.headers.get(HEADER, "") or form_of(request).get(FIELD, "") or "")


def csrf_valid(request: Request) -> bool:
    """Whether the request carries a token this browser was given."""
    token = submitted_token(request)
    if not token:
        return False
    candidates = []
    session_key = getattr(request.ctx, "session_key", None)
    if session_key:
        candidates.append(_sign("session:" + session_key))
    nonce = request.cookies.get(COOKIE)
    if nonce:
        candidates.append(_sign("nonce:" + nonce))
    return any(hmac.compare_digest(token, c) for c in candidates)
