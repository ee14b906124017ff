"""Login throttling: lock a username, and an address, after repeated failures.

A username is locked after settings.login_max_failures failures within the lockout window.
An address is locked after four times as many: staff of one bureau often share one public
address behind the government network's NAT, and one person's typos must not lock out the
whole office, while a password-spraying address is still stopped. Unknown usernames are
counted and locked exactly like real ones, so the lockout reveals nothing about which exist.

The limit holds however many guesses arrive at once: an attempt reserves its place before
the password is verified, in one Redis script that looks at the locks, counts failures plus
attempts still being verified, compares with the limit and takes a place. Checking the lock
first and counting failures after the slow password hash let thirty parallel guesses all
pass the check before the first one was counted.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from gateway.config import get_settings
from gateway.redis import get_redis

IP_FACTOR = 4
# A reservation left behind by a process that died mid-verification frees its place after
# this long; a verification (argon2, ~0.1 s, queued behind a semaphore) never takes as long.
RESERVATION_SECONDS = 60

# KEYS: per subject (fail counter, reservations, lock); ARGV: window, reservation seconds,
# token, then per subject its limit.
# Answers 0 when a place was taken, the seconds left when a lock holds, and -1 when every
# place is held by failures and attempts still being verified (those will decide the lock).
_RESERVE = """
local window, hold, token = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local n = #KEYS / 3
local wait = 0
for i = 1, n do
  local ttl = redis.call('TTL', KEYS[3 * i])
  if ttl > wait then wait = ttl end
end
if wait > 0 then return wait end
for i = 1, n do
  local busy = KEYS[3 * i - 1]
  redis.call('ZREMRANGEBYSCORE', busy, '-inf', now)
  local used = tonumber(redis.call('GET', KEYS[3 * i - 2]) or '0') + redis.call('ZCARD', busy)
  if used >= tonumber(ARGV[3 + i]) then return -1 end
end
for i = 1, n do
  redis.call('ZADD', KEYS[3 * i - 1], now + hold, token)
  redis.call('EXPIRE', KEYS[3 * i - 1], window)
end
return 0
"""

# KEYS as above; ARGV: window, token, outcome (1 verified, 0 failed), then per subject its
# limit and whether a success forgives its failures (1/0).
# Answers {newly locked (1/0), seconds the longest lock still holds}.
_FINISH = """
local window, token, ok = tonumber(ARGV[1]), ARGV[2], ARGV[3] == '1'
local n = #KEYS / 3
local newly, wait = 0, 0
for i = 1, n do
  local fail, busy, lock = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  redis.call('ZREM', busy, token)
  if ok then
    if ARGV[3 + 2 * i] == '1' then redis.call('DEL', fail) end
  else
    local count = redis.call('INCR', fail)
    if redis.call('TTL', fail) < 0 then redis.call('EXPIRE', fail, window) end
    if count >= tonumber(ARGV[2 + 2 * i]) then
      if redis.call('SET', lock, '1', 'EX', window, 'NX') then newly = 1 end
      redis.call('DEL', fail)
    end
  end
  local ttl = redis.call('TTL', lock)
  if ttl > wait then wait = ttl end
end
return {newly, wait}
"""


@dataclass(frozen=True)
class _Subject:
    kind: str
    value: str
    limit: int
    # A successful sign-in forgives the username's earlier typos, not the address's.
    forgiven_by_success: bool

    @property
    def keys(self) -> list[str]:
        return [f"staff:login:{part}:{self.kind}:{self.value}" for part in ("fail", "busy", "lock")]


def _subjects(username: str, ip: str | None) -> list[_Subject]:
    limit = get_settings().login_max_failures
    subjects = [_Subject("user", normalise(username), limit, True)]
    if ip:
        subjects.append(_Subject("ip", ip, limit * IP_FACTOR, False))
    return subjects


def normalise(username: str) -> str:
    """The form of a username that is looked up and counted."""
    return username.strip().lower()[:64]


@dataclass(frozen=True)
class Attempt:
    """A place to verify one password, taken before the verification."""

    username: str
    ip: str | None
    token: str


class Refused(Exception):
    """No place to verify: locked, or every place is taken by failures and attempts in flight."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(retry_after)


async def reserve(username: str, ip: str | None) -> Attempt:
    """Take a place to verify a password for this username from this address, or raise
    Refused with the seconds to wait."""
    window = get_settings().login_lockout_seconds
    subjects = _subjects(username, ip)
    token = secrets.token_hex(8)
    keys = [key for s in subjects for key in s.keys]
    answer = int(
        await get_redis().eval(
            _RESERVE,
            len(keys),
            *keys,
            window,
            RESERVATION_SECONDS,
            token,
            *(s.limit for s in subjects),
        )
    )
    if answer > 0:
        raise Refused(answer)
    if answer < 0:
        # The attempts in flight will lock the subject if they fail; none may be added.
        raise Refused(window)
    return Attempt(username=username, ip=ip, token=token)


async def finish(attempt: Attempt, *, verified: bool) -> tuple[bool, int]:
    """Record the outcome of a reserved attempt.

    Returns (whether this failure started a lock, seconds any lock on the username or the
    address still holds).
    """
    window = get_settings().login_lockout_seconds
    subjects = _subjects(attempt.username, attempt.ip)
    keys = [key for s in subjects for key in s.keys]
    per_subject = [v for s in subjects for v in (s.limit, int(s.forgiven_by_success))]
    newly, wait = await get_redis().eval(
        _FINISH, len(keys), *keys, window, attempt.token, int(verified), *per_subject
    )
    return bool(newly), int(wait)


async def release(attempt: Attempt) -> None:
    """Give a place back without an outcome (the verification itself failed to run)."""
    async with get_redis().pipeline(transaction=False) as pipe:
        for subject in _subjects(attempt.username, attempt.ip):
            pipe.zrem(subject.keys[1], attempt.token)
        await pipe.execute()
