"""The consultation queue's tables: questions, their photos, routing, limits, Q&A, word lists.

Departments are referenced by code (gateway.org), catalogue domains by id, residents by id,
inbox messages by id: never foreign keys across domains. No docstrings on models: tortoise
copies them into SQL comments (see docs/decisions.md).
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Channel(StrEnum):
    MINI_PROGRAM = "mini_program"
    WECHAT = "wechat"
    HALL = "hall"


CHANNEL_LABELS = {
    Channel.MINI_PROGRAM: "小程序",
    Channel.WECHAT: "公众号留言",
    Channel.HALL: "服务大厅",
}


class Kind(StrEnum):
    ENQUIRY = "enquiry"
    HELP = "help"
    SUGGESTION = "suggestion"
    COMPLAINT = "complaint"


KIND_LABELS = {
    Kind.ENQUIRY: "咨询",
    Kind.HELP: "求助",
    Kind.SUGGESTION: "建议",
    Kind.COMPLAINT: "投诉",
}

# Anhui's 12345 practice: enquiries within 3 working days, other matters within 10.
DEFAULT_LIMITS = {Kind.ENQUIRY: 3, Kind.HELP: 10, Kind.SUGGESTION: 10, Kind.COMPLAINT: 10}


class Status(StrEnum):
    PENDING = "pending"
    ASSIGNED = "assigned"
    ANSWERED = "answered"


STATUS_LABELS = {
    Status.PENDING: "待分派",
    Status.ASSIGNED: "办理中",
    Status.ANSWERED: "已答复",
}
OPEN_STATUSES = (Status.PENDING, Status.ASSIGNED)


class Rating(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


RATING_LABELS = {
    Rating.SATISFIED: "满意",
    Rating.BASICALLY: "基本满意",
    Rating.DISSATISFIED: "不满意",
}


class Delivery(StrEnum):
    # What became of a customer-service message to the follower behind a converted message.
    NONE = ""
    QUEUED = "queued"
    SENT = "sent"
    WINDOW_CLOSED = "window_closed"
    FAILED = "failed"


# One question from any channel. `reference` (ZX + date + id) is what the resident quotes;
# `public_token` opens the read-only page a follower or visitor is pointed to.
# `tokens` are the jieba words of the text (county dictionary), written with the question so
# the analysis never segments at read time; `tokens_version` is the dictionary they came from.
class Consultation(Model):
    id = fields.BigIntField(primary_key=True)
    reference = fields.CharField(max_length=24, unique=True, null=True)
    public_token = fields.CharField(max_length=32, unique=True)
    channel = fields.CharEnumField(Channel, max_length=16)
    kind = fields.CharEnumField(Kind, max_length=16, default=Kind.ENQUIRY)
    status = fields.CharEnumField(Status, max_length=16, default=Status.PENDING)
    resident_id = fields.IntField(null=True, db_index=True)
    client_key = fields.CharField(max_length=64, null=True)
    domain_id = fields.IntField(null=True)
    department_code = fields.CharField(max_length=32, null=True)
    text = fields.TextField()
    text_length = fields.IntField(default=0)
    tokens = fields.TextField(default="")
    tokens_version = fields.IntField(default=0)
    contact_name = fields.CharField(max_length=32, default="")
    phone_encrypted = fields.TextField(null=True)
    phone_masked = fields.CharField(max_length=32, default="")
    private = fields.BooleanField(default=False)
    received_at = fields.DatetimeField(db_index=True)
    due_date = fields.DateField()
    answer_text = fields.TextField(null=True)
    answered_at = fields.DatetimeField(null=True)
    answered_by = fields.CharField(max_length=64, null=True)
    answer_workdays = fields.IntField(null=True)
    on_time = fields.BooleanField(null=True)
    rating = fields.CharEnumField(Rating, max_length=24, null=True)
    rating_comment = fields.TextField(null=True)
    rated_at = fields.DatetimeField(null=True)
    published = fields.BooleanField(default=False)
    inbox_message_id = fields.BigIntField(null=True, unique=True)
    account_code = fields.CharField(max_length=32, null=True)
    ack_delivery = fields.CharEnumField(Delivery, max_length=16, default=Delivery.NONE)
    answer_delivery = fields.CharEnumField(Delivery, max_length=16, default=Delivery.NONE)
    recorded_by = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "consultation"
        # A resident's client_key makes a double submission one question.
        unique_together = (("resident_id", "client_key"),)
        indexes = (
            ("department_code", "received_at"),
            # Counting a department's answered (or open) questions: without it the count walks
            # the status index row by row (366 ms at 100,000 questions, 1 ms with it). Not
            # (department_code, status, received_at): SQLite then sorts a department's whole
            # list instead of reading (department_code, received_at) in order.
            ("department_code", "status"),
            ("status", "due_date"),
            ("channel", "received_at"),
        )


# A photo uploaded with a question: re-encoded JPEG under the private photo directory.
# `token` is its public name; until a question claims it, only its uploader may attach it.
class ConsultationPhoto(Model):
    id = fields.BigIntField(primary_key=True)
    token = fields.CharField(max_length=32, unique=True)
    resident_id = fields.IntField(null=True)
    consultation_id = fields.BigIntField(null=True, db_index=True)
    position = fields.SmallIntField(default=0)
    path = fields.CharField(max_length=255)
    width = fields.IntField()
    height = fields.IntField()
    size = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "consultation_photo"


# Topic → department. domain_id 0 is 其他 (a question without a catalogue domain).
class RoutingRule(Model):
    id = fields.IntField(primary_key=True)
    domain_id = fields.IntField(unique=True)
    department_code = fields.CharField(max_length=32)
    updated_by = fields.CharField(max_length=64, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "consultation_routing_rule"


# Reply limit in working days per kind of question (a setting the admin edits).
class ReplyLimit(Model):
    kind = fields.CharEnumField(Kind, max_length=16, primary_key=True)
    workdays = fields.SmallIntField()
    updated_by = fields.CharField(max_length=64, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "consultation_reply_limit"


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


REQUEST_STATE_LABELS = {
    RequestState.PENDING: "待审核",
    RequestState.APPROVED: "已同意",
    RequestState.REJECTED: "已驳回",
}


# A department asks to hand a question on (申请改派), with its reason; an admin decides.
class ReassignmentRequest(Model):
    id = fields.BigIntField(primary_key=True)
    consultation_id = fields.BigIntField(db_index=True)
    # The question's id while the request is pending, else null: one pending request per
    # question, however many departments ask at once (a unique constraint, not a check).
    open_consultation_id = fields.BigIntField(null=True, unique=True)
    from_department = fields.CharField(max_length=32)
    to_department = fields.CharField(max_length=32, null=True)
    reason = fields.TextField()
    state = fields.CharEnumField(RequestState, max_length=16, default=RequestState.PENDING)
    requested_by = fields.CharField(max_length=64)
    decided_by = fields.CharField(max_length=64, null=True)
    decision_note = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "consultation_reassignment"


# A published question and answer, as staff checked it (personal data already masked).
class QaEntry(Model):
    id = fields.BigIntField(primary_key=True)
    consultation_id = fields.BigIntField(unique=True)
    domain_id = fields.IntField(null=True, db_index=True)
    department_code = fields.CharField(max_length=32, null=True)
    question = fields.TextField()
    answer = fields.TextField()
    published_by = fields.CharField(max_length=64)
    published_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "consultation_qa"


class WordList(StrEnum):
    DICTIONARY = "dictionary"
    STOPWORD = "stopword"
    SENSITIVE = "sensitive"


WORD_LIST_LABELS = {
    WordList.DICTIONARY: "县级词典",
    WordList.STOPWORD: "停用词",
    WordList.SENSITIVE: "敏感词",
}


# The county's editable word lists: dictionary words for segmentation, stop words dropped
# from hot words, and the words that flag an opinion-call comment for a moderator's look.
class WordEntry(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(WordList, max_length=16)
    word = fields.CharField(max_length=32)

    class Meta:
        table = "consultation_word"
        unique_together = (("kind", "word"),)


# Small shared values of the domain: the dictionary version the stored tokens follow.
class DomainSetting(Model):
    key = fields.CharField(max_length=64, primary_key=True)
    value = fields.IntField(default=0)

    class Meta:
        table = "consultation_setting"
