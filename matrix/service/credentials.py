"""An account's secrets: generating callback Tokens and AES keys, and reading them decrypted.

The registry stores them (Fernet-encrypted, gateway.crypto); the callback endpoint, the inbox
and the WeChat client read them through these helpers. Kept apart from the registry so that
readers of credentials never import the registry that announces changes to them.
"""

from __future__ import annotations

import base64
import secrets
import string
from dataclasses import dataclass
from functools import lru_cache

from gateway import crypto
from gateway.config import get_settings
from matrix.models import Account


@dataclass(frozen=True)
class Credentials:
    """What the WeChat client needs for one account; never logged, never returned by the API."""

    appid: str
    secret: str

    def __repr__(self) -> str:  # keep the secret out of tracebacks and logs
        return f"Credentials(appid={self.appid!r}, secret='***')"


def generate_token() -> str:
    """A callback Token: 32 random letters and digits (WeChat allows 3–32)."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def generate_aes_key() -> str:
    """A 43-character EncodingAESKey (base64 of 32 random bytes without the padding)."""
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")


@lru_cache(maxsize=1024)
def _decrypt_cached(ciphertext: str, key: str) -> str:
    # Keyed by the encryption key too, so a changed APP_ENCRYPTION_KEY never serves stale text.
    return crypto.decrypt(ciphertext)


def decrypt_field(ciphertext: str | None) -> str | None:
    """Decrypt a stored secret (callbacks do this on every message, hence the cache)."""
    if not ciphertext:
        return None
    return _decrypt_cached(ciphertext, get_settings().encryption_key)


def aes_key_of(account: Account) -> str | None:
    return decrypt_field(account.aes_key_encrypted)


def secret_of(account: Account) -> str | None:
    return decrypt_field(account.secret_encrypted)


def token_of(account: Account) -> str | None:
    return decrypt_field(account.callback_token_encrypted)


def encrypt_token(token: str | None) -> str | None:
    return crypto.encrypt(token) if token else None
