"""Group commit for follower messages: many callbacks, one transaction.

A callback may answer WeChat only once its message is in the database (Redis is not durable
storage here). One transaction per message made SQLite's single writer the bottleneck: under
200 concurrent senders the commits queued behind each other and p99 passed a second. So each
process runs one writer task (a Batcher, matrix/service/batching.py). A request hands its
message to the writer and awaits a future; the writer takes everything pending, inserts it in
ONE transaction (a bulk insert of the messages, one of new followers, a few conditional updates
of `last_message_at`) and then resolves every future.

Failures: if a batch fails, its messages are retried one by one, so one bad message fails only
its own request; each request whose message could not be stored gets StorageUnavailable (the
endpoint answers 503 and WeChat retries). When no writer runs (tests calling services, the CLI,
a request finishing during shutdown) messages are written directly, one transaction each.
The writer is started and stopped with the server (matrix/callback.py's listeners); stopping
drains what is pending.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from tortoise.models import Model
from tortoise.transactions import in_transaction

from gateway.db import current_dialect, placeholders
from matrix.models import Follower, InboxMessage, InboxStatus
from matrix.service.batching import Batcher

log = logging.getLogger("govmatrix.matrix.callback")

MAX_BATCH = 500


class StorageUnavailable(Exception):
    """The message could not be stored; the caller must not acknowledge it."""


@dataclass(slots=True)
class PendingMessage:
    """One follower message on its way into the inbox."""

    account_id: int
    department_code: str | None
    openid: str
    msg_type: str
    content: str
    media_id: str | None
    dedupe_key: str
    received_at: datetime
    reply: str | None = None

    def values(self) -> tuple[Any, ...]:
        """The row for _INBOX_COLUMNS."""
        reply = self.reply
        return (
            self.account_id,
            self.department_code,
            self.openid,
            self.msg_type,
            self.content,
            self.media_id,
            self.dedupe_key,
            self.received_at,
            # A keyword answered automatically needs no staff reply.
            (InboxStatus.CLOSED if reply else InboxStatus.NEW).value,
            bool(reply),
            reply,
            self.received_at if reply else None,
            0 if reply else None,
        )


# The hot statements are written as SQL (the same on SQLite and PostgreSQL but for
# placeholders): building a tortoise model per message cost more than the insert itself, and
# every statement is a hop to the database thread that waits behind the event loop's queue.
# The columns are checked against the models when a statement is first built.
_INBOX_COLUMNS = (
    "account_id",
    "department_code",
    "openid",
    "msg_type",
    "content",
    "media_id",
    "dedupe_key",
    "received_at",
    "status",
    "auto_replied",
    "reply_text",
    "replied_at",
    "reply_workdays",
)
_FOLLOWER_COLUMNS = ("account_id", "openid", "subscribed", "last_message_at", "created_at")


def _checked(model: type[Model], columns: tuple[str, ...]) -> str:
    known = set(model._meta.fields_db_projection.values())
    if missing := set(columns) - known:
        raise RuntimeError(f"{model.__name__} has no column(s) {sorted(missing)}")
    return ", ".join(f'"{c}"' for c in columns)


@lru_cache(maxsize=4)
def _inbox_sql(dialect: str) -> str:
    names = _checked(InboxMessage, _INBOX_COLUMNS)
    table = InboxMessage._meta.db_table
    # ON CONFLICT DO NOTHING covers unique constraints only (unlike SQLite's INSERT OR IGNORE,
    # which would also swallow a NOT NULL or foreign key failure and lose a message silently).
    marks = placeholders(len(_INBOX_COLUMNS), dialect=dialect)
    return f'INSERT INTO "{table}" ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING'


@lru_cache(maxsize=4)
def _follower_sql(dialect: str) -> str:
    names = _checked(Follower, _FOLLOWER_COLUMNS)
    table = Follower._meta.db_table
    marks = placeholders(len(_FOLLOWER_COLUMNS), dialect=dialect)
    # A new follower is inserted; a known one only has last_message_at moved forward (a
    # delayed retry of an older message never moves it back). Same syntax on both databases.
    return (
        f'INSERT INTO "{table}" ({names}) VALUES ({marks}) '
        'ON CONFLICT ("account_id", "openid") DO UPDATE '
        'SET "last_message_at" = excluded."last_message_at" '
        f'WHERE "{table}"."last_message_at" IS NULL '
        f'OR "{table}"."last_message_at" < excluded."last_message_at"'
    )


async def write_messages(messages: Sequence[PendingMessage]) -> None:
    """Store messages and touch their followers in one transaction (two statements).

    A message already stored (same account and dedupe key: WeChat's retry after Redis forgot
    it) is skipped by the unique constraint, not an error.
    """
    latest: dict[tuple[int, str], datetime] = {}
    for m in messages:
        key = (m.account_id, m.openid)
        if key not in latest or m.received_at > latest[key]:
            latest[key] = m.received_at
    dialect = current_dialect()
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        inbox_rows: list[Any] = [m.values() for m in messages]
        follower_rows: list[Any] = [(a, o, True, at, now) for (a, o), at in latest.items()]
        await conn.execute_many(_inbox_sql(dialect), inbox_rows)
        await conn.execute_many(_follower_sql(dialect), follower_rows)


async def _write_batch(messages: Sequence[PendingMessage]) -> list[None]:
    try:
        await write_messages(messages)
    except Exception as exc:
        if len(messages) == 1:
            log.error("inbox write failed: %s: %s", type(exc).__name__, str(exc)[:200])
            raise StorageUnavailable(type(exc).__name__) from exc
        raise  # the batcher retries the messages one by one
    return [None] * len(messages)


_writer: Batcher[PendingMessage, None] | None = None


def start_writer() -> Batcher[PendingMessage, None]:
    """Start this process's writer (a before_server_start listener calls it)."""
    global _writer
    if _writer is None or not _writer.running:
        _writer = Batcher("intake-writer", _write_batch, max_batch=MAX_BATCH, retry_singly=True)
        _writer.start()
    return _writer


async def stop_writer() -> None:
    """Drain and stop this process's writer (an after_server_stop listener calls it)."""
    global _writer
    writer, _writer = _writer, None
    if writer is not None:
        await writer.stop()
        log.info(
            "intake writer stopped: %d messages in %d batches (largest %d)",
            writer.items,
            writer.batches,
            writer.largest,
        )


async def store_message(message: PendingMessage) -> None:
    """Store one follower message (committed on return), through the writer when it runs."""
    if _writer is not None:
        await _writer.submit(message)
    else:
        await _write_batch([message])
