"""Catalogue models. No docstrings on models (tortoise copies them into SQL comments)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class Validity(StrEnum):
    VALID = "有效"
    EXPIRED = "失效"
    REPEALED = "废止"


# One of the 28 domains (26 national + 2 local); sort_order is the catalogue order.
class Domain(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=32, unique=True)
    sort_order = fields.IntField(default=0)
    is_local = fields.BooleanField(default=False)

    class Meta:
        table = "catalogue_domain"
        ordering = ["sort_order", "id"]


# One disclosure item; (domain, level1, level2) is the natural key used by re-imports.
class CatalogueItem(Model):
    id = fields.IntField(primary_key=True)
    domain: fields.ForeignKeyRelation[Domain] = fields.ForeignKeyField(
        "catalogue.Domain", related_name="items"
    )
    level1 = fields.CharField(max_length=128)
    level2 = fields.CharField(max_length=255)
    content = fields.TextField(default="")
    basis = fields.TextField(default="")
    time_limit = fields.CharField(max_length=255, default="")
    subject = fields.CharField(max_length=255, default="")
    channels = fields.CharField(max_length=500, default="")
    audience_all = fields.BooleanField(default=False)
    audience_specific = fields.BooleanField(default=False)
    mode_active = fields.BooleanField(default=False)
    mode_on_request = fields.BooleanField(default=False)
    level_county = fields.BooleanField(default=False)
    level_town = fields.BooleanField(default=False)
    sort_order = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "catalogue_item"
        unique_together = (("domain", "level1", "level2"),)
        ordering = ["sort_order", "id"]


# A policy document (normative or not); doc_no_key is the bracket-free number for lookups.
class PolicyDocument(Model):
    id = fields.IntField(primary_key=True)
    # Stable natural key for seeding and imports (e.g. "demo-yw-001").
    code = fields.CharField(max_length=64, unique=True)
    title = fields.CharField(max_length=255)
    doc_no = fields.CharField(max_length=64, null=True)
    doc_no_key = fields.CharField(max_length=64, null=True, db_index=True)
    issuer = fields.CharField(max_length=128, default="")
    written_on = fields.DateField(null=True)
    published_on = fields.DateField(null=True, db_index=True)
    effective_on = fields.DateField(null=True)
    validity = fields.CharEnumField(Validity, max_length=8, default=Validity.VALID)
    is_normative = fields.BooleanField(default=False, db_index=True)
    body = fields.TextField(default="")
    # [{"name", "url", "size"}]
    attachments: list[dict[str, Any]] = fields.JSONField(default=list)  # type: ignore[assignment]
    items: fields.ManyToManyRelation[CatalogueItem] = fields.ManyToManyField(
        "catalogue.CatalogueItem",
        related_name="documents",
        through="catalogue_document_item",
        forward_key="item_id",
        backward_key="document_id",
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "catalogue_document"
        ordering = ["-published_on", "-id"]


# A policy interpretation (政策解读) of one document.
class Interpretation(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    document: fields.ForeignKeyRelation[PolicyDocument] = fields.ForeignKeyField(
        "catalogue.PolicyDocument", related_name="interpretations"
    )
    title = fields.CharField(max_length=255)
    body = fields.TextField(default="")
    interpreter = fields.CharField(max_length=128, default="")
    published_on = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "catalogue_interpretation"
        ordering = ["published_on", "id"]


# Durable daily view counts per domain, flushed from Redis by the catalogue.flush_views job.
class DomainViewDaily(Model):
    id = fields.IntField(primary_key=True)
    domain: fields.ForeignKeyRelation[Domain] = fields.ForeignKeyField(
        "catalogue.Domain", related_name="daily_views"
    )
    day = fields.DateField()
    count = fields.IntField(default=0)

    class Meta:
        table = "catalogue_domain_view_daily"
        unique_together = (("domain", "day"),)


# The search index: pre-segmented (jieba) text of items and documents. The FTS5 table
# (SQLite) or the tsvector column (PostgreSQL) is added by a raw-SQL migration.
class SearchEntry(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=16)
    ref_id = fields.IntField()
    # ",3,17," so a domain filter is a LIKE on ",<id>,".
    domain_ids = fields.CharField(max_length=255, default=",")
    title_tokens = fields.TextField(default="")
    body_tokens = fields.TextField(default="")

    class Meta:
        table = "catalogue_search"
        unique_together = (("kind", "ref_id"),)
