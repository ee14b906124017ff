"""Recording scans without slowing the redirect and without tracking people.

Privacy: the address and the user agent are read once, in memory, and never stored (database,
Redis, logs). A scan keeps its channel, a bot flag and `visitor`: the first 16 hex digits of
SHA-256(daily salt | address truncated to /24 or /48 | device class). The salt is random,
lives only in Redis for two days and differs every day, so visitors can be counted within a
day but not followed from one day to the next, and nobody can turn a hash back into an address
once the salt is gone.

Speed (the catalogue's view counter's pattern): a scan is appended to an in-process buffer;
every FLUSH_EVERY seconds the server hands the buffer to Redis in one RPUSH, and the periodic
job `hall.persist_scans` moves what Redis holds into the database in one bulk insert, in a
worker process. The redirect never waits for Redis or the database, and the web process never
spends its CPU on inserts. Nothing is dropped on the way: a failed RPUSH keeps the scans in
memory for the next round (bounded by MAX_BUFFER, with a log line if that ever overflows); a
failed insert puts the claimed scans back into Redis; stopping the server hands its buffer
over (straight to the database if Redis is down). A crashed web process loses at most its last
half second; scans wait in Redis at most PERSIST_EVERY seconds (Redis restarting in that
window loses them, as it would catalogue views). Without a running writer (tests calling
services, the CLI) scans are written to the database at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from redis.exceptions import RedisError, ResponseError
from tortoise.transactions import in_transaction

from gateway.clock import SHANGHAI, local_date, now
from gateway.db import current_dialect
from gateway.redis import get_redis
from mini_program.hall.models import Channel, QrScan

log = logging.getLogger("govmatrix.hall")

SALT_KEY = "hall:visitor-salt:{day}"
PENDING_KEY = "hall:scans:pending"
PERSIST_EVERY = 15
PERSIST_BATCH = 20_000
SALT_TTL = 2 * 24 * 3600
FLUSH_EVERY = 0.5
MAX_BATCH = 2000
MAX_BUFFER = 200_000

_IPV4 = re.compile(r"^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$")
# Words in the user agents of crawlers, link previews and scripts (checked in lower case).
_BOT_WORDS = (
    "bot", "spider", "crawl", "slurp", "curl", "wget", "python-", "httpx", "go-http", "java/",
    "okhttp", "libwww", "scrapy", "headless", "phantom", "preview", "facebookexternalhit",
    "monitor", "check",
)  # fmt: skip


@dataclass(slots=True)
class PendingScan:
    spot_id: int
    at: datetime
    channel: Channel
    is_bot: bool
    visitor: str


def is_bot(user_agent: str, purpose: str = "") -> bool:
    """Crawlers, link previews, scripts and prefetches: counted apart from people."""
    return _bot_agent(user_agent) or "prefetch" in purpose.lower()


@lru_cache(maxsize=4096)
def _bot_agent(user_agent: str) -> bool:
    # Cached: a phone model's agent repeats all day, and a regular expression over every
    # agent cost more than the rest of the redirect.
    agent = user_agent.strip().lower()
    return not agent or any(word in agent for word in _BOT_WORDS)


def in_wechat(user_agent: str) -> bool:
    return "MicroMessenger" in user_agent


@lru_cache(maxsize=4096)
def device_class(user_agent: str) -> str:
    """A coarse class that separates people behind one address without identifying anyone."""
    ua = user_agent.lower()
    if "iphone" in ua or "ipad" in ua:
        return "ios"
    if "android" in ua:
        return "android"
    if "windows" in ua or "macintosh" in ua or "linux" in ua:
        return "desktop"
    return "other"


@lru_cache(maxsize=65536)
def truncate_address(address: str | None) -> str:
    """The /24 of an IPv4 address or the /48 of an IPv6 one ("" when unknown)."""
    if not address:
        return ""
    if _IPV4.match(address):  # the common case, without the cost of ipaddress
        return address.rsplit(".", 1)[0] + ".0"
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


_salts: dict[date, str] = {}


async def daily_salt(day: date) -> str:
    """Today's salt, shared by every process through Redis (SET NX), never stored elsewhere."""
    salt = _salts.get(day)
    if salt is not None:
        return salt
    key = SALT_KEY.format(day=day.isoformat())
    candidate = secrets.token_hex(32)
    try:
        redis = get_redis()
        await redis.set(key, candidate, nx=True, ex=SALT_TTL)
        salt = str(await redis.get(key) or candidate)
    except RedisError:
        # Without Redis each process salts on its own: visitors may count once per process
        # today, but nothing identifying is kept.
        log.warning("hall: Redis unavailable, visitor salt is local to this process today")
        salt = candidate
    _salts.clear()  # yesterday's salt leaves memory with the day,
    _digest.cache_clear()  # and so do the hashes made with it
    _salts[day] = salt
    return salt


async def visitor_hash(address: str | None, user_agent: str, day: date) -> str:
    truncated = truncate_address(address)
    if not truncated:
        return ""
    salt = _salts.get(day) or await daily_salt(day)
    return _digest(salt, truncated, device_class(user_agent))


@lru_cache(maxsize=65536)
def _digest(salt: str, truncated: str, device: str) -> str:
    return hashlib.sha256(f"{salt}|{truncated}|{device}".encode()).hexdigest()[:16]


class ScanWriter:
    """The per-process buffer and its writer task (see the module docstring)."""

    def __init__(self) -> None:
        self._buffer: list[PendingScan] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.written = 0
        self.dropped = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done() and not self._closing

    def start(self) -> None:
        self._closing = False
        self._wake = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="hall-scans")

    async def stop(self) -> None:
        """Write everything buffered, then end the task."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._buffer:
            await self.drain()

    async def add(self, scan: PendingScan) -> None:
        if not self.running:
            await insert([scan])
            self.written += 1
            return
        self.buffer(scan)

    def buffer(self, scan: PendingScan) -> None:
        """Queue a scan for the running writer (no await: the redirect never waits)."""
        self._buffer.append(scan)
        if len(self._buffer) >= MAX_BATCH:
            self._wake.set()

    async def flush(self) -> int:
        """Hand what is buffered to Redis in one command; on failure keep it for next round."""
        if not self._buffer:
            return 0
        batch, self._buffer = self._buffer, []
        try:
            await get_redis().rpush(PENDING_KEY, *(_encode(s) for s in batch))
        except RedisError:
            self._buffer[:0] = batch
            overflow = len(self._buffer) - MAX_BUFFER
            if overflow > 0:
                del self._buffer[:overflow]
                self.dropped += overflow
                log.error("hall: %d scans dropped while Redis was unavailable", overflow)
            raise
        self.written += len(batch)
        return len(batch)

    async def drain(self) -> None:
        """At shutdown: everything buffered to Redis, or to the database if Redis is down."""
        try:
            await self.flush()
        except RedisError:
            batch, self._buffer = self._buffer, []
            await insert(batch)

    async def _run(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_EVERY)
            self._wake.clear()
            try:
                await self.flush()
            except RedisError as exc:
                # Kept in memory and retried next round; one line, no traceback.
                log.warning("hall: %d scans wait for Redis (%s)", len(self._buffer), exc)


_COLUMNS = ("spot_id", "at", "day", "hour", "channel", "is_bot", "visitor")


@lru_cache(maxsize=2)
def _insert_sql(dialect: str) -> str:
    # Plain SQL: building a tortoise model per scan cost more than inserting it.
    known = set(QrScan._meta.fields_db_projection.values())
    assert set(_COLUMNS) <= known, "hall_qr_scan's columns changed"
    marks = [f"${i}" if dialect == "postgres" else "?" for i in range(1, len(_COLUMNS) + 1)]
    names = ", ".join(f'"{c}"' for c in _COLUMNS)
    return f'INSERT INTO "{QrScan._meta.db_table}" ({names}) VALUES ({", ".join(marks)})'


def _values(scan: PendingScan, *, as_text: bool) -> list[Any]:
    local = scan.at.astimezone(SHANGHAI)
    if as_text:
        # SQLite stores times as text; formatted here, the database thread (which competes
        # with the event loop for the GIL) does not call Python adapters for every row.
        at: Any = scan.at.isoformat(" ")
        day: Any = local.date().isoformat()
    else:
        at, day = scan.at, local.date()
    return [scan.spot_id, at, day, local.hour, scan.channel.value, scan.is_bot, scan.visitor]


def _encode(scan: PendingScan) -> str:
    # Compact text: spot, microseconds since the epoch, channel, bot flag, visitor hash.
    micros = int(scan.at.timestamp() * 1_000_000)
    return f"{scan.spot_id}|{micros}|{scan.channel.value}|{int(scan.is_bot)}|{scan.visitor}"


def _decode(raw: str) -> PendingScan:
    spot, micros, channel, bot, visitor = raw.split("|")
    at = datetime.fromtimestamp(int(micros) / 1_000_000, UTC)
    return PendingScan(int(spot), at, Channel(channel), bot == "1", visitor)


async def persist_pending() -> int:
    """Move the scans waiting in Redis into the database; returns how many were stored."""
    redis = get_redis()
    claimed = f"{PENDING_KEY}:{uuid.uuid4().hex}"
    stored = 0
    while True:
        # LMOVE-free claim: RENAME is atomic, so two persisting workers never store the same
        # scans twice; new scans meanwhile start a fresh pending list.
        try:
            await redis.rename(PENDING_KEY, claimed)
        except ResponseError as exc:
            if "no such key" in str(exc).lower():
                return stored
            raise
        raw = await redis.lrange(claimed, 0, -1)
        scans = [_decode(str(r)) for r in raw]
        try:
            for start in range(0, len(scans), PERSIST_BATCH):
                await insert(scans[start : start + PERSIST_BATCH])
        except Exception:
            # The database failed: the scans go back to wait for the next run.
            await redis.rpush(PENDING_KEY, *raw)
            await redis.delete(claimed)
            raise
        await redis.delete(claimed)
        stored += len(scans)


async def insert(scans: list[PendingScan]) -> None:
    """Store scans in one statement (one transaction)."""
    dialect = current_dialect()
    rows = [_values(s, as_text=dialect == "sqlite") for s in scans]
    async with in_transaction() as conn:
        await conn.execute_many(_insert_sql(dialect), rows)


writer = ScanWriter()


async def record(
    *,
    spot_id: int,
    channel: Channel,
    address: str | None,
    user_agent: str,
    purpose: str = "",
) -> None:
    """Count one scan of a spot (buffered; see the module docstring)."""
    at = now()
    scan = PendingScan(
        spot_id=spot_id,
        at=at,
        channel=channel,
        is_bot=is_bot(user_agent, purpose),
        visitor=await visitor_hash(address, user_agent, local_date(at)),
    )
    if writer.running:
        writer.buffer(scan)
    else:
        await writer.add(scan)
