"""Open days and registrations. No docstrings on models (tortoise copies them into SQL)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class EventStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


class RegStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


# One open-day event. `taken` counts the places held by confirmed registrations (a person and
# their companions); it only moves by conditional UPDATEs, which is what keeps a burst of
# registrations from overfilling it. `waitlist_seq` numbers the waitlist in arrival order.
class OpenDay(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=100)
    department_code = fields.CharField(max_length=32, db_index=True)
    starts_at = fields.DatetimeField(db_index=True)
    place = fields.CharField(max_length=128)
    capacity = fields.IntField()
    registration_opens = fields.DatetimeField()
    registration_closes = fields.DatetimeField()
    description = fields.TextField(default="")
    status = fields.CharEnumField(EventStatus, max_length=16, default=EventStatus.OPEN)
    taken = fields.IntField(default=0)
    waitlist_seq = fields.IntField(default=0)
    created_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "open_day"
        ordering = ["-starts_at", "-id"]


# A resident's registration. `active_key` is "<event>:<resident>" while the registration is
# live and NULL once cancelled: the unique index refuses a second live registration, and a
# resident who cancelled may register again. The phone is Fernet-encrypted; `token` is the
# random half of the ticket (the other half is an HMAC, see tickets.py).
class Registration(Model):
    id = fields.IntField(primary_key=True)
    open_day_id = fields.IntField(db_index=True)
    resident_id = fields.IntField(db_index=True)
    name = fields.CharField(max_length=32)
    phone_encrypted = fields.TextField()
    companions = fields.SmallIntField(default=0)
    places = fields.SmallIntField(default=1)
    status = fields.CharEnumField(RegStatus, max_length=16)
    waitlist_no = fields.IntField(null=True)
    token = fields.CharField(max_length=16, unique=True)
    active_key = fields.CharField(max_length=64, unique=True, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    promoted_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    checked_in_at = fields.DatetimeField(null=True)
    checked_in_by = fields.CharField(max_length=64, default="")
    reminded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "open_day_registration"
        indexes = (("open_day_id", "status"),)
