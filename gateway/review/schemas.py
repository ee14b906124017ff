"""Request bodies of the submit and review endpoints, and the review state in answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

COMMENT_MAX = 500

LevelState = Literal["approved", "rejected", "current", "waiting"]
Status = Literal["draft", "in_review", "rejected", "approved"]

STATUS_LABELS: dict[str, str] = {
    "draft": "未送审",
    "in_review": "审核中",
    "rejected": "已退回",
    "approved": "已通过",
}


class SubmitBody(BaseModel):
    """`POST .../submit`: the body may be empty; `version` guards against submitting a
    version other than the one the author looked at."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, ge=1, le=2**31 - 1, description="送审的版本号（可选）")
    note: str = Field("", max_length=COMMENT_MAX, description="送审说明（可选）")

    @field_validator("note")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class ReviewBody(BaseModel):
    """`POST .../review {"decision": "approve"|"reject", "comment"}`."""

    model_config = ConfigDict(extra="forbid")

    decision: str = Field(..., description="approve（通过）或 reject（退回）")
    comment: str = Field(
        "", max_length=COMMENT_MAX, validate_default=True, description="审核意见；退回时必填"
    )
    version: int | None = Field(None, ge=1, le=2**31 - 1, description="审核人看到的版本号（可选）")
    level: int | None = Field(
        None, ge=1, le=9, description="审核人要签署的级别（可选，从 1 起）；已被他人签署则 409"
    )

    @field_validator("decision")
    @classmethod
    def _decision(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("approve", "reject"):
            raise ValueError("应为 approve（通过）或 reject（退回）")
        return value

    @field_validator("comment")
    @classmethod
    def _comment(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        # A rejection goes back to the author, who needs to know what to change.
        if info.data.get("decision") == "reject" and not value:
            raise ValueError("退回时请填写审核意见")
        return value


class LevelView(BaseModel):
    level: int = Field(..., description="第几级（从 1 起）")
    name: str = Field(..., description="级别名称，如 初审")
    state: LevelState = Field(
        ..., description="approved 已通过 / rejected 已退回 / current 待签 / waiting 未到"
    )
    reviewer: str | None = None
    comment: str | None = None
    signed_at: str | None = None


class ApprovedVersionView(BaseModel):
    version: int
    content_hash: str
    approved_at: str | None


class ReviewState(BaseModel):
    """The review of a piece of content's current version."""

    kind: str
    object_id: str
    version: int = Field(..., description="内容的当前版本号")
    status: Status
    status_label: str
    levels: list[LevelView]
    current_level: LevelView | None = Field(None, description="待签署的一级（审核中时）")
    round_id: int | None = None
    submitted_at: str | None = None
    submitted_by: str | None = None
    note: str = ""
    decided_at: str | None = None
    comment: str = Field("", description="退回意见（已退回时）")
    changed_since_review: bool = Field(
        False, description="当前版本在上次送审后又被修改过（需重新送审）"
    )
    approved_version: ApprovedVersionView | None = Field(
        None, description="最近一次完整通过的版本（可能早于当前版本）"
    )


class ReviewEventView(BaseModel):
    action: str = Field(..., description="submitted / approved / rejected / restarted")
    action_label: str
    version: int
    level: int | None = None
    level_name: str = ""
    actor: str
    comment: str = ""
    at: str | None


class ReviewAnswer(BaseModel):
    review: ReviewState


class ReviewHistoryAnswer(BaseModel):
    review: ReviewState
    history: list[ReviewEventView]
