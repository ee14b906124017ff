"""Towns and villages as scripts use them (the organisation data lives in gateway.org)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from broadcast.schemas import Targets
from gateway.errors import Invalid
from gateway.org import list_towns

# Towns and villages change a few times a year; each process re-reads them every minute.
ORG_TTL = 60.0


@dataclass(frozen=True)
class County:
    towns: list[dict[str, Any]]
    town_of: dict[str, str]
    names: dict[str, str]


_cache: tuple[float, County] | None = None


async def county() -> County:
    """The county's towns with their villages, and names by code (cached for ORG_TTL)."""
    global _cache
    if _cache is not None and time.monotonic() - _cache[0] < ORG_TTL:
        return _cache[1]
    towns = await list_towns()
    town_of = {v["code"]: t["code"] for t in towns for v in t["villages"]}
    names = {t["code"]: t["name"] for t in towns} | {
        v["code"]: v["name"] for t in towns for v in t["villages"]
    }
    found = County(towns=towns, town_of=town_of, names=names)
    _cache = (time.monotonic(), found)
    return found


def forget() -> None:
    global _cache
    _cache = None


async def names() -> dict[str, str]:
    return (await county()).names


async def resolve(targets: Targets) -> list[tuple[str, str]]:
    """(village code, town code) of every targeted village; field errors for unknown codes."""
    found = await county()
    if targets.all:
        pairs = [(v, t) for v, t in found.town_of.items()]
    elif targets.towns:
        known = {t["code"] for t in found.towns}
        unknown = [code for code in targets.towns if code not in known]
        if unknown:
            raise Invalid(fields={"targets.towns": "没有这些乡镇：" + "、".join(unknown[:10])})
        wanted = set(targets.towns)
        pairs = [(v, t) for v, t in found.town_of.items() if t in wanted]
    else:
        villages = targets.villages or []
        unknown = [code for code in villages if code not in found.town_of]
        if unknown:
            raise Invalid(fields={"targets.villages": "没有这些村：" + "、".join(unknown[:10])})
        pairs = [(code, found.town_of[code]) for code in villages]
    if not pairs:
        raise Invalid(fields={"targets": "所选范围内没有村"})
    return pairs


def summary(targets: Targets, names: dict[str, str], count: int) -> str:
    """How the console names a script's audience: 全县 / 双涧镇、岳坊镇 / 双涧村等."""
    if targets.all:
        return f"全县（{count} 个村）"
    if targets.towns:
        shown = "、".join(names.get(c, c) for c in targets.towns[:3])
        more = f"等 {len(targets.towns)} 个乡镇" if len(targets.towns) > 3 else ""
        return f"{shown}{more}（{count} 个村）"
    villages = targets.villages or []
    shown = "、".join(names.get(c, c) for c in villages[:3])
    return shown + (f"等 {count} 个村" if count > 3 else "")
