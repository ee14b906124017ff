"""Recording scans without slowing the redirect and without tracking people.

Privacy: the address and the user agent are read once, in memory, and never stored (database,
Redis, logs). A scan keeps its channel, a bot flag and `visitor`: the first 16 hex digits of
SHA-256(daily salt | address truncated to /24 or /48 | device class). The salt is random,
lives only in Redis for two days and differs every day, so visitors can be counted within a
day but not followed from one day to the next, and nobody can turn a hash back into an address
once the salt is gone.

Speed: a scan is appended to an in-process buffer; a writer task inserts the buffer in one
bulk statement every FLUSH_EVERY seconds (or at once when it holds MAX_BATCH scans). The
redirect never waits for the database. A failed insert puts the scans back for the next
round (up to MAX_BUFFER, beyond which the oldest are dropped with a log line); stopping the
server drains the buffer. What a crashed process loses is at most its last half second.
Without a running writer (tests calling services, the CLI) scans are written at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from redis.exceptions import RedisError

from gateway.clock import SHANGHAI, local_date, now
from gateway.redis import get_redis
from mini_program.hall.models import Channel, QrScan

log = logging.getLogger("govmatrix.hall")

SALT_KEY = "hall:visitor-salt:{day}"
SALT_TTL = 2 * 24 * 3600
FLUSH_EVERY = 0.5
MAX_BATCH = 2000
MAX_BUFFER = 200_000

_BOT = re.compile(
    r"bot|spider|crawl|slurp|curl|wget|python-|httpx|go-http|java/|okhttp|libwww|scrapy|"
    r"headless|phantom|preview|facebookexternalhit|monitor|check|^$",
    re.IGNORECASE,
)


@dataclass(slots=True)
class PendingScan:
    spot_id: int
    at: datetime
    channel: Channel
    is_bot: bool
    visitor: str


def is_bot(user_agent: str, purpose: str = "") -> bool:
    """Crawlers, link previews, scripts and prefetches: counted apart from people."""
    return bool(_BOT.search(user_agent.strip())) or "prefetch" in purpose.lower()


def in_wechat(user_agent: str) -> bool:
    return "MicroMessenger" in user_agent


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


def truncate_address(address: str | None) -> str:
    """The /24 of an IPv4 address or the /48 of an IPv6 one ("" when unknown)."""
    if not address:
        return ""
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
    _salts.clear()  # yesterday's salt leaves memory with the day
    _salts[day] = salt
    return salt


async def visitor_hash(address: str | None, user_agent: str, day: date) -> str:
    truncated = truncate_address(address)
    if not truncated:
        return ""
    salt = await daily_salt(day)
    material = f"{salt}|{truncated}|{device_class(user_agent)}".encode()
    return hashlib.sha256(material).hexdigest()[:16]


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
            await self.flush()

    async def add(self, scan: PendingScan) -> None:
        if not self.running:
            await QrScan.bulk_create([_row(scan)])
            self.written += 1
            return
        self._buffer.append(scan)
        if len(self._buffer) >= MAX_BATCH:
            self._wake.set()

    async def flush(self) -> int:
        """Insert what is buffered in one statement; on failure keep it for the next round."""
        if not self._buffer:
            return 0
        batch, self._buffer = self._buffer, []
        try:
            await QrScan.bulk_create([_row(s) for s in batch], batch_size=MAX_BATCH)
        except Exception:
            # Any database failure (locked, gone, restarting): the scans go back in the queue;
            # the bound keeps a long outage from exhausting memory.
            self._buffer[:0] = batch
            overflow = len(self._buffer) - MAX_BUFFER
            if overflow > 0:
                del self._buffer[:overflow]
                self.dropped += overflow
                log.error("hall: %d scans dropped while the database was unavailable", overflow)
            raise
        self.written += len(batch)
        return len(batch)

    async def _run(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_EVERY)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                # Logged and retried next round; the writer must outlive a database hiccup.
                log.exception("hall: writing %d scans failed; retrying", len(self._buffer))


def _row(scan: PendingScan) -> QrScan:
    local = scan.at.astimezone(SHANGHAI)
    return QrScan(
        spot_id=scan.spot_id,
        at=scan.at,
        day=local.date(),
        hour=local.hour,
        channel=scan.channel,
        is_bot=scan.is_bot,
        visitor=scan.visitor,
    )


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
    visitor = await visitor_hash(address, user_agent, local_date(at))
    await writer.add(
        PendingScan(
            spot_id=spot_id,
            at=at,
            channel=channel,
            is_bot=is_bot(user_agent, purpose),
            visitor=visitor,
        )
    )
