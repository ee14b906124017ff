"""Secrets at rest: Fernet encryption (key from APP_ENCRYPTION_KEY) and masking for display."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from gateway.config import get_settings


class DecryptionError(ValueError):
    """Stored ciphertext that the configured key cannot open (wrong key or damaged value)."""


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode("ascii"))


def _current() -> Fernet:
    return _fernet(get_settings().encryption_key)


def encrypt(plaintext: str) -> str:
    """Encrypt a secret for storage; the result is ASCII and different every call."""
    return _current().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(ciphertext: str) -> str:
    """Decrypt a stored secret; raise DecryptionError if the key does not fit."""
    try:
        return _current().decrypt(ciphertext.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise DecryptionError("stored secret cannot be decrypted with APP_ENCRYPTION_KEY") from exc


def mask(value: str | None, *, keep_start: int = 3, keep_end: int = 3, fill: str = "*") -> str:
    """Show only the ends of a value (openids, secrets, ID numbers): 'oAb***xyz'."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return fill * len(value)
    return value[:keep_start] + fill * 4 + value[len(value) - keep_end :]
