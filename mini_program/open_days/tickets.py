"""Signed tickets: `OD-<event>-<token>-<signature>`, short enough to type at the door.

`token` is 8 random characters (40 bits) stored with the registration; `signature` is the first
40 bits of HMAC-SHA256 over "<event>.<token>" with a key derived from APP_SECRET_KEY. A ticket
cannot be guessed (the token is random, not a sequence), cannot be forged (the signature needs
the server's secret) and names its event inside the signed part, so it is refused at another
event's door. The alphabet is Crockford's base32: typed O/I/L are read as 0/1/1.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from gateway.config import get_settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TOKEN_LENGTH = 8
SIGNATURE_LENGTH = 8
PREFIX = "OD"
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_SHAPE = re.compile(r"^(?:OD)?-?(\d{1,10})-?([0-9A-Z]{8})-?([0-9A-Z]{8})$")


@dataclass(frozen=True)
class ParsedTicket:
    event_id: int
    token: str
    signature_ok: bool


def new_token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(TOKEN_LENGTH))


def _key() -> bytes:
    # A key of its own, so a ticket signature can never double as a CSRF token or session.
    secret = get_settings().secret_key.encode()
    return hmac.new(secret, b"govmatrix open-day tickets v1", hashlib.sha256).digest()


def _signature(event_id: int, token: str) -> str:
    digest = hmac.new(_key(), f"{event_id}.{token}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:5], "big")
    return "".join(ALPHABET[(number >> shift) & 31] for shift in range(35, -1, -5))


def ticket_for(event_id: int, token: str) -> str:
    return f"{PREFIX}-{event_id}-{token}-{_signature(event_id, token)}"


def parse(text: str) -> ParsedTicket | None:
    """What a scanned or typed ticket says; None when it is not a ticket at all."""
    cleaned = re.sub(r"[\s_]", "", text or "").upper()
    if len(cleaned) > 40:
        return None
    head, sep, rest = cleaned.partition(PREFIX)
    if sep and not head:
        cleaned = PREFIX + rest.translate(_TYPED)
    else:
        cleaned = cleaned.translate(_TYPED)
    found = _SHAPE.match(cleaned)
    if not found:
        return None
    event_id, token, signature = int(found.group(1)), found.group(2), found.group(3)
    expected = _signature(event_id, token)
    return ParsedTicket(event_id, token, hmac.compare_digest(expected, signature))
