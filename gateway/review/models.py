"""Review rounds, their signatures and the history of every step (tortoise app "review")."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class RoundState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    # The content changed (a new version) before the round was decided.
    SUPERSEDED = "superseded"


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


# One submission of one version of a piece of content for review. A version may be submitted
# again after a rejection (a new round); signatures belong to a round, hence to its version.
class ReviewRound(Model):
    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=32)
    object_id = fields.CharField(max_length=64)
    version = fields.IntField()
    content_hash = fields.CharField(max_length=128)
    snapshot: Any = fields.JSONField(null=True)
    # The level names in force when the round started (a later setting change does not
    # reshape a review under way).
    levels: Any = fields.JSONField()
    # How many levels have approved so far; the next signature is level signed + 1. Signing is
    # a conditional UPDATE on this count, so one level gets exactly one signature.
    signed = fields.IntField(default=0)
    state = fields.CharEnumField(RoundState, max_length=16, default=RoundState.PENDING)
    # "<kind>:<object_id>" while pending, NULL once decided: at most one open round per object.
    open_key = fields.CharField(max_length=100, null=True, unique=True)
    author_id = fields.IntField(null=True)
    submitted_by_id = fields.IntField()
    submitted_by_name = fields.CharField(max_length=64)
    note = fields.TextField(default="")
    comment = fields.TextField(default="")
    submitted_at = fields.DatetimeField(auto_now_add=True)
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "review_round"
        indexes = (("kind", "object_id"),)


class ReviewSignature(Model):
    id = fields.BigIntField(primary_key=True)
    round: fields.ForeignKeyRelation[ReviewRound] = fields.ForeignKeyField(
        "review.ReviewRound", related_name="signatures", on_delete=fields.CASCADE
    )
    level = fields.IntField()
    level_name = fields.CharField(max_length=32)
    reviewer_id = fields.IntField()
    reviewer_name = fields.CharField(max_length=64)
    decision = fields.CharEnumField(Decision, max_length=16)
    comment = fields.TextField(default="")
    signed_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "review_signature"
        # One signature per level, and one level per reviewer, in a round.
        unique_together = (("round", "level"), ("round", "reviewer_id"))


# The history shown on the content's page: submitted, approved or rejected at a level,
# restarted by an edit. (Every step is also in the audit log.)
class ReviewEvent(Model):
    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=32)
    object_id = fields.CharField(max_length=64)
    version = fields.IntField()
    round_id = fields.BigIntField(null=True)
    action = fields.CharField(max_length=16)
    level = fields.IntField(null=True)
    level_name = fields.CharField(max_length=32, default="")
    actor_id = fields.IntField(null=True)
    actor_name = fields.CharField(max_length=64)
    comment = fields.TextField(default="")
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "review_event"
        indexes = (("kind", "object_id"),)
