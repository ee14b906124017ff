"""Password hashing (argon2id) and the staff password policy."""

from __future__ import annotations

import asyncio
import re
from itertools import combinations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults are RFC 9106's "second recommended" argon2id profile
# (t=3, m=64 MiB, p=4): about 0.1 s per hash on the county's 2-core machines.
_hasher = PasswordHasher()

# Each verification holds 64 MiB and a core for ~0.1 s; a burst of logins must not exhaust
# memory or starve the event loop, so at most this many run at once per process.
_slots = asyncio.Semaphore(4)

# Verified against when the username does not exist, so an unknown user costs the same time
# as a wrong password and response timing does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("govmatrix-timing-equaliser")

MIN_LENGTH = 10
MAX_LENGTH = 128
# Lower case, upper case, digits, symbols: a password has at least three of the four kinds.
KINDS = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")
# What the OpenAPI document states of a password (length and kinds; the common-password,
# username and repetition rules are checked by password_problem alone).
PASSWORD_PATTERN = re.compile(
    "^(?:"
    + "|".join("".join(rf"(?=[\s\S]*{k})" for k in three) for three in combinations(KINDS, 3))
    + rf")[\s\S]{{{MIN_LENGTH},{MAX_LENGTH}}}$"
)
_COMMON = {
    "password123",
    "password@123",
    "admin12345",
    "admin@12345",
    "qwertyuiop",
    "1234567890",
    "a123456789",
    "abc1234567",
    "mengcheng123",
    "p@ssw0rd123",
}


async def hash_password_async(password: str) -> str:
    """Hash off the event loop (argon2 releases the GIL while it works)."""
    async with _slots:
        return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password against a stored hash; with no hash, spend the same time and fail."""
    async with _slots:
        return await asyncio.to_thread(_verify, password_hash, password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        ok = _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash used weaker parameters than today's; rehash at next login."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def password_problem(password: str, *, username: str = "") -> str | None:
    """Why a password is too weak (in Chinese), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 位"
    if len(password) > MAX_LENGTH:
        return f"密码最多 {MAX_LENGTH} 位"
    if sum(bool(re.search(kind, password)) for kind in KINDS) < 3:
        return "密码需包含大写字母、小写字母、数字、符号中的至少三类"
    if password.lower() in _COMMON:
        return "密码过于常见，请换一个"
    if username and username.lower() in password.lower():
        return "密码不能包含用户名"
    if len(set(password)) < 5:
        return "密码重复字符过多"
    return None
