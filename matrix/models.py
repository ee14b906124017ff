"""The matrix's tables: accounts, followers, the inbox and platform events.

Departments are referenced by code (gateway.org), never by foreign key. No docstrings on models:
tortoise copies them into SQL comments (see docs/decisions.md).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class Platform(StrEnum):
    WECHAT_SUBSCRIPTION = "wechat_subscription"
    WECHAT_SERVICE = "wechat_service"
    WECHAT_MINIPROGRAM = "wechat_miniprogram"
    WEIBO = "weibo"
    DOUYIN = "douyin"
    APP = "app"


PLATFORM_LABELS = {
    Platform.WECHAT_SUBSCRIPTION: "微信订阅号",
    Platform.WECHAT_SERVICE: "微信服务号",
    Platform.WECHAT_MINIPROGRAM: "微信小程序",
    Platform.WEIBO: "微博",
    Platform.DOUYIN: "抖音",
    Platform.APP: "客户端",
}

WECHAT_PLATFORMS = frozenset(
    {Platform.WECHAT_SUBSCRIPTION, Platform.WECHAT_SERVICE, Platform.WECHAT_MINIPROGRAM}
)
# Official accounts receive follower messages at a callback URL; mini-programs do not here.
CALLBACK_PLATFORMS = frozenset({Platform.WECHAT_SUBSCRIPTION, Platform.WECHAT_SERVICE})


class InboxStatus(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    REPLIED = "replied"
    CLOSED = "closed"


INBOX_STATUS_LABELS = {
    InboxStatus.NEW: "待处理",
    InboxStatus.ASSIGNED: "已分派",
    InboxStatus.REPLIED: "已回复",
    InboxStatus.CLOSED: "已关闭",
}

# Account codes appear in URLs (/wechat/callback/{code}, /api/v1/admin/accounts/{code}).
CODE_MAX_LENGTH = 32


# One account of the matrix. AppSecret, EncodingAESKey and the callback Token are Fernet
# ciphertext (gateway.crypto): the Token alone authenticates plaintext-mode callbacks.
# auto_reply: {"click": {"KEY": "text"}, "keywords": [{"keyword", "reply", "exact"}],
# "subscribe": "welcome text"}.
class Account(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=CODE_MAX_LENGTH, unique=True)
    department_code = fields.CharField(max_length=32, null=True, db_index=True)
    platform = fields.CharEnumField(Platform, max_length=32)
    name = fields.CharField(max_length=64)
    appid = fields.CharField(max_length=32, null=True, unique=True)
    # The gh_… id WeChat puts in ToUserName of callbacks.
    original_id = fields.CharField(max_length=32, null=True)
    secret_encrypted = fields.TextField(null=True)
    aes_key_encrypted = fields.TextField(null=True)
    callback_token_encrypted = fields.TextField(null=True)
    safe_mode = fields.BooleanField(default=True)
    follower_count = fields.IntField(default=0)
    last_published_at = fields.DatetimeField(null=True)
    auto_reply: Any = fields.JSONField(default=dict)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "matrix_account"
        ordering = ["id"]


# A follower of one account, created at the first subscribe or message.
class Follower(Model):
    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "matrix.Account", related_name="followers"
    )
    openid = fields.CharField(max_length=64)
    subscribed = fields.BooleanField(default=True)
    subscribed_at = fields.DatetimeField(null=True)
    unsubscribed_at = fields.DatetimeField(null=True)
    # The 48-hour customer-service window starts at the follower's last message.
    last_message_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "matrix_follower"
        unique_together = (("account", "openid"),)


# Follower events (subscribe, unsubscribe, CLICK, VIEW, SCAN); dedupe_key makes retries harmless.
class FollowerEvent(Model):
    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "matrix.Account", related_name="follower_events"
    )
    openid = fields.CharField(max_length=64)
    event = fields.CharField(max_length=32)
    event_key = fields.CharField(max_length=128, default="")
    dedupe_key = fields.CharField(max_length=128)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "matrix_follower_event"
        unique_together = (("account", "dedupe_key"),)


# Followers per account per day (Asia/Shanghai), kept by subscribe events and the daily job.
class FollowerDaily(Model):
    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "matrix.Account", related_name="daily"
    )
    day = fields.DateField()
    follower_count = fields.IntField(default=0)
    subscribes = fields.IntField(default=0)
    unsubscribes = fields.IntField(default=0)

    class Meta:
        table = "matrix_follower_daily"
        unique_together = (("account", "day"),)


# A follower's message in the one inbox. department_code is the account's department at receipt;
# assigned_department, when set, is who must answer it.
class InboxMessage(Model):
    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "matrix.Account", related_name="messages"
    )
    department_code = fields.CharField(max_length=32, null=True, db_index=True)
    openid = fields.CharField(max_length=64)
    msg_type = fields.CharField(max_length=16)
    content = fields.TextField(default="")
    media_id = fields.CharField(max_length=128, null=True)
    dedupe_key = fields.CharField(max_length=128)
    received_at = fields.DatetimeField(db_index=True)
    status = fields.CharEnumField(InboxStatus, max_length=16, default=InboxStatus.NEW)
    assigned_department = fields.CharField(max_length=32, null=True, db_index=True)
    auto_replied = fields.BooleanField(default=False)
    reply_text = fields.TextField(null=True)
    replied_at = fields.DatetimeField(null=True)
    replied_by = fields.CharField(max_length=64, null=True)
    reply_errcode = fields.IntField(null=True)
    reply_error = fields.CharField(max_length=255, null=True)
    reply_workdays = fields.IntField(null=True)

    class Meta:
        table = "matrix_inbox_message"
        unique_together = (("account", "dedupe_key"),)
        ordering = ["-received_at", "-id"]


class ReassignmentStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    # Overtaken: a dispatcher assigned the message directly, or it was answered meanwhile.
    CANCELLED = "cancelled"


REASSIGNMENT_STATUS_LABELS = {
    ReassignmentStatus.PENDING: "待确认",
    ReassignmentStatus.APPROVED: "已同意",
    ReassignmentStatus.REFUSED: "未同意",
    ReassignmentStatus.CANCELLED: "已撤销",
}


# A department's request to hand one of its messages to another department; a dispatcher
# (permission inbox.assign) approves it, which moves the message, or refuses it with a reason.
# open_message_id equals message_id while the request is pending and is NULL afterwards: its
# unique constraint allows one pending request per message however many arrive at once.
class InboxReassignment(Model):
    id = fields.BigIntField(primary_key=True)
    message: fields.ForeignKeyRelation[InboxMessage] = fields.ForeignKeyField(
        "matrix.InboxMessage", related_name="reassignments"
    )
    open_message_id = fields.BigIntField(null=True, unique=True)
    from_department = fields.CharField(max_length=32, db_index=True)
    to_department = fields.CharField(max_length=32)
    reason = fields.CharField(max_length=200)
    status = fields.CharEnumField(
        ReassignmentStatus, max_length=16, default=ReassignmentStatus.PENDING, db_index=True
    )
    requested_by = fields.CharField(max_length=64)
    decided_by = fields.CharField(max_length=64, null=True)
    decision_note = fields.CharField(max_length=200, null=True)
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "matrix_inbox_reassignment"
        ordering = ["-id"]


# PUBLISHJOBFINISH, MASSSENDJOBFINISH and similar platform notices, for the push domain.
class PlatformEvent(Model):
    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "matrix.Account", related_name="platform_events"
    )
    event_type = fields.CharField(max_length=32, db_index=True)
    payload: Any = fields.JSONField(default=dict)
    dedupe_key = fields.CharField(max_length=128)
    processed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "matrix_platform_event"
        unique_together = (("account", "dedupe_key"),)
