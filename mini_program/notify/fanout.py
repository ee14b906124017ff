"""The fan-out: a campaign becomes one message per resident holding a grant, sent by workers.

1. `fan_out` (job notify.fan_out) writes the campaign's messages in one INSERT … SELECT:
   the targeted residents (by id, or following one of the domains) who hold an unused grant
   for the template. The unique key (resident, purpose, object) makes a resident's second
   message about the same object impossible, from this campaign or any other. Then it splits
   the messages into chunks, one job (notify.send) each, so several workers share the work
   and a worker that dies loses only its own chunk's lease.
2. `send_chunk` takes a batch of pending messages (a conditional UPDATE to `sending`: no two
   senders ever take the same message), reserves one unused grant per message (a conditional
   UPDATE on the grant: one grant never serves two messages, whatever runs in parallel), sends
   them concurrently through the matrix's WeChat client, and records each outcome.
   At most once: a message is marked `sending` before it leaves; a chunk restarted after its
   worker died marks what it finds in `sending` as `unknown` (it may have arrived) and never
   sends it again. 43101 voids the grant; -1, unreachable WeChat and 45011 retry with
   backoff; other refusals keep their errcode and give the grant back.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from gateway.auth.models import Resident
from gateway.clock import now
from gateway.config import get_settings, setting
from gateway.db import current_dialect
from gateway.jobs import enqueue, set_progress
from matrix.wechat import service as wechat
from matrix.wechat.errors import (
    BusyError,
    CredentialError,
    DeliveryUnknownError,
    NetworkError,
    QuotaError,
    SubscribeGrantError,
    TokenError,
    WeChatError,
)
from mini_program.notify.models import (
    Campaign,
    CampaignState,
    Grant,
    GrantState,
    Message,
    MessageState,
)

log = logging.getLogger("govmatrix.notify")

CHUNK = 2000
# A batch is marked `sending` as a whole before its requests leave; a worker dying mid-batch
# leaves it `unknown`, so batches stay near the connections a chunk uses (32).
BATCH = 64
LANES = 2
MAX_ATTEMPTS = 5
# How often a chunk records its progress (a database write) for the console's job list.
PROGRESS_SECONDS = 2.0
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0)
IDS_PER_STATEMENT = 500


class _Sql:
    """Placeholders per dialect, with PostgreSQL casts where a parameter's type is unknown."""

    def __init__(self) -> None:
        self.pg = current_dialect() == "postgres"
        self.args: list[Any] = []

    def p(self, value: Any, pg_type: str = "") -> str:
        self.args.append(value)
        if not self.pg:
            return "?"
        return f"${len(self.args)}" + (f"::{pg_type}" if pg_type else "")

    def many(self, values: Iterable[Any]) -> str:
        return ", ".join(self.p(v) for v in values)


def _conn() -> BaseDBAsyncClient:
    return connections.get("default")


# --- 1. expansion --------------------------------------------------------------------------


async def fan_out(campaign_id: int) -> dict[str, Any]:
    """Write a campaign's messages and queue its send jobs (idempotent: a rerun adds nothing)."""
    campaign = await Campaign.get_or_none(id=campaign_id)
    if campaign is None:
        return {"skipped": "no such campaign"}
    if campaign.state == CampaignState.QUEUED:
        async with in_transaction() as conn:
            await _expand(conn, campaign)
            ids = (
                await Message.filter(campaign_id=campaign.id)
                .using_db(conn)
                .order_by("id")
                .values_list("id", flat=True)
            )
            for start in range(0, len(ids), CHUNK):
                first, last = ids[start], ids[min(start + CHUNK, len(ids)) - 1]
                await enqueue(
                    "notify.send",
                    {"campaign_id": campaign.id, "first_id": first, "last_id": last},
                    key=f"notify.send:{campaign.id}:{first}",
                    max_attempts=10,
                )
            await (
                Campaign.filter(id=campaign.id, state=CampaignState.QUEUED)
                .using_db(conn)
                .update(
                    state=CampaignState.SENDING if ids else CampaignState.DONE,
                    recipients=len(ids),
                    finished_at=None if ids else now(),
                )
            )
        await set_progress(None, 100, f"{len(ids)} 位居民待通知")
        return {"recipients": len(ids), "chunks": -(-len(ids) // CHUNK)}
    return {"recipients": campaign.recipients, "already": str(campaign.state)}


async def _expand(conn: BaseDBAsyncClient, campaign: Campaign) -> None:
    target: dict[str, list[int]] = campaign.target
    if "domain_ids" in target:
        groups = [target["domain_ids"]] if target["domain_ids"] else []
        source = "(SELECT DISTINCT resident_id FROM notify_follow WHERE domain_id IN ({ids}))"
    else:
        ids = target.get("resident_ids", [])
        groups = [ids[i : i + IDS_PER_STATEMENT] for i in range(0, len(ids), IDS_PER_STATEMENT)]
        source = "(SELECT DISTINCT resident_id FROM notify_grant WHERE resident_id IN ({ids}))"
    created = now()
    for group in groups:
        sql = _Sql()
        head = (
            "INSERT INTO notify_message (campaign_id, resident_id, purpose, object_key, state, "
            "attempts, error, created_at) "
            f"SELECT {sql.p(campaign.id, 'bigint')}, t.resident_id, "
            f"{sql.p(campaign.purpose, 'varchar')}, {sql.p(campaign.object_key, 'varchar')}, "
            f"'pending', 0, '', {sql.p(created, 'timestamptz')} "
        )
        body = f"FROM {source.format(ids=sql.many(group))} AS t "
        # Only residents holding an unused grant for the template get a message.
        cond = (
            "WHERE EXISTS (SELECT 1 FROM notify_grant g WHERE g.resident_id = t.resident_id "
            f"AND g.template_id = {sql.p(campaign.template_id)} AND g.state = 'unused') "
            "ORDER BY t.resident_id "
            "ON CONFLICT (resident_id, purpose, object_key) DO NOTHING"
        )
        await conn.execute_query(head + body + cond, sql.args)


# --- 2. sending ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outgoing:
    message_id: int
    resident_id: int
    openid: str
    attempts: int


@dataclass(frozen=True)
class _Outcome:
    message_id: int
    state: MessageState
    errcode: int | None = None
    error: str = ""
    retry_at: datetime | None = None
    # What happens to the grant: used, void, or back to unused.
    grant: GrantState = GrantState.UNUSED


async def send_chunk(campaign_id: int, first_id: int, last_id: int) -> dict[str, int]:
    """Send one chunk of a campaign's messages (ids first_id..last_id)."""
    campaign = await Campaign.get_or_none(id=campaign_id)
    if campaign is None:
        return {}
    await _settle_interrupted(campaign_id, first_id, last_id)
    chunk = _Chunk(campaign, first_id, last_id)
    async with wechat.subscribe_session():
        await asyncio.gather(*(chunk.lane() for _ in range(LANES)))
    await _finish_if_done(campaign_id)
    return chunk.counts


async def _settle_interrupted(campaign_id: int, first_id: int, last_id: int) -> int:
    """Messages a dead worker left in `sending` may have reached WeChat: never resend them."""
    async with in_transaction():
        ids = await Message.filter(
            campaign_id=campaign_id,
            id__gte=first_id,
            id__lte=last_id,
            state=MessageState.SENDING,
        ).values_list("id", flat=True)
        if not ids:
            return 0
        await Message.filter(id__in=ids, state=MessageState.SENDING).update(
            state=MessageState.UNKNOWN, error="发送中断：无法确认是否送达，不再重发"
        )
        await Grant.filter(message_id__in=ids, state=GrantState.RESERVED).update(
            state=GrantState.USED, used_at=now()
        )
    log.warning(
        "campaign %s: %d message(s) interrupted mid-send marked unknown", campaign_id, len(ids)
    )
    return len(ids)


async def _finish_if_done(campaign_id: int) -> None:
    busy = await Message.exists(
        campaign_id=campaign_id, state__in=[MessageState.PENDING, MessageState.SENDING]
    )
    if not busy:
        await Campaign.filter(id=campaign_id, state=CampaignState.SENDING).update(
            state=CampaignState.DONE, finished_at=now()
        )


class _Chunk:
    def __init__(self, campaign: Campaign, first_id: int, last_id: int) -> None:
        settings = get_settings()
        self.campaign = campaign
        self.first_id, self.last_id = first_id, last_id
        self.appid, self.secret = settings.mp_appid, settings.mp_secret
        self.state = setting("APP_NOTIFY_MINIPROGRAM_STATE") or "formal"
        self.counts: dict[str, int] = defaultdict(int)
        self.total = max(1, last_id - first_id + 1)
        self.done = 0
        self.reported = 0.0

    async def lane(self) -> None:
        """Take, send and record batches until nothing is left to send in the chunk."""
        while True:
            batch = await self._take()
            if batch is None:
                wait = await self._next_retry_in()
                if wait is None:
                    return
                await asyncio.sleep(wait)
                continue
            outcomes = await asyncio.gather(*(self._send(m) for m in batch))
            await _record(list(outcomes))
            for outcome in outcomes:
                self.counts[str(outcome.state)] += 1
            self.done += len(batch)
            if time.monotonic() - self.reported > PROGRESS_SECONDS:
                self.reported = time.monotonic()
                await set_progress(None, min(99, 100 * self.done // self.total))

    def _range(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign.id,
            "id__gte": self.first_id,
            "id__lte": self.last_id,
        }

    async def _next_retry_in(self) -> float | None:
        pending = (
            await Message.filter(**self._range(), state=MessageState.PENDING)
            .order_by("next_try_at")
            .first()
            .values("next_try_at")
        )
        if pending is None:
            return None
        due: datetime | None = pending["next_try_at"]
        return 0.0 if due is None else max(0.05, min(5.0, (due - now()).total_seconds()))

    async def _take(self) -> list[_Outgoing] | None:
        """Claim a batch (pending → sending) and reserve a grant for each; None when none due."""
        async with in_transaction() as conn:
            sql = _Sql()
            rows = await conn.execute_query_dict(
                "UPDATE notify_message SET state = 'sending', attempts = attempts + 1 "
                "WHERE id IN (SELECT id FROM notify_message WHERE campaign_id = "
                f"{sql.p(self.campaign.id)} AND id >= {sql.p(self.first_id)} "
                f"AND id <= {sql.p(self.last_id)} AND state = 'pending' AND "
                f"(next_try_at IS NULL OR next_try_at <= {sql.p(now())}) "
                f"ORDER BY id LIMIT {BATCH}) AND state = 'pending' "
                "RETURNING id, resident_id, attempts",
                sql.args,
            )
            if not rows:
                return None
            by_resident = {int(r["resident_id"]): r for r in rows}
            reserved = await _reserve(conn, self.campaign, list(by_resident))
            lacking = [int(r["id"]) for rid, r in by_resident.items() if rid not in reserved]
            if lacking:
                # Another message (a parallel campaign) took the grant first.
                await (
                    Message.filter(id__in=lacking)
                    .using_db(conn)
                    .update(state=MessageState.NO_GRANT, error="授权已被其他消息使用")
                )
                self.counts[str(MessageState.NO_GRANT)] += len(lacking)
        openids = dict(await Resident.filter(id__in=list(reserved)).values_list("id", "openid"))
        return [
            _Outgoing(
                int(by_resident[rid]["id"]),
                rid,
                openids.get(rid, ""),
                int(by_resident[rid]["attempts"]),
            )
            for rid in sorted(reserved)
        ]

    async def _send(self, message: _Outgoing) -> _Outcome:
        if not message.openid:
            return _Outcome(message.message_id, MessageState.REFUSED, None, "居民账号不存在")
        try:
            await wechat.send_subscribe_message(
                appid=self.appid,
                secret=self.secret,
                openid=message.openid,
                template_id=self.campaign.template_id,
                data=self.campaign.data,
                page=self.campaign.page,
                miniprogram_state=self.state,
                retry_busy=False,
            )
        except SubscribeGrantError as exc:
            return _Outcome(
                message.message_id,
                MessageState.REFUSED,
                exc.errcode,
                exc.errmsg,
                grant=GrantState.VOID,
            )
        except DeliveryUnknownError as exc:
            return _Outcome(
                message.message_id, MessageState.UNKNOWN, None, exc.errmsg, grant=GrantState.USED
            )
        except CredentialError as exc:
            return _Outcome(message.message_id, MessageState.FAILED, exc.errcode, exc.errmsg)
        except (BusyError, NetworkError, QuotaError, TokenError) as exc:
            return _retry(message, exc.errcode, exc.errmsg)
        except RedisError as exc:
            # No access token to be had (Redis down or restarting): nothing left; later.
            return _retry(message, None, f"Redis: {type(exc).__name__}")
        except WeChatError as exc:
            # WeChat refused the content (47003 data, 41030 page, 40037 template...): the
            # grant was not spent on WeChat's side, so it goes back to the resident.
            return _Outcome(message.message_id, MessageState.REFUSED, exc.errcode, exc.errmsg)
        except Exception as exc:  # reason below
            # One message's unexpected failure must not strand the rest of its batch in
            # `sending`; it may have left, so it is unknown and never sent again.
            log.exception("notification %s: unexpected failure", message.message_id)
            return _Outcome(
                message.message_id,
                MessageState.UNKNOWN,
                None,
                f"{type(exc).__name__}: {exc}"[:255],
                grant=GrantState.USED,
            )
        return _Outcome(message.message_id, MessageState.SENT, grant=GrantState.USED)


def _retry(message: _Outgoing, errcode: int | None, error: str) -> _Outcome:
    """Not sent, for a reason that passes (busy, unreachable, per-minute quota): later."""
    if message.attempts >= MAX_ATTEMPTS:
        return _Outcome(message.message_id, MessageState.FAILED, errcode, error)
    delay = RETRY_DELAYS[min(message.attempts, len(RETRY_DELAYS)) - 1]
    retry_at = now() + timedelta(seconds=delay * random.uniform(0.75, 1.25))
    return _Outcome(message.message_id, MessageState.PENDING, errcode, error, retry_at=retry_at)


async def _reserve(
    conn: BaseDBAsyncClient, campaign: Campaign, resident_ids: list[int]
) -> set[int]:
    """Bind one unused grant to each resident's message; the residents that got one."""
    reserved: set[int] = set()
    wanted = list(resident_ids)
    # A grant taken by a parallel sender between our read and our update is skipped by the
    # `state = 'unused'` condition; the next pass tries that resident's next grant.
    for _ in range(3):
        if not wanted:
            break
        sql = _Sql()
        rows = await conn.execute_query_dict(
            # The message is found by its unique key (resident, purpose, object), an index
            # lookup; by campaign it would scan the whole campaign for every grant.
            "UPDATE notify_grant SET state = 'reserved', message_id = "
            "(SELECT m.id FROM notify_message m WHERE m.resident_id = notify_grant.resident_id "
            f"AND m.purpose = {sql.p(campaign.purpose)} "
            f"AND m.object_key = {sql.p(campaign.object_key)}) "
            "WHERE id IN (SELECT MIN(id) FROM notify_grant WHERE template_id = "
            f"{sql.p(campaign.template_id)} AND state = 'unused' AND resident_id IN "
            f"({sql.many(wanted)}) GROUP BY resident_id) AND state = 'unused' "
            "RETURNING resident_id",
            sql.args,
        )
        got = {int(r["resident_id"]) for r in rows}
        if not got:
            break
        reserved |= got
        wanted = [r for r in wanted if r not in got]
    return reserved


async def _record(outcomes: list[_Outcome]) -> None:
    """Write a batch's outcomes: messages by state (and errcode), grants used, void or freed."""
    stamp = now()
    groups: dict[tuple[MessageState, int | None, str, GrantState], list[int]] = defaultdict(list)
    retries: list[_Outcome] = []
    for o in outcomes:
        if o.state == MessageState.PENDING:
            retries.append(o)
        else:
            groups[(o.state, o.errcode, o.error[:255], o.grant)].append(o.message_id)
    async with in_transaction():
        for (state, errcode, error, grant), ids in groups.items():
            values: dict[str, Any] = {"state": state, "errcode": errcode, "error": error}
            if state == MessageState.SENT:
                values["sent_at"] = stamp
            await Message.filter(id__in=ids, state=MessageState.SENDING).update(**values)
            await _settle_grants(ids, grant, stamp)
        for o in retries:
            await Message.filter(id=o.message_id, state=MessageState.SENDING).update(
                state=MessageState.PENDING,
                next_try_at=o.retry_at,
                errcode=o.errcode,
                error=o.error[:255],
            )
        if retries:
            await _settle_grants([o.message_id for o in retries], GrantState.UNUSED, stamp)


async def _settle_grants(message_ids: list[int], grant: GrantState, stamp: datetime) -> None:
    reserved = Grant.filter(message_id__in=message_ids, state=GrantState.RESERVED)
    if grant == GrantState.UNUSED:
        await reserved.update(state=GrantState.UNUSED, message_id=None)
    else:
        await reserved.update(state=grant, used_at=stamp)
