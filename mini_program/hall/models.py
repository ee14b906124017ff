"""QR spots and scans. No docstrings on models (tortoise copies them into SQL comments)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class Channel(StrEnum):
    WECHAT = "wechat"  # WeChat's in-app browser opened /q/{code}
    BROWSER = "browser"  # any other scanner or browser opened /q/{code}
    MP_Q = "mp_q"  # the mini-program opened by an ordinary-link QR (query.q)
    MP_SCENE = "mp_scene"  # the mini-program opened by its own code (query.scene)


CHANNEL_LABELS = {
    Channel.WECHAT: "微信内打开",
    Channel.BROWSER: "其他浏览器",
    Channel.MP_Q: "小程序（普通链接二维码）",
    Channel.MP_SCENE: "小程序（小程序码）",
}


# A place in the hall (or a village) with a QR code. `code` is random and short; `version`
# grows whenever what the images show changes, so cached images and ETags follow it.
class QrSpot(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=16, unique=True)
    name = fields.CharField(max_length=64)
    place = fields.CharField(max_length=128, default="")
    target: Any = fields.JSONField()
    enabled = fields.BooleanField(default=True)
    version = fields.IntField(default=1)
    created_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "hall_qr_spot"
        ordering = ["id"]


# One scan. No address and no user agent: `visitor` is a truncated, daily-salted hash that
# only counts distinct visitors within one day. `day` and `hour` are Shanghai time, stored
# so that both databases group by them the same way.
class QrScan(Model):
    id = fields.BigIntField(primary_key=True)
    # Indexes: (spot_id, day) for a spot's figures, day for the hall's; each index is one
    # more B-tree every scan updates, so there are no others.
    spot_id = fields.IntField()
    at = fields.DatetimeField()
    day = fields.DateField(db_index=True)
    hour = fields.SmallIntField()
    channel = fields.CharEnumField(Channel, max_length=16)
    is_bot = fields.BooleanField(default=False)
    visitor = fields.CharField(max_length=16, default="")

    class Meta:
        table = "hall_qr_scan"
        indexes = (("spot_id", "day"),)
