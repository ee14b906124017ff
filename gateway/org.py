"""The county's organisation, shared by every domain: departments, towns, villages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tortoise import fields
from tortoise.models import Model
from tortoise.transactions import in_transaction


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
    town: fields.ForeignKeyRelation[Town] = fields.ForeignKeyField(
        "gateway.Town", related_name="villages"
    )

    class Meta:
        table = "village"


async def list_departments() -> list[Department]:
    """All departments in display order."""
    return await Department.all()


async def get_department(code: str) -> Department | None:
    """One department by its short code (e.g. "jyj" for 县教育局)."""
    return await Department.get_or_none(code=code)


async def list_towns() -> list[dict[str, Any]]:
    """Towns with their villages, in seed order, as plain dicts."""
    towns = await Town.all().order_by("id").values("id", "code", "name")
    villages = await Village.all().order_by("id").values("id", "code", "name", "town_id")
    by_town: dict[int, list[dict[str, Any]]] = {}
    for v in villages:
        by_town.setdefault(v.pop("town_id"), []).append(v)
    return [{**t, "villages": by_town.get(t["id"], [])} for t in towns]


def _org_data() -> dict[str, Any]:
    return json.loads((Path(__file__).parent / "data" / "org.json").read_text("utf-8"))


async def seed_demo(*, progress: Any = None) -> str:
    """Upsert the county's 27 departments and 17 towns with their villages (by code)."""
    data = _org_data()
    changed = 0
    async with in_transaction():
        existing = {d.code: d for d in await Department.all()}
        new = []
        for order, row in enumerate(data["departments"], start=1):
            values = {"name": row["name"], "short_name": row["short_name"], "sort_order": order}
            dept = existing.get(row["code"])
            if dept is None:
                new.append(Department(code=row["code"], **values))
            elif any(getattr(dept, k) != v for k, v in values.items()):
                await Department.filter(id=dept.id).update(**values)
                changed += 1
        if new:
            await Department.bulk_create(new)
        changed += len(new)

        towns = {t.code: t for t in await Town.all()}
        villages = {v.code: v for v in await Village.all()}
        for row in data["towns"]:
            town = towns.get(row["code"])
            if town is None:
                town = await Town.create(code=row["code"], name=row["name"])
                changed += 1
            elif town.name != row["name"]:
                await Town.filter(id=town.id).update(name=row["name"])
                changed += 1
            for vrow in row["villages"]:
                village = villages.get(vrow["code"])
                if village is None:
                    await Village.create(code=vrow["code"], name=vrow["name"], town_id=town.id)
                    changed += 1
                elif village.name != vrow["name"] or village.town_id != town.id:  # type: ignore[attr-defined]
                    await Village.filter(id=village.id).update(name=vrow["name"], town_id=town.id)
                    changed += 1
    villages_total = sum(len(t["villages"]) for t in data["towns"])
    return (
        f"organisation: {len(data['departments'])} departments, {len(data['towns'])} towns, "
        f"{villages_total} villages ({changed} changed)"
    )
