"""The county's organisation, shared by every domain: departments, towns, villages."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Department(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=64)
    short_name = fields.CharField(max_length=32, default="")
    sort_order = fields.IntField(default=0)

    class Meta:
        table = "department"
        ordering = ["sort_order", "id"]


class Town(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=64)

    class Meta:
        table = "town"


class Village(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=64)
    town = fields.ForeignKeyField("gateway.Town", related_name="villages")

    class Meta:
        table = "village"


async def list_departments() -> list[Department]:
    """All departments in display order."""
    return await Department.all()
