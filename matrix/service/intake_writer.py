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
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

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

    def row(self) -> InboxMessage:
        reply = self.reply
        return InboxMessage(
            account_id=self.account_id,
            department_code=self.department_code,
            openid=self.openid,
            msg_type=self.msg_type,
            content=self.content,
            media_id=self.media_id,
            dedupe_key=self.dedupe_key,
            received_at=self.received_at,
            # A keyword answered automatically needs no staff reply.
            status=InboxStatus.CLOSED if reply else InboxStatus.NEW,
            auto_replied=bool(reply),
            reply_text=reply,
            replied_at=self.received_at if reply else None,
            reply_workdays=0 if reply else None,
        )


async def write_messages(messages: Sequence[PendingMessage]) -> None:
    """Store messages and touch their followers in one transaction.

    A message already stored (same account and dedupe key: WeChat's retry after Redis forgot
    it) is skipped by the unique constraint, not an error.
    """
    latest: dict[tuple[int, str], datetime] = {}
    for m in messages:
        key = (m.account_id, m.openid)
        if key not in latest or m.received_at > latest[key]:
            latest[key] = m.received_at
    # Followers grouped by (account, time): messages of one batch share a few seconds, so a
    # handful of UPDATEs cover them; applied oldest first, each only moves the time forward.
    groups: dict[tuple[int, datetime], list[str]] = defaultdict(list)
    for (account_id, openid), at in latest.items():
        groups[(account_id, at)].append(openid)
    async with in_transaction():
        await InboxMessage.bulk_create([m.row() for m in messages], ignore_conflicts=True)
        await Follower.bulk_create(
            [
                Follower(account_id=a, openid=o, subscribed=True, last_message_at=at)
                for (a, o), at in latest.items()
            ],
            ignore_conflicts=True,
        )
        for (account_id, at), openids in sorted(groups.items(), key=lambda item: item[0][1]):
            await (
                Follower.filter(account_id=account_id, openid__in=openids)
                .filter(Q(last_message_at__isnull=True) | Q(last_message_at__lt=at))
                .update(last_message_at=at)
            )


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
