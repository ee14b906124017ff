"""Residents' follows, their subscribe-message grants, and every notification sent."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class GrantState(StrEnum):
    UNUSED = "unused"
    # Held by a message being sent; back to unused if WeChat did not take it.
    RESERVED = "reserved"
    USED = "used"
    # WeChat answered 43101: the resident had no grant left on WeChat's side.
    VOID = "void"


class Answer(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    BAN = "ban"
    FILTER = "filter"


class MessageState(StrEnum):
    PENDING = "pending"
    # Handed to WeChat; a worker that dies here leaves the outcome unknown (never resent).
    SENDING = "sending"
    SENT = "sent"
    # WeChat refused it (errcode): 43101 no grant, 47003 data, 41030 page, 40037 template...
    REFUSED = "refused"
    # Transient failures persisted through every retry.
    FAILED = "failed"
    # The resident's grant was taken by another message before this one could use it.
    NO_GRANT = "no_grant"
    # The sending worker died mid-request: it may or may not have arrived.
    UNKNOWN = "unknown"


class CampaignState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    DONE = "done"


# A resident follows a catalogue domain (ids from the catalogue, no foreign key).
class Follow(Model):
    id = fields.BigIntField(primary_key=True)
    resident_id = fields.IntField()
    domain_id = fields.IntField(db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "notify_follow"
        unique_together = (("resident_id", "domain_id"),)


# One "accept" in wx.requestSubscribeMessage: exactly one message may be sent with it.
class Grant(Model):
    id = fields.BigIntField(primary_key=True)
    resident_id = fields.IntField()
    template_id = fields.CharField(max_length=64)
    purpose = fields.CharField(max_length=32)
    state = fields.CharEnumField(GrantState, max_length=16, default=GrantState.UNUSED)
    message_id = fields.BigIntField(null=True, db_index=True)
    granted_at = fields.DatetimeField(auto_now_add=True)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notify_grant"
        indexes = (("template_id", "state", "resident_id"), ("resident_id", "purpose", "state"))


# Every answer the resident gave (accept, reject, ban, filter), for the acceptance figures.
class GrantAnswer(Model):
    id = fields.BigIntField(primary_key=True)
    resident_id = fields.IntField(db_index=True)
    template_id = fields.CharField(max_length=64)
    purpose = fields.CharField(max_length=32)
    answer = fields.CharEnumField(Answer, max_length=8)
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "notify_grant_answer"
        indexes = (("purpose", "answer"),)


# One notify() call of a domain: a purpose about one object, to residents or to followers.
class Campaign(Model):
    id = fields.BigIntField(primary_key=True)
    purpose = fields.CharField(max_length=32)
    object_key = fields.CharField(max_length=128)
    template_id = fields.CharField(max_length=64)
    page = fields.CharField(max_length=512)
    # The message data as WeChat receives it (already fitted to the keywords' rules).
    data: Any = fields.JSONField()
    target: Any = fields.JSONField()
    # The same call twice (same purpose, object and targets) is one campaign.
    key = fields.CharField(max_length=64, unique=True)
    state = fields.CharEnumField(CampaignState, max_length=16, default=CampaignState.QUEUED)
    recipients = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notify_campaign"
        indexes = (("purpose", "object_key"),)


# One message to one resident; unique per resident, purpose and object: never two.
class Message(Model):
    id = fields.BigIntField(primary_key=True)
    campaign_id = fields.BigIntField()
    resident_id = fields.IntField()
    purpose = fields.CharField(max_length=32)
    object_key = fields.CharField(max_length=128)
    state = fields.CharEnumField(MessageState, max_length=16, default=MessageState.PENDING)
    attempts = fields.IntField(default=0)
    next_try_at = fields.DatetimeField(null=True)
    errcode = fields.IntField(null=True)
    error = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notify_message"
        unique_together = (("resident_id", "purpose", "object_key"),)
        indexes = (("campaign_id", "state"),)
