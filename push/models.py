"""The push domain's tables: articles and their frozen versions, images, account groups, plans,
deliveries (each a persisted step machine), mass-send quota slots and WeChat material caches.

Accounts are referenced by their matrix code, catalogue documents and domains by id, staff by
id and name: never foreign keys into another domain. No docstrings on models (tortoise copies
them into SQL comments; see docs/decisions.md).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class DeliveryStatus(StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PUBLISHED = "published"
    FAILED = "failed"
    CANCELLED = "cancelled"


STATUS_LABELS = {
    DeliveryStatus.SCHEDULED: "已排期",
    DeliveryStatus.SENDING: "发送中",
    DeliveryStatus.PUBLISHED: "已发布",
    DeliveryStatus.FAILED: "失败",
    DeliveryStatus.CANCELLED: "已取消",
}
FINAL_STATUSES = frozenset(
    {DeliveryStatus.PUBLISHED, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED}
)


class DeliveryMode(StrEnum):
    # draft/add + freepublish/submit: appears in the account's history, notifies nobody.
    PUBLISH = "publish"
    # A group send (message/mass/sendall) to all followers, counted against WeChat's quotas.
    MASS = "mass"


MODE_LABELS = {DeliveryMode.PUBLISH: "发布", DeliveryMode.MASS: "群发"}


class Step(StrEnum):
    """Where a delivery's dispatch stands; each step is recorded before the next begins."""

    NEW = "new"
    # Cover (permanent material) and inline images uploaded, draft added: draft_media_id set.
    STAGED = "staged"
    # The publish or group-send call is being made; its outcome is not recorded yet.
    SUBMITTING = "submitting"
    # publish_id (or msg_id) recorded: waiting for PUBLISHJOBFINISH/MASSSENDJOBFINISH or a poll.
    SUBMITTED = "submitted"
    DONE = "done"


# An article as its author edits it. `version` grows with every saved change to what would be
# sent; `content_hash` is the SHA-256 of those fields. Review (gateway.review) signs versions.
class Article(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=64)
    author = fields.CharField(max_length=16, default="")
    digest = fields.CharField(max_length=120, default="")
    content = fields.TextField()
    cover_media_id = fields.CharField(max_length=32, null=True)
    document_ids: Any = fields.JSONField(default=list)
    domain_ids: Any = fields.JSONField(default=list)
    source_url = fields.CharField(max_length=1024, default="")
    version = fields.IntField(default=1)
    content_hash = fields.CharField(max_length=64)
    created_by_id = fields.IntField(null=True)
    created_by_name = fields.CharField(max_length=64)
    updated_by_name = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)

    class Meta:
        table = "push_article"
        ordering = ["-updated_at", "-id"]


# An uploaded image (cover or inline), stored once by content: id = first 32 hex of SHA-256.
class ArticleImage(Model):
    id = fields.CharField(max_length=32, primary_key=True)
    filename = fields.CharField(max_length=128)
    ext = fields.CharField(max_length=8)
    content_type = fields.CharField(max_length=32)
    size = fields.IntField()
    width = fields.IntField()
    height = fields.IntField()
    created_by_name = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "push_article_image"


# What an account's WeChat already holds of our images: the cover's permanent material
# (media_id) or an inline image's uploadimg URL. Uploaded once per account and image.
class WeChatMaterial(Model):
    id = fields.IntField(primary_key=True)
    account_code = fields.CharField(max_length=32)
    image_id = fields.CharField(max_length=32)
    kind = fields.CharField(max_length=8)
    media_id = fields.CharField(max_length=128, null=True)
    url = fields.CharField(max_length=1024, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "push_wechat_material"
        unique_together = (("account_code", "image_id", "kind"),)


# An account's default cover, used when an article has none.
class AccountCover(Model):
    account_code = fields.CharField(max_length=32, primary_key=True)
    image_id = fields.CharField(max_length=32)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "push_account_cover"


# A saved group of accounts ("县直民生部门"), chosen in one click when planning.
class AccountGroup(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=32, unique=True)
    account_codes: Any = fields.JSONField(default=list)
    created_by_name = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "push_account_group"
        ordering = ["name"]


# One plan: an approved article version sent to several accounts. `snapshot` is that version's
# publishable fields exactly as approved (what goes out and what residents read); `key` is the
# client's idempotency key (unique); `request_hash` tells a replay from a different plan.
class PushPlan(Model):
    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64, null=True, unique=True)
    request_hash = fields.CharField(max_length=64)
    article_id = fields.IntField(db_index=True)
    article_version = fields.IntField()
    content_hash = fields.CharField(max_length=64)
    snapshot: Any = fields.JSONField(default=dict)
    title = fields.CharField(max_length=64)
    notify_followers = fields.BooleanField(default=False)
    notified_at = fields.DatetimeField(null=True)
    # The residents' notification (mini_program.notify), started when the plan first went out.
    notify_campaign_id = fields.IntField(null=True)
    created_by_id = fields.IntField(null=True)
    created_by_name = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "push_plan"
        ordering = ["-created_at", "-id"]


# One account's share of a plan, and its dispatch as a step machine: each field below is
# written before the WeChat call that depends on it, so a worker that dies mid-way leaves
# exactly enough for the next one to resume without sending anything twice.
class Delivery(Model):
    id = fields.IntField(primary_key=True)
    plan: fields.ForeignKeyRelation[PushPlan] = fields.ForeignKeyField(
        "push.PushPlan", related_name="deliveries"
    )
    account_code = fields.CharField(max_length=32, db_index=True)
    account_name = fields.CharField(max_length=64)
    account_kind = fields.CharField(max_length=16)
    mode = fields.CharEnumField(DeliveryMode, max_length=8)
    at = fields.DatetimeField(db_index=True)
    title = fields.CharField(max_length=64, null=True)
    author = fields.CharField(max_length=16, null=True)
    digest = fields.CharField(max_length=120, null=True)
    # SHA-256 of exactly what goes out (the approved version plus this delivery's overrides).
    payload_hash = fields.CharField(max_length=64)
    status = fields.CharEnumField(
        DeliveryStatus, max_length=16, default=DeliveryStatus.SCHEDULED, db_index=True
    )
    step = fields.CharEnumField(Step, max_length=16, default=Step.NEW)
    # Grows at each reschedule or retry; jobs of an older generation stop at their next step.
    generation = fields.IntField(default=0)
    job_seq = fields.IntField(default=0)
    job_key = fields.CharField(max_length=128, null=True)
    cover_wx_media_id = fields.CharField(max_length=128, null=True)
    draft_media_id = fields.CharField(max_length=128, null=True)
    clientmsgid = fields.CharField(max_length=64)
    submit_started_at = fields.DatetimeField(null=True)
    publish_id = fields.CharField(max_length=64, null=True, db_index=True)
    msg_id = fields.CharField(max_length=64, null=True, db_index=True)
    msg_data_id = fields.CharField(max_length=64, null=True)
    url = fields.CharField(max_length=1024, null=True)
    wx_article_id = fields.CharField(max_length=128, null=True)
    errcode = fields.IntField(null=True)
    error = fields.CharField(max_length=512, null=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    retry_deadline = fields.DatetimeField(null=True)
    polls = fields.IntField(default=0)
    published_at = fields.DatetimeField(null=True)
    failed_at = fields.DatetimeField(null=True, db_index=True)
    cancelled_at = fields.DatetimeField(null=True)
    changed_by_name = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "push_delivery"
        ordering = ["at", "id"]


# One group send's share of WeChat's quota: (account, period, slot) is unique, so two plans
# planned at the same moment cannot both take the last slot. Period: a Shanghai calendar day
# (subscription accounts, 1 slot) or month (service accounts, 4 slots).
class MassSlot(Model):
    id = fields.IntField(primary_key=True)
    account_code = fields.CharField(max_length=32)
    period = fields.CharField(max_length=10)
    slot = fields.IntField()
    delivery_id = fields.IntField(unique=True)

    class Meta:
        table = "push_mass_slot"
        unique_together = (("account_code", "period", "slot"),)
