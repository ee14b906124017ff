"""Kinds of reviewed content and their levels (a setting per kind).

A domain registers its kind once, at import of the module that mounts its endpoints:

    register_kind("article", label="文章", levels=("初审", "复审", "终审"))

The levels in force are the setting `APP_REVIEW_LEVELS_<KIND>` (environment or `.env`) when
present, else the registered default. The setting is either the level names, separated by
commas (`APP_REVIEW_LEVELS_ARTICLE=初审,终审`), or a number of levels
(`APP_REVIEW_LEVELS_BROADCAST=3`: the default names, extended with 第N级审核).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.config import setting

MAX_LEVELS = 9
_KIND = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


@dataclass(frozen=True)
class ReviewKind:
    kind: str
    label: str
    default_levels: tuple[str, ...]

    @property
    def setting(self) -> str:
        return f"APP_REVIEW_LEVELS_{self.kind.upper()}"


_kinds: dict[str, ReviewKind] = {}


def register_kind(kind: str, *, label: str, levels: tuple[str, ...]) -> ReviewKind:
    """Declare a kind of reviewed content with its default levels (idempotent)."""
    if not _KIND.match(kind):
        raise ValueError(f"review kind {kind!r} must be lower-case letters, digits, _")
    spec = ReviewKind(kind, label, _checked(tuple(levels), f"default levels of {kind}"))
    existing = _kinds.get(kind)
    if existing is not None and existing != spec:
        raise ValueError(f"review kind {kind!r} is already registered differently")
    _kinds[kind] = spec
    levels_for(kind)  # a bad setting fails at start-up, not at the first signature
    return spec


def get_kind(kind: str) -> ReviewKind:
    try:
        return _kinds[kind]
    except KeyError:
        raise LookupError(f"review kind {kind!r} is not registered") from None


def registered_kinds() -> list[ReviewKind]:
    return list(_kinds.values())


def levels_for(kind: str) -> tuple[str, ...]:
    """The level names a new review round of this kind goes through, in order."""
    spec = get_kind(kind)
    raw = setting(spec.setting)
    if raw is None or not raw.strip():
        return spec.default_levels
    return parse_levels(raw, spec.default_levels, setting=spec.setting)


def parse_levels(raw: str, defaults: tuple[str, ...], *, setting: str) -> tuple[str, ...]:
    text = raw.strip()
    if text.isdigit():
        count = int(text)
        names = [*defaults[:count]]
        names += [f"第{n}级审核" for n in range(len(names) + 1, count + 1)]
        return _checked(tuple(names), setting)
    names = [part.strip() for part in re.split(r"[,，、]", text)]
    return _checked(tuple(names), setting)


def _checked(levels: tuple[str, ...], where: str) -> tuple[str, ...]:
    if not 1 <= len(levels) <= MAX_LEVELS:
        raise ValueError(f"{where}: between 1 and {MAX_LEVELS} levels are needed")
    if any(not name or len(name) > 32 for name in levels):
        raise ValueError(f"{where}: every level needs a name of 1 to 32 characters")
    if len(set(levels)) != len(levels):
        raise ValueError(f"{where}: level names must differ")
    return levels
