"""Scripts: written, corrected, reviewed, approved (then synthesised), withdrawn."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from tortoise.transactions import in_transaction

from broadcast.models import (
    SCRIPT_STATE_LABELS,
    Audio,
    Script,
    ScriptState,
    ScriptVillage,
    SourceKind,
)
from broadcast.review import KIND, reviewable
from broadcast.schemas import MAX_SPOKEN, MAX_TEXT, ScriptCreate, ScriptUpdate, Targets
from broadcast.service import audio as audio_service
from broadcast.service import org
from broadcast.service.common import Actor
from broadcast.speakable import speakable, spoken_length
from broadcast.speakable.source import document_text
from gateway import audit, review
from gateway.clock import now, to_iso
from gateway.errors import Conflict, Invalid, NotFound
from push.service.articles import article_for_broadcast

MAX_ID = 2**31 - 1
# Where an article's text comes from once push/ offers it: an async function taking
# `article_id` and answering {"title", "body"} (body may be HTML), NotFound when unknown.


async def get_script(*, script_id: int) -> Script:
    """One script, or NotFound."""
    script = await Script.get_or_none(id=script_id) if 0 < script_id <= MAX_ID else None
    if script is None:
        raise NotFound("没有这份广播稿", code="script_not_found")
    return script


async def list_scripts(
    *, state: str | None = None, page: int = 1, per_page: int = 20
) -> tuple[list[Script], int]:
    """Scripts newest first, optionally in one state (review states as the review says)."""
    if state and state not in {s.value for s in ScriptState}:
        raise Invalid("查询参数有误", fields={"state": "不在可选范围内"})
    query = Script.all()
    if state in ON_AIR_STATES:
        query = query.filter(state=state)
    elif state:
        # draft, in_review and rejected are all "not on the air" here; the review knows which.
        drafts = list(await Script.filter(state=ScriptState.DRAFT).order_by("-id"))
        found = await review_statuses(drafts)
        rows = [s for s in drafts if found[str(s.id)] == state]
        return rows[(page - 1) * per_page : page * per_page], len(rows)
    total = await query.count()
    rows = await query.order_by("-id").offset((page - 1) * per_page).limit(per_page)
    return list(rows), total


# States the script itself records; the review records the others.
ON_AIR_STATES = (ScriptState.APPROVED.value, ScriptState.WITHDRAWN.value)


async def review_statuses(rows: list[Script]) -> dict[str, str]:
    """draft / in_review / rejected / approved of many scripts, as the review sees them."""
    versions: dict[str | int, tuple[int, str]] = {
        s.id: (s.version, reviewable(s).content_hash) for s in rows
    }
    return await review.statuses(kind=KIND, versions=versions) if versions else {}


async def display_state(script: Script) -> ScriptState:
    """On the air or withdrawn as the script says; otherwise the review's status."""
    if script.state in ON_AIR_STATES:
        return ScriptState(script.state)
    status = await review.state(item=reviewable(script))
    return ScriptState(status.status)


# --- where the text comes from ----------------------------------------------------------------


async def _document_source(document_id: int) -> tuple[str, str]:
    from mini_program.catalogue import service as catalogue

    try:
        doc = await catalogue.get_document(document_id=document_id)
    except NotFound as exc:
        raise Invalid(fields={"document_id": "没有这份公开文件"}) from exc
    return doc["title"], document_text(title=doc["title"], doc_no=doc["doc_no"], body=doc["body"])


async def _article_source(article_id: int) -> tuple[str, str]:
    try:
        article = await article_for_broadcast(article_id=article_id)
    except NotFound as exc:
        raise Invalid(fields={"article_id": "没有这篇文章"}) from exc
    title = str(article["title"])
    return title, document_text(title=title, doc_no=None, body=str(article["body"]))


async def source_of(data: ScriptCreate) -> tuple[SourceKind, str | None, str]:
    """(kind, source id, text) for a new script; field errors for a source that is unusable."""
    if data.document_id is not None:
        _title, text = await _document_source(data.document_id)
        kind, source_id, field = SourceKind.DOCUMENT, str(data.document_id), "document_id"
    elif data.article_id is not None:
        _title, text = await _article_source(data.article_id)
        kind, source_id, field = SourceKind.ARTICLE, str(data.article_id), "article_id"
    else:
        text, kind, source_id, field = data.text or "", SourceKind.TEXT, None, "text"
    if len(text) > MAX_TEXT:
        raise Invalid(fields={field: f"正文超过 {MAX_TEXT} 字（{len(text)} 字），请摘录后再播"})
    return kind, source_id, text


def spoken_of(text: str, field: str) -> str:
    """The speakable text, or a field error when nothing in it can be said."""
    spoken = speakable(text)
    if not spoken:
        raise Invalid(fields={field: "没有可朗读的内容（网址、表情和符号无法播报）"})
    if len(spoken) > MAX_SPOKEN:
        raise Invalid(fields={field: f"朗读文本超过 {MAX_SPOKEN} 字"})
    return spoken


# --- create and edit --------------------------------------------------------------------------


async def create_script(*, data: ScriptCreate, actor: Actor) -> Script:
    """A new draft: its spoken text made, its targets resolved to villages."""
    kind, source_id, text = await source_of(data)
    field = {"document": "document_id", "article": "article_id"}.get(kind.value, "text")
    spoken = spoken_of(text, field)
    villages = await org.resolve(data.targets)
    assert data.valid_until is not None  # the schema fills it in
    async with in_transaction():
        script = await Script.create(
            title=data.title,
            source=kind,
            source_id=source_id,
            source_text=text,
            spoken_text=spoken,
            targets=data.targets.as_json(),
            chime=data.chime,
            repeats=data.repeats,
            rate=data.rate,
            play_times=data.play_times,
            valid_from=data.valid_from,
            valid_until=data.valid_until,
            created_by=actor.id,
            created_by_name=actor.name,
        )
        await _set_villages(script, villages)
        await _audit(actor, "broadcast.script.create", script, {"villages": len(villages)})
    return script


async def _set_villages(script: Script, villages: list[tuple[str, str]]) -> None:
    await ScriptVillage.filter(script_id=script.id).delete()
    await ScriptVillage.bulk_create(
        [ScriptVillage(script_id=script.id, village_code=v, town_code=t) for v, t in villages]
    )


EDITABLE = (ScriptState.DRAFT, ScriptState.REJECTED, ScriptState.IN_REVIEW, ScriptState.APPROVED)


async def update_script(*, script_id: int, data: ScriptUpdate, actor: Actor) -> Script:
    """Change a script. Any change makes it a draft again: what was reviewed is not this."""
    script = await get_script(script_id=script_id)
    if script.state not in EDITABLE:
        raise Conflict("已撤回的广播稿不能再修改", code="script_not_editable")
    values = _changes(script, data)
    if data.text is not None and data.text != script.source_text:
        values.update(source=SourceKind.TEXT, source_id=None, source_text=data.text)
        if data.spoken_text is None:
            values.update(spoken_text=spoken_of(data.text, "text"), spoken_edited=False)
    if data.spoken_text is not None:
        spoken = spoken_of(data.spoken_text, "spoken_text")
        if spoken != script.spoken_text:
            values.update(spoken_text=spoken, spoken_edited=True)
    start = data.valid_from or script.valid_from
    until = data.valid_until or script.valid_until
    if until < start:
        raise Invalid(fields={"valid_until": "结束日期不能早于开始日期"})
    villages = await org.resolve(data.targets) if data.targets is not None else None
    if not values and villages is None:
        return script
    values.update(version=script.version + 1, state=ScriptState.DRAFT)
    async with in_transaction():
        changed = await Script.filter(id=script.id, version=script.version).update(**values)
        if not changed:
            raise Conflict("广播稿刚刚已被他人修改，请刷新后再改", code="script_changed")
        if villages is not None:
            await _set_villages(script, villages)
        edited = await get_script(script_id=script.id)
        if actor.id is not None:
            # What was reviewed is not this any more: an open review ends, approval lapses.
            await review.on_edit(
                item=reviewable(edited),
                actor=review.Actor(id=actor.id, name=actor.name, ip=actor.ip),
            )
        await _audit(
            actor,
            "broadcast.script.update",
            script,
            {"fields": sorted(k for k in values if k not in ("version", "state"))},
        )
    return edited


def _changes(script: Script, data: ScriptUpdate) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("title", "chime", "repeats", "rate", "play_times", "valid_from", "valid_until"):
        value = getattr(data, name)
        if value is not None and value != getattr(script, name):
            values[name] = value
    if data.targets is not None and data.targets.as_json() != script.targets:
        values["targets"] = data.targets.as_json()
    return values


# --- review outcome, withdrawal, audio ---------------------------------------------------------


async def sync_review(*, script_id: int) -> bool:
    """Put a script on the air if its current version has passed review; True if it did now."""
    script = await get_script(script_id=script_id)
    if script.state != ScriptState.DRAFT:
        return False
    item = reviewable(script)
    if not await review.is_approved(
        kind=KIND, object_id=script.id, version=item.version, content_hash=item.content_hash
    ):
        return False
    await approve(script_id=script.id, version=script.version)
    return True


async def sync_all_reviews() -> int:
    """Every draft whose current version the review approved goes on the air (catch-up)."""
    drafts = list(await Script.filter(state=ScriptState.DRAFT))
    found = await review_statuses(drafts)
    approved = [s for s in drafts if found[str(s.id)] == "approved"]
    for script in approved:
        await sync_review(script_id=script.id)
    return len(approved)


async def approve(*, script_id: int, version: int) -> Script:
    """The review passed: the script goes on the air and its audio is queued (one transaction).

    Only the version whose exact content the review approved goes on the air.
    """
    async with in_transaction():
        script = await get_script(script_id=script_id)
        item = reviewable(script)
        if script.version != version or not await review.is_approved(
            kind=KIND, object_id=script.id, version=item.version, content_hash=item.content_hash
        ):
            raise Conflict("这份广播稿的当前版本尚未通过审核", code="script_not_approved")
        audio = await audio_service.request_audio(
            spoken_text=script.spoken_text,
            cpm=script.rate,
            repeats=script.repeats,
            chime=script.chime,
        )
        # Conditional on the version and state read: an edit in between wins.
        await Script.filter(id=script.id, version=version, state=ScriptState.DRAFT).update(
            state=ScriptState.APPROVED, audio_id=audio.id, approved_at=now()
        )
    return await get_script(script_id=script_id)


async def withdraw(*, script_id: int, actor: Actor) -> Script:
    """Take an approved script off the air before its end date."""
    script = await get_script(script_id=script_id)
    if script.state != ScriptState.APPROVED:
        raise Conflict("只有已通过的广播稿可以撤回", code="script_not_approved")
    await Script.filter(id=script.id, state=ScriptState.APPROVED).update(
        state=ScriptState.WITHDRAWN
    )
    await _audit(actor, "broadcast.script.withdraw", script, {})
    return await get_script(script_id=script.id)


async def preview_audio(*, script_id: int, actor: Actor) -> Script:
    """Make the audio before review so the editor can listen (approval then reuses it)."""
    script = await get_script(script_id=script_id)
    if script.state == ScriptState.WITHDRAWN:
        raise Conflict("已撤回的广播稿不再生成音频", code="script_not_editable")
    audio = await audio_service.request_audio(
        spoken_text=script.spoken_text, cpm=script.rate, repeats=script.repeats, chime=script.chime
    )
    if script.audio_id != audio.id:  # type: ignore[attr-defined]
        await Script.filter(id=script.id).update(audio_id=audio.id)
    await _audit(actor, "broadcast.script.preview", script, {"audio": audio.key[:12]})
    return await get_script(script_id=script.id)


async def current_audio(script: Script) -> Audio | None:
    """The audio that matches the script as it is now (a later edit leaves none until made)."""
    audio_id = cast(int | None, script.audio_id)  # type: ignore[attr-defined]
    if audio_id is None:
        return None
    audio = await Audio.get_or_none(id=audio_id)
    if audio is None:
        return None
    spec = await audio_service.spec_for(
        spoken_text=script.spoken_text, cpm=script.rate, repeats=script.repeats, chime=script.chime
    )
    same = (audio.text, audio.cpm, audio.repeats, audio.chime) == (
        spec.text,
        spec.cpm,
        spec.repeats,
        spec.chime,
    )
    return audio if same or script.state == ScriptState.APPROVED else None


async def retry_audio(*, script_id: int, actor: Actor) -> Script:
    """Run a failed synthesis again."""
    script = await get_script(script_id=script_id)
    audio = await current_audio(script)
    if audio is None:
        raise Conflict("这份广播稿还没有生成音频", code="no_audio")
    await audio_service.retry(audio)
    await _audit(actor, "broadcast.audio.retry", script, {"audio": audio.key[:12]})
    return script


async def _audit(actor: Actor, action: str, script: Script, detail: dict[str, Any]) -> None:
    await audit.record(
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        target_type="broadcast_script",
        target_id=script.id,
        detail={"title": script.title, **detail},
        ip=actor.ip,
    )


# --- how a script is shown ---------------------------------------------------------------------


async def to_dict(script: Script, *, audio_url: str) -> dict[str, Any]:
    """The script as the admin API answers it (spoken text, state, audio)."""
    audio = await current_audio(script)
    audio_out = None
    if audio is not None:
        job = await audio_service.job_of(audio)
        audio_out = audio_service.status(audio, job, url=audio_url)
    names = await org.names()
    state = await display_state(script)
    review_state = await review.state(item=reviewable(script))
    count = await ScriptVillage.filter(script_id=script.id).count()
    return {
        "id": script.id,
        "title": script.title,
        "source": str(script.source),
        "source_id": script.source_id,
        "source_text": script.source_text,
        "spoken_text": script.spoken_text,
        "spoken_edited": script.spoken_edited,
        "spoken_chars": spoken_length(script.spoken_text),
        "targets": script.targets,
        "target_summary": org.summary(Targets.model_validate(script.targets), names, count),
        "village_count": count,
        "chime": script.chime,
        "repeats": script.repeats,
        "rate": script.rate,
        "play_times": list(script.play_times),
        "valid_from": _day(script.valid_from),
        "valid_until": _day(script.valid_until),
        "state": state.value,
        "state_label": SCRIPT_STATE_LABELS[state],
        "version": script.version,
        "review": review_state.model_dump(),
        "audio": audio_out,
        "created_by": script.created_by_name,
        "created_at": to_iso(script.created_at),
        "updated_at": to_iso(script.updated_at),
        "approved_at": to_iso(script.approved_at),
    }


def _day(value: date) -> str:
    return value.isoformat()
