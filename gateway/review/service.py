"""Multi-level review: submit a version, sign level by level, restart on edit, check approval.

Rules (ARCHITECTURE.md, "Mechanisms that several domains need"):
- a round reviews one version of the content, identified by its version number and the hash
  of its content; its levels are signed in order;
- a level is signed by a reviewer who is neither the author nor the submitter and who has not
  signed another level of the same version (Forbidden, 403);
- one level gets exactly one signature, even when two reviewers sign at once (a conditional
  UPDATE on the round's signed count; unique constraints behind it);
- a rejection ends the round and returns the content to its author with the comment;
- an edit (a new version) supersedes an open round: review starts again;
- only a fully approved round makes its version approved, and its content hash is kept so the
  domain can check that what goes out is exactly what was approved (`is_approved`).
Every step is an audit record and a history event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from gateway import audit
from gateway.clock import now, to_iso
from gateway.errors import Conflict, Forbidden
from gateway.review.kinds import get_kind, levels_for
from gateway.review.models import (
    Decision,
    ReviewEvent,
    ReviewRound,
    ReviewSignature,
    RoundState,
)
from gateway.review.schemas import (
    STATUS_LABELS,
    ApprovedVersionView,
    LevelView,
    ReviewEventView,
    ReviewState,
    Status,
)

ACTION_LABELS = {
    "submitted": "送审",
    "approved": "通过",
    "rejected": "退回",
    "restarted": "内容已修改，审核重新开始",
}

AUDIT_ACTIONS = {
    "submitted": "review.submit",
    "approved": "review.approve",
    "rejected": "review.reject",
    "restarted": "review.restart",
}


@dataclass(frozen=True)
class Reviewable:
    """What the review needs to know about a piece of content, as its domain loads it."""

    kind: str
    object_id: str | int
    # Increases with every edit of the content; signatures belong to one version.
    version: int
    # The hash of exactly what would go out (`content_hash(...)` of the fields that matter).
    content_hash: str
    author_id: int | None
    # Optional copy of the submitted content, kept with the round (what was reviewed).
    snapshot: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        return str(self.object_id)


@dataclass(frozen=True)
class Actor:
    """The staff member acting, for checks, history and the audit log."""

    id: int
    name: str
    ip: str | None = None


@dataclass(frozen=True)
class ApprovedVersion:
    version: int
    content_hash: str
    snapshot: dict[str, Any] | None
    approved_at: datetime | None


def content_hash(content: Mapping[str, Any] | str | bytes) -> str:
    """SHA-256 of the content: canonical JSON for a mapping (key order does not matter)."""
    if isinstance(content, Mapping):
        data = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        raw = data.encode()
    elif isinstance(content, str):
        raw = content.encode()
    else:
        raw = content
    return hashlib.sha256(raw).hexdigest()


def _open_key(kind: str, object_id: str) -> str:
    return f"{kind}:{object_id}"


def _same_content(rnd: ReviewRound, item: Reviewable) -> bool:
    return rnd.version == item.version and rnd.content_hash == item.content_hash


def _check_expected(item: Reviewable, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != item.version:
        raise Conflict(
            f"内容已更新为第 {item.version} 版，请刷新后再操作",
            code="review_version_changed",
            extra={"version": item.version},
        )


async def _record(
    *,
    item: Reviewable,
    actor: Actor,
    action: str,
    round_id: int | None,
    level: int | None = None,
    level_name: str = "",
    comment: str = "",
) -> None:
    """One history event and one audit record for a step."""
    await ReviewEvent.create(
        kind=item.kind,
        object_id=item.key,
        version=item.version,
        round_id=round_id,
        action=action,
        level=level,
        level_name=level_name,
        actor_id=actor.id,
        actor_name=actor.name,
        comment=comment,
    )
    detail: dict[str, Any] = {"version": item.version, "content_hash": item.content_hash[:16]}
    if level is not None:
        detail.update(level=level, level_name=level_name)
    if comment:
        detail["comment"] = comment
    await audit.record(
        actor_id=actor.id,
        actor_name=actor.name,
        action=AUDIT_ACTIONS[action],
        target_type=item.kind,
        target_id=item.key,
        detail=detail,
        ip=actor.ip,
    )


async def submit(
    *, item: Reviewable, actor: Actor, note: str = "", expected_version: int | None = None
) -> ReviewState:
    """Start a review round for the content's current version; Conflict if one is open."""
    get_kind(item.kind)
    _check_expected(item, expected_version)
    open_round = await ReviewRound.get_or_none(open_key=_open_key(item.kind, item.key))
    if open_round is not None:
        if _same_content(open_round, item):
            raise Conflict("该版本已在审核中", code="review_in_progress")
        await _supersede(item=item, actor=actor)
    if await ReviewRound.exists(
        kind=item.kind,
        object_id=item.key,
        version=item.version,
        content_hash=item.content_hash,
        state=RoundState.APPROVED,
    ):
        raise Conflict("该版本已审核通过，无需再次送审", code="review_already_approved")
    try:
        async with in_transaction():
            rnd = await ReviewRound.create(
                kind=item.kind,
                object_id=item.key,
                version=item.version,
                content_hash=item.content_hash,
                snapshot=item.snapshot,
                levels=list(levels_for(item.kind)),
                open_key=_open_key(item.kind, item.key),
                author_id=item.author_id,
                submitted_by_id=actor.id,
                submitted_by_name=actor.name,
                note=note,
            )
            await _record(item=item, actor=actor, action="submitted", round_id=rnd.id, comment=note)
    except IntegrityError as exc:
        # Another submission of the same content committed first (unique open_key).
        raise Conflict("该内容刚刚已被送审", code="review_in_progress") from exc
    return await state(item=item)


async def sign(
    *,
    item: Reviewable,
    actor: Actor,
    decision: str,
    comment: str = "",
    expected_version: int | None = None,
    expected_level: int | None = None,
) -> ReviewState:
    """Sign the next level of the open round: approve, or reject back to the author.

    `expected_level` (the level the reviewer looked at) guards against signing the next level
    by mistake when someone else signed the one they meant a moment earlier.
    """
    choice = Decision(decision)
    _check_expected(item, expected_version)
    rnd = await ReviewRound.get_or_none(open_key=_open_key(item.kind, item.key))
    if rnd is None:
        raise Conflict(await _nothing_to_sign(item), code="review_not_pending")
    if not _same_content(rnd, item):
        # The domain saved an edit without telling us: the round reviews a version that no
        # longer exists, so it ends here and the author submits the new one.
        await _supersede(item=item, actor=actor)
        raise Conflict(
            "内容在送审后已被修改，审核已重新开始，请作者重新送审",
            code="review_version_changed",
            extra={"version": item.version},
        )
    if actor.id == item.author_id or actor.id == rnd.submitted_by_id:
        raise Forbidden("不能审核自己撰写或送审的内容", code="review_own_content")
    levels: list[str] = list(rnd.levels)
    level = rnd.signed + 1
    name = levels[level - 1]
    if expected_level is not None and expected_level != level:
        meant = levels[expected_level - 1] if expected_level <= len(levels) else str(expected_level)
        raise Conflict(
            f"「{meant}」已由其他审核人签署，当前待签的是「{name}」，请刷新后查看",
            code="review_level_taken",
        )
    earlier = await _level_signed_elsewhere(item, actor, level)
    if earlier:
        raise Forbidden(
            f"您已签署本版本的「{earlier}」，同一版本的各级审核须由不同的审核人签署",
            code="review_already_signed",
        )
    values: dict[str, Any] = {}
    if choice == Decision.APPROVE:
        values["signed"] = level
    final = choice == Decision.REJECT or level == len(levels)
    if final:
        values.update(
            state=RoundState.REJECTED if choice == Decision.REJECT else RoundState.APPROVED,
            open_key=None,
            decided_at=now(),
            comment=comment if choice == Decision.REJECT else "",
        )
    try:
        async with in_transaction():
            # The atomic step: only the request that still sees this level unsigned moves on.
            taken = await ReviewRound.filter(
                id=rnd.id, state=RoundState.PENDING, signed=rnd.signed
            ).update(**values)
            if taken != 1:
                raise _LevelTaken
            await ReviewSignature.create(
                round_id=rnd.id,
                level=level,
                level_name=name,
                reviewer_id=actor.id,
                reviewer_name=actor.name,
                decision=choice,
                comment=comment,
            )
            await _record(
                item=item,
                actor=actor,
                action="approved" if choice == Decision.APPROVE else "rejected",
                round_id=rnd.id,
                level=level,
                level_name=name,
                comment=comment,
            )
    except (_LevelTaken, IntegrityError) as exc:
        raise await _lost_race(rnd, actor, name) from exc
    return await state(item=item)


class _LevelTaken(Exception):
    pass


async def _lost_race(rnd: ReviewRound, actor: Actor, name: str) -> Conflict | Forbidden:
    mine = await ReviewSignature.get_or_none(round_id=rnd.id, reviewer_id=actor.id)
    if mine is not None:
        return Forbidden(
            f"您已签署本版本的「{mine.level_name}」，同一版本的各级审核须由不同的审核人签署",
            code="review_already_signed",
        )
    return Conflict(f"「{name}」刚刚已由其他审核人签署，请刷新后查看", code="review_level_taken")


async def _level_signed_elsewhere(item: Reviewable, actor: Actor, level: int) -> str | None:
    """The name of another level this reviewer signed for this version (any round)."""
    found = (
        await ReviewSignature.filter(
            round__kind=item.kind,
            round__object_id=item.key,
            round__version=item.version,
            reviewer_id=actor.id,
        )
        .exclude(level=level)
        .first()
    )
    return found.level_name if found else None


async def _nothing_to_sign(item: Reviewable) -> str:
    latest = await ReviewRound.filter(kind=item.kind, object_id=item.key).order_by("-id").first()
    if latest is None or not _same_content(latest, item):
        return "该内容尚未送审"
    if latest.state == RoundState.APPROVED:
        return "该版本已审核通过"
    if latest.state == RoundState.REJECTED:
        return "该版本已被退回，需作者修改或重新送审"
    return "该内容尚未送审"


async def _supersede(*, item: Reviewable, actor: Actor) -> bool:
    """End the open round when it reviews another version than `item`'s; True if it did."""
    key = _open_key(item.kind, item.key)
    rnd = await ReviewRound.get_or_none(open_key=key)
    if rnd is None or _same_content(rnd, item):
        return False
    async with in_transaction():
        ended = await ReviewRound.filter(id=rnd.id, open_key=key).update(
            state=RoundState.SUPERSEDED, open_key=None, decided_at=now()
        )
        if ended:
            await _record(item=item, actor=actor, action="restarted", round_id=rnd.id)
    return bool(ended)


async def on_edit(*, item: Reviewable, actor: Actor) -> bool:
    """Call after saving an edit (with the new version): review starts again.

    An open round ends (superseded); an approval of an earlier version stays recorded for that
    version but no longer covers the content. Returns True when a review was restarted.
    """
    get_kind(item.kind)
    if await _supersede(item=item, actor=actor):
        return True
    latest = await ReviewRound.filter(kind=item.kind, object_id=item.key).order_by("-id").first()
    if latest is None or latest.state != RoundState.APPROVED or _same_content(latest, item):
        return False
    last_event = (
        await ReviewEvent.filter(kind=item.kind, object_id=item.key).order_by("-id").first()
    )
    if last_event is not None and last_event.action == "restarted":
        return False  # already noted at the first edit after the approval
    await _record(item=item, actor=actor, action="restarted", round_id=latest.id)
    return True


# --- reading -------------------------------------------------------------------------------

_STATUS: dict[RoundState, Status] = {
    RoundState.PENDING: "in_review",
    RoundState.APPROVED: "approved",
    RoundState.REJECTED: "rejected",
    RoundState.SUPERSEDED: "draft",
}


def _levels_view(
    rnd: ReviewRound | None, sigs: Iterable[ReviewSignature], kind: str
) -> list[LevelView]:
    names: list[str] = list(rnd.levels) if rnd is not None else list(levels_for(kind))
    by_level = {s.level: s for s in sigs}
    out: list[LevelView] = []
    for number, name in enumerate(names, start=1):
        sig = by_level.get(number)
        if sig is not None:
            out.append(
                LevelView(
                    level=number,
                    name=name,
                    state="approved" if sig.decision == Decision.APPROVE else "rejected",
                    reviewer=sig.reviewer_name,
                    comment=sig.comment or None,
                    signed_at=to_iso(sig.signed_at),
                )
            )
            continue
        current = rnd is not None and rnd.state == RoundState.PENDING and number == rnd.signed + 1
        out.append(LevelView(level=number, name=name, state="current" if current else "waiting"))
    return out


async def approved_version(*, kind: str, object_id: str | int) -> ApprovedVersion | None:
    """The most recently approved version of the content (its hash and snapshot), if any."""
    rnd = (
        await ReviewRound.filter(kind=kind, object_id=str(object_id), state=RoundState.APPROVED)
        .order_by("-id")
        .first()
    )
    if rnd is None:
        return None
    return ApprovedVersion(rnd.version, rnd.content_hash, rnd.snapshot, rnd.decided_at)


async def is_approved(*, kind: str, object_id: str | int, version: int, content_hash: str) -> bool:
    """Whether exactly this version with exactly this content went through every level."""
    return await ReviewRound.exists(
        kind=kind,
        object_id=str(object_id),
        version=version,
        content_hash=content_hash,
        state=RoundState.APPROVED,
    )


async def state(*, item: Reviewable) -> ReviewState:
    """The review of the content's current version, level by level."""
    latest = await ReviewRound.filter(kind=item.kind, object_id=item.key).order_by("-id").first()
    approved = await approved_version(kind=item.kind, object_id=item.key)
    approved_view = (
        ApprovedVersionView(
            version=approved.version,
            content_hash=approved.content_hash,
            approved_at=to_iso(approved.approved_at),
        )
        if approved
        else None
    )
    base: dict[str, Any] = {
        "kind": item.kind,
        "object_id": item.key,
        "version": item.version,
        "approved_version": approved_view,
    }
    if latest is None or not _same_content(latest, item) or latest.state == RoundState.SUPERSEDED:
        return ReviewState(
            **base,
            status="draft",
            status_label=STATUS_LABELS["draft"],
            levels=_levels_view(None, [], item.kind),
            changed_since_review=latest is not None,
        )
    sigs = await ReviewSignature.filter(round_id=latest.id).order_by("level")
    levels = _levels_view(latest, sigs, item.kind)
    status = _STATUS[RoundState(latest.state)]
    return ReviewState(
        **base,
        status=status,
        status_label=STATUS_LABELS[status],
        levels=levels,
        current_level=next((lv for lv in levels if lv.state == "current"), None),
        round_id=latest.id,
        submitted_at=to_iso(latest.submitted_at),
        submitted_by=latest.submitted_by_name,
        note=latest.note,
        decided_at=to_iso(latest.decided_at),
        comment=latest.comment,
    )


async def statuses(*, kind: str, versions: Mapping[str | int, tuple[int, str]]) -> dict[str, str]:
    """Status of many objects at once (list pages): object id → draft / in_review / ...

    `versions` maps each object id to its current (version, content hash).
    """
    wanted = {str(k): v for k, v in versions.items()}
    out = dict.fromkeys(wanted, "draft")
    rows = await ReviewRound.filter(kind=kind, object_id__in=list(wanted)).order_by("id")
    latest: dict[str, ReviewRound] = {r.object_id: r for r in rows}
    for object_id, rnd in latest.items():
        if (rnd.version, rnd.content_hash) != wanted[object_id]:
            continue
        out[object_id] = _STATUS[RoundState(rnd.state)]
    return out


async def history(*, kind: str, object_id: str | int) -> list[ReviewEventView]:
    """Every review step of the content, oldest first."""
    rows = await ReviewEvent.filter(kind=kind, object_id=str(object_id)).order_by("id")
    return [
        ReviewEventView(
            action=row.action,
            action_label=ACTION_LABELS.get(row.action, row.action),
            version=row.version,
            level=row.level,
            level_name=row.level_name,
            actor=row.actor_name,
            comment=row.comment,
            at=to_iso(row.at),
        )
        for row in rows
    ]


async def pending_for(*, actor: Actor, kind: str | None = None) -> list[dict[str, Any]]:
    """Open rounds waiting for a level this staff member may sign (their review queue)."""
    query = ReviewRound.filter(state=RoundState.PENDING)
    if kind is not None:
        query = query.filter(kind=kind)
    rounds = await query.exclude(submitted_by_id=actor.id).order_by("submitted_at")
    signed = set(
        await ReviewSignature.filter(
            round_id__in=[r.id for r in rounds], reviewer_id=actor.id
        ).values_list("round_id", flat=True)
    )
    out = []
    for rnd in rounds:
        if rnd.author_id == actor.id or rnd.id in signed:
            continue
        out.append(
            {
                "kind": rnd.kind,
                "kind_label": get_kind(rnd.kind).label if rnd.kind in _known() else rnd.kind,
                "object_id": rnd.object_id,
                "version": rnd.version,
                "level": rnd.signed + 1,
                "level_name": list(rnd.levels)[rnd.signed],
                "submitted_by": rnd.submitted_by_name,
                "submitted_at": to_iso(rnd.submitted_at),
            }
        )
    return out


def _known() -> set[str]:
    from gateway.review.kinds import registered_kinds

    return {k.kind for k in registered_kinds()}
