"""Opinion calls, their attachments and residents' comments (no docstrings on models)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class CommentState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    HIDDEN = "hidden"


COMMENT_STATE_LABELS = {
    CommentState.PENDING: "待审核",
    CommentState.APPROVED: "已公开",
    CommentState.HIDDEN: "未公开",
}


class Adoption(StrEnum):
    ADOPTED = "adopted"
    PARTLY = "partly"
    NOT_ADOPTED = "not_adopted"


ADOPTION_LABELS = {
    Adoption.ADOPTED: "采纳",
    Adoption.PARTLY: "部分采纳",
    Adoption.NOT_ADOPTED: "未采纳",
}


# A draft decision put out for public comment. It is visible to residents once published;
# open from opens_on to closes_on inclusive (county dates). After the close the department
# publishes its adoption summary.
class OpinionCall(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=120)
    summary = fields.TextField(default="")
    body = fields.TextField()
    department_code = fields.CharField(max_length=32, db_index=True)
    opens_on = fields.DateField()
    closes_on = fields.DateField()
    published = fields.BooleanField(default=False)
    adoption_summary = fields.TextField(null=True)
    summary_published_at = fields.DatetimeField(null=True)
    summary_published_by = fields.CharField(max_length=64, null=True)
    created_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "opinion_call"


class OpinionAttachment(Model):
    id = fields.IntField(primary_key=True)
    call: fields.ForeignKeyRelation[OpinionCall] = fields.ForeignKeyField(
        "consultations.OpinionCall", related_name="attachments", on_delete=fields.CASCADE
    )
    filename = fields.CharField(max_length=200)
    path = fields.CharField(max_length=255)
    content_type = fields.CharField(max_length=100)
    size = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "opinion_attachment"


# A resident's comment. `flagged` lists the county's sensitive words it contains (a hint for
# the moderator); only approved comments are shown. `adoption` and its reason are the
# department's answer in the adoption summary.
class OpinionComment(Model):
    id = fields.BigIntField(primary_key=True)
    call: fields.ForeignKeyRelation[OpinionCall] = fields.ForeignKeyField(
        "consultations.OpinionCall", related_name="comments", on_delete=fields.CASCADE
    )
    call_id: int
    resident_id = fields.IntField(db_index=True)
    client_key = fields.CharField(max_length=64)
    text = fields.TextField()
    state = fields.CharEnumField(CommentState, max_length=16, default=CommentState.PENDING)
    flagged = fields.CharField(max_length=255, default="")
    moderated_by = fields.CharField(max_length=64, null=True)
    moderated_at = fields.DatetimeField(null=True)
    adoption = fields.CharEnumField(Adoption, max_length=16, null=True)
    adoption_reason = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "opinion_comment"
        unique_together = (("resident_id", "client_key"),)
