"""Loudspeaker scripts, their audio, the villages they go to, downloads and plays.

Villages and towns are shared organisation data (gateway.org), referred to by code; staff by
id. No docstrings on models: tortoise copies them into SQL comments.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class ScriptState(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    REJECTED = "rejected"
    APPROVED = "approved"
    # Taken off the air before its end date; villages no longer see it.
    WITHDRAWN = "withdrawn"


SCRIPT_STATE_LABELS = {
    ScriptState.DRAFT: "草稿",
    ScriptState.IN_REVIEW: "审核中",
    ScriptState.REJECTED: "已退回",
    ScriptState.APPROVED: "已通过",
    ScriptState.WITHDRAWN: "已撤回",
}


class AudioState(StrEnum):
    PENDING = "pending"
    MAKING = "making"
    READY = "ready"
    FAILED = "failed"


AUDIO_STATE_LABELS = {
    AudioState.PENDING: "排队中",
    AudioState.MAKING: "正在生成",
    AudioState.READY: "已生成",
    AudioState.FAILED: "生成失败",
}


class SourceKind(StrEnum):
    TEXT = "text"
    DOCUMENT = "document"
    ARTICLE = "article"


# One broadcast file, named by the SHA-256 of its spoken text and sound settings (key); many
# scripts and document listeners may share it. generation counts re-makes (a lost file).
class Audio(Model):
    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64, unique=True)
    state = fields.CharEnumField(AudioState, max_length=16, default=AudioState.PENDING)
    generation = fields.IntField(default=1)
    job_id = fields.BigIntField(null=True)
    # The text handed to the engine (pronunciations applied) and how it is said.
    text = fields.TextField()
    cpm = fields.IntField()
    repeats = fields.IntField()
    chime = fields.BooleanField()
    path = fields.CharField(max_length=255, default="")
    sha256 = fields.CharField(max_length=64, default="")
    size = fields.BigIntField(default=0)
    duration_s = fields.FloatField(null=True)
    lufs = fields.FloatField(null=True)
    true_peak = fields.FloatField(null=True)
    error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    made_at = fields.DatetimeField(null=True)

    class Meta:
        table = "broadcast_audio"


# A loudspeaker script: what is said (spoken_text), to which villages, when and how.
class Script(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=100)
    source = fields.CharEnumField(SourceKind, max_length=16, default=SourceKind.TEXT)
    source_id = fields.CharField(max_length=32, null=True)
    # The text as typed or taken from the source, and what will be spoken.
    source_text = fields.TextField()
    spoken_text = fields.TextField()
    spoken_edited = fields.BooleanField(default=False)
    # {"all": true} | {"towns": [...]} | {"villages": [...]}
    targets: dict[str, Any] = fields.JSONField(default=dict)  # type: ignore[assignment]
    chime = fields.BooleanField(default=True)
    repeats = fields.IntField(default=2)
    rate = fields.IntField(default=200)
    # ["07:00", "12:00", "18:00"], sorted.
    play_times: list[str] = fields.JSONField(default=list)  # type: ignore[assignment]
    valid_from = fields.DateField()
    valid_until = fields.DateField()
    state = fields.CharEnumField(ScriptState, max_length=16, default=ScriptState.DRAFT)
    # Bumped by every edit (a review signs one version).
    version = fields.IntField(default=1)
    audio: fields.ForeignKeyNullableRelation[Audio] = fields.ForeignKeyField(
        "broadcast.Audio", related_name="scripts", null=True, on_delete=fields.SET_NULL
    )
    created_by = fields.IntField(null=True)
    created_by_name = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    approved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "broadcast_script"
        ordering = ["-id"]


# A village a script is meant for (targets resolved when the script is saved).
class ScriptVillage(Model):
    id = fields.IntField(primary_key=True)
    script: fields.ForeignKeyRelation[Script] = fields.ForeignKeyField(
        "broadcast.Script", related_name="villages", on_delete=fields.CASCADE
    )
    village_code = fields.CharField(max_length=32, db_index=True)
    town_code = fields.CharField(max_length=32)

    class Meta:
        table = "broadcast_script_village"
        unique_together = (("script", "village_code"),)


# A village fetched the whole audio file (the last byte was served); sha256 says which file.
class Download(Model):
    id = fields.IntField(primary_key=True)
    script: fields.ForeignKeyRelation[Script] = fields.ForeignKeyField(
        "broadcast.Script", related_name="downloads", on_delete=fields.CASCADE
    )
    village_code = fields.CharField(max_length=32)
    sha256 = fields.CharField(max_length=64)
    staff_id = fields.IntField(null=True)
    downloaded_at = fields.DatetimeField()

    class Meta:
        table = "broadcast_download"
        unique_together = (("script", "village_code", "sha256"),)


# A confirmed play of one slot (day + play time) in one village; confirming again counts once.
class Play(Model):
    id = fields.IntField(primary_key=True)
    script: fields.ForeignKeyRelation[Script] = fields.ForeignKeyField(
        "broadcast.Script", related_name="plays", on_delete=fields.CASCADE
    )
    village_code = fields.CharField(max_length=32)
    day = fields.DateField()
    slot = fields.CharField(max_length=5)
    played_at = fields.DatetimeField()
    staff_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "broadcast_play"
        unique_together = (("script", "village_code", "day", "slot"),)


# The county pronunciation list: a term and how the engine must say it.
class Pronunciation(Model):
    id = fields.IntField(primary_key=True)
    term = fields.CharField(max_length=20, unique=True)
    reading = fields.CharField(max_length=60)
    note = fields.CharField(max_length=100, default="")
    updated_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "broadcast_pronunciation"
        ordering = ["term"]
