"""Disclosure applications' tables. No docstrings on models (tortoise copies them into SQL
comments, see docs/decisions.md). Departments and residents are referenced by code and id,
never by foreign key; events and files belong to their application.

Derived columns (state, deadline, day0, ...) are recomputed from the events by the deadline
engine whenever an event is added or the calendar changes; the events are the record.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from mini_program.applications.vocab import (
    ApplicantType,
    Channel,
    Delivery,
    FileKind,
    Format,
    IdType,
    ReviewKind,
    ReviewOutcome,
    State,
)


# One application for government information (政府信息公开申请). ID number, phone and address are
# Fernet ciphertext (gateway.crypto); their masked forms are kept for lists. id_hash (HMAC of
# the normalised ID number) finds the same applicant's other applications. `version` moves on
# with every step, so two staff acting at once cannot both apply a step (conditional UPDATE).
class Application(Model):
    id = fields.IntField(primary_key=True)
    receipt_no = fields.CharField(max_length=16, unique=True)
    resident_id = fields.IntField(null=True, db_index=True)
    channel = fields.CharEnumField(Channel, max_length=16)
    applicant_type = fields.CharEnumField(ApplicantType, max_length=16)
    org_kind = fields.CharField(max_length=16, null=True)
    name = fields.CharField(max_length=100)
    credit_code = fields.CharField(max_length=18, null=True)
    id_type = fields.CharEnumField(IdType, max_length=24, null=True)
    id_number_encrypted = fields.TextField(null=True)
    id_masked = fields.CharField(max_length=32, default="")
    id_hash = fields.CharField(max_length=64, null=True, db_index=True)
    phone_encrypted = fields.TextField()
    phone_masked = fields.CharField(max_length=32)
    address_encrypted = fields.TextField()
    description = fields.TextField()
    purpose = fields.TextField(default="")
    format = fields.CharEnumField(Format, max_length=16)
    delivery = fields.CharEnumField(Delivery, max_length=16)
    department_code = fields.CharField(max_length=32, db_index=True)
    submitted_at = fields.DatetimeField()
    submitted_on = fields.DateField()
    entered_by = fields.IntField(null=True)
    version = fields.IntField(default=0)
    # Derived from the events by the deadline engine.
    state = fields.CharEnumField(State, max_length=24, db_index=True)
    received_on = fields.DateField(null=True, db_index=True)
    day0 = fields.DateField(null=True)
    deadline = fields.DateField(null=True, db_index=True)
    deadline_provisional = fields.BooleanField(default=False)
    deadline_error = fields.CharField(max_length=255, default="")
    extended = fields.BooleanField(default=False)
    correction_due = fields.DateField(null=True)
    third_party_due = fields.DateField(null=True)
    finished_on = fields.DateField(null=True, db_index=True)
    on_time = fields.BooleanField(null=True)
    calendar_stamp = fields.CharField(max_length=16, default="")
    # The answer.
    result = fields.CharField(max_length=16, null=True)
    reasons: Any = fields.JSONField(default=list)
    explanation = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "application"


# A dated step of an application (the record the deadline is computed from): who entered it,
# when, and its details (channel, what is missing, the third party, the reason, the result).
class ApplicationEvent(Model):
    id = fields.BigIntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "applications.Application", related_name="events", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=32)
    on = fields.DateField()
    detail: Any = fields.JSONField(default=dict)
    actor_id = fields.IntField(null=True)
    actor_name = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "application_event"
        ordering = ["id"]


# A letter generated for the applicant, or a file staff attached to the answer. Kept in the
# database: personal data that must not sit under the public /media directory, small, and
# committed in the same transaction as the step it belongs to.
class ApplicationFile(Model):
    id = fields.IntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "applications.Application", related_name="files", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(FileKind, max_length=24)
    name = fields.CharField(max_length=200)
    content_type = fields.CharField(max_length=100)
    size = fields.IntField()
    sha256 = fields.CharField(max_length=64)
    content = fields.BinaryField()
    # An attachment uploaded for an answer not yet given is not shown to the applicant.
    published = fields.BooleanField(default=False)
    uploaded_by = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "application_file"
        ordering = ["id"]


# One reminder to the handling department (5, 2 or 0 working days left), written once per
# deadline by the daily digest; a new deadline (an extension) re-arms the thresholds.
class ApplicationReminder(Model):
    id = fields.IntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "applications.Application", related_name="reminders", on_delete=fields.CASCADE
    )
    department_code = fields.CharField(max_length=32, db_index=True)
    threshold = fields.IntField()
    deadline = fields.DateField()
    digest_on = fields.DateField(db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "application_reminder"
        unique_together = (("application", "threshold", "deadline"),)


# An administrative reconsideration or lawsuit about disclosure, entered by staff for the
# annual report's table 四 (counted in the year it was filed).
class ReviewCase(Model):
    id = fields.IntField(primary_key=True)
    year = fields.IntField(db_index=True)
    department_code = fields.CharField(max_length=32, db_index=True)
    kind = fields.CharEnumField(ReviewKind, max_length=24)
    outcome = fields.CharEnumField(ReviewOutcome, max_length=16)
    case_no = fields.CharField(max_length=64, default="")
    receipt_no = fields.CharField(max_length=16, default="")
    note = fields.CharField(max_length=500, default="")
    entered_by = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "application_review_case"


# Receipt numbers run per year (2026 00001, ...): one row per year, advanced by one atomic
# UPDATE so parallel filings never share a number.
class ReceiptCounter(Model):
    id = fields.IntField(primary_key=True)
    year = fields.IntField(unique=True)
    issued = fields.IntField(default=0)

    class Meta:
        table = "application_receipt_counter"


# The calendar fingerprint the stored deadlines were last recomputed with (one row).
class DeadlineCalendar(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=16, unique=True, default="default")
    fingerprint = fields.CharField(max_length=16, default="")
    recomputed_at = fields.DatetimeField(null=True)
    job_id = fields.IntField(null=True)

    class Meta:
        table = "application_deadline_calendar"
