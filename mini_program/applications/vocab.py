"""The words of disclosure applications: states, channels, applicant kinds and the national
annual-report result types with their reasons (and the articles of the regulation behind them).

Pure data, shared by the models, schemas, letters, console and report.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    SUBMITTED = "submitted"
    RECEIVED = "received"
    AWAITING_CORRECTION = "awaiting_correction"
    THIRD_PARTY = "third_party"
    ANSWERED = "answered"
    CLOSED = "closed"


STATE_LABELS = {
    State.SUBMITTED: "待确认收到",
    State.RECEIVED: "办理中",
    State.AWAITING_CORRECTION: "待补正",
    State.THIRD_PARTY: "征求第三方意见",
    State.ANSWERED: "已答复",
    State.CLOSED: "已终止（逾期不补正）",
}
# States with a deadline running (or about to: awaiting receipt or a correction).
OPEN_STATES = frozenset(
    {State.SUBMITTED, State.RECEIVED, State.AWAITING_CORRECTION, State.THIRD_PARTY}
)
FINISHED_STATES = frozenset({State.ANSWERED, State.CLOSED})


class Channel(StrEnum):
    ONLINE = "online"
    KIOSK = "kiosk"
    IN_PERSON = "in_person"
    REGISTERED_POST = "registered_post"
    LETTER = "letter"
    FAX = "fax"
    EMAIL = "email"


CHANNEL_LABELS = {
    Channel.ONLINE: "微信小程序",
    Channel.KIOSK: "政务服务大厅自助终端",
    Channel.IN_PERSON: "当面提交",
    Channel.REGISTERED_POST: "邮政挂号信或快递",
    Channel.LETTER: "平常信函",
    Channel.FAX: "传真",
    Channel.EMAIL: "电子邮件",
}
# The county's report counts "online" and "by letter" (132 and 44 in 2025).
CHANNEL_GROUPS: tuple[tuple[str, tuple[Channel, ...]], ...] = (
    ("网络申请", (Channel.ONLINE, Channel.KIOSK, Channel.EMAIL)),
    ("信函申请", (Channel.REGISTERED_POST, Channel.LETTER)),
    ("当面申请", (Channel.IN_PERSON,)),
    ("传真申请", (Channel.FAX,)),
)
STAFF_CHANNELS = (
    Channel.LETTER,
    Channel.REGISTERED_POST,
    Channel.FAX,
    Channel.IN_PERSON,
    Channel.EMAIL,
)


class ApplicantType(StrEnum):
    CITIZEN = "citizen"
    ORGANISATION = "organisation"


APPLICANT_TYPE_LABELS = {
    ApplicantType.CITIZEN: "自然人",
    ApplicantType.ORGANISATION: "法人或其他组织",
}


class OrgKind(StrEnum):
    BUSINESS = "business"
    RESEARCH = "research"
    NONPROFIT = "nonprofit"
    LEGAL_SERVICE = "legal_service"
    OTHER = "other"


ORG_KIND_LABELS = {
    OrgKind.BUSINESS: "商业企业",
    OrgKind.RESEARCH: "科研机构",
    OrgKind.NONPROFIT: "社会公益组织",
    OrgKind.LEGAL_SERVICE: "法律服务机构",
    OrgKind.OTHER: "其他",
}


class IdType(StrEnum):
    RESIDENT_ID = "resident_id"
    RESIDENCE_PERMIT = "residence_permit"
    HK_MACAO_PASS = "hk_macao_pass"
    TAIWAN_PASS = "taiwan_pass"
    PASSPORT = "passport"
    FOREIGN_PERMANENT = "foreign_permanent"


ID_TYPE_LABELS = {
    IdType.RESIDENT_ID: "居民身份证",
    IdType.RESIDENCE_PERMIT: "港澳台居民居住证",
    IdType.HK_MACAO_PASS: "港澳居民来往内地通行证",
    IdType.TAIWAN_PASS: "台湾居民来往大陆通行证",
    IdType.PASSPORT: "护照",
    IdType.FOREIGN_PERMANENT: "外国人永久居留身份证",
}
# Numbers with the resident ID's 18-digit layout and check digit.
CHECKED_ID_TYPES = frozenset({IdType.RESIDENT_ID, IdType.RESIDENCE_PERMIT})


class Format(StrEnum):
    ELECTRONIC = "electronic"
    PAPER = "paper"


FORMAT_LABELS = {Format.ELECTRONIC: "电子文本", Format.PAPER: "纸质文本"}


class Delivery(StrEnum):
    ELECTRONIC = "electronic"
    POST = "post"
    COLLECT = "collect"


DELIVERY_LABELS = {
    Delivery.ELECTRONIC: "网上获取（小程序或大厅自助终端）",
    Delivery.POST: "邮寄",
    Delivery.COLLECT: "当面领取",
}


class Result(StrEnum):
    DISCLOSE = "disclose"
    PARTIAL = "partial"
    WITHHOLD = "withhold"
    UNAVAILABLE = "unavailable"
    NOT_PROCESSED = "not_processed"
    OTHER = "other"


RESULT_LABELS = {
    Result.DISCLOSE: "予以公开",
    Result.PARTIAL: "部分公开",
    Result.WITHHOLD: "不予公开",
    Result.UNAVAILABLE: "无法提供",
    Result.NOT_PROCESSED: "不予处理",
    Result.OTHER: "其他处理",
}


@dataclass(frozen=True)
class Reason:
    code: str
    label: str  # the annual report's row
    # What the answer letter says, with the article it rests on.
    letter: str


REASONS: dict[Result, tuple[Reason, ...]] = {
    Result.WITHHOLD: (
        Reason(
            "state_secret",
            "属于国家秘密",
            "该信息依法确定为国家秘密，根据《中华人民共和国政府信息公开条例》第十四条的规定不予公开",
        ),
        Reason(
            "law_prohibited",
            "其他法律行政法规禁止公开",
            "该信息属于法律、行政法规禁止公开的政府信息，根据《中华人民共和国政府信息公开条例》"
            "第十四条的规定不予公开",
        ),
        Reason(
            "three_safety",
            "危及“三安全一稳定”",
            "该信息公开后可能危及国家安全、公共安全、经济安全、社会稳定，根据《中华人民共和国"
            "政府信息公开条例》第十四条的规定不予公开",
        ),
        Reason(
            "third_party_rights",
            "保护第三方合法权益",
            "该信息涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害，根据《中华人民共和国"
            "政府信息公开条例》第十五条的规定不予公开",
        ),
        Reason(
            "internal_affairs",
            "属于三类内部事务信息",
            "该信息属于行政机关的内部事务信息，根据《中华人民共和国政府信息公开条例》第十六条"
            "第一款的规定不予公开",
        ),
        Reason(
            "process_info",
            "属于四类过程性信息",
            "该信息属于行政机关在履行行政管理职能过程中形成的过程性信息，根据《中华人民共和国"
            "政府信息公开条例》第十六条第二款的规定不予公开",
        ),
        Reason(
            "enforcement_file",
            "属于行政执法案卷",
            "该信息属于行政执法案卷信息，根据《中华人民共和国政府信息公开条例》第十六条第二款的"
            "规定不予公开",
        ),
        Reason(
            "admin_query",
            "属于行政查询事项",
            "该信息属于有关法律、行政法规对信息的获取有特别规定的查询事项，根据《中华人民共和国"
            "政府信息公开条例》第三十六条第（七）项的规定，请依照有关法律、行政法规的规定办理",
        ),
    ),
    Result.UNAVAILABLE: (
        Reason(
            "not_held",
            "本机关不掌握相关政府信息",
            "经检索，本机关未制作或者获取您申请公开的政府信息，根据《中华人民共和国政府信息公开"
            "条例》第三十六条第（四）项的规定，该政府信息不存在",
        ),
        Reason(
            "needs_creation",
            "没有现成信息需要另行制作",
            "您申请的信息需要本机关对现有政府信息进行加工、分析后另行制作，根据《中华人民共和国"
            "政府信息公开条例》第三十八条的规定不予提供",
        ),
        Reason(
            "still_unclear",
            "补正后申请内容仍不明确",
            "经补正，您的申请内容仍不明确，本机关无法确定您所需的政府信息，根据《中华人民共和国"
            "政府信息公开条例》第三十条的规定无法提供",
        ),
    ),
    Result.NOT_PROCESSED: (
        Reason(
            "petition",
            "信访举报投诉类申请",
            "您以政府信息公开申请的形式进行信访、投诉、举报等活动，根据《中华人民共和国政府信息"
            "公开条例》第三十九条第一款的规定，不作为政府信息公开申请处理，您可以通过相应渠道提出",
        ),
        Reason(
            "duplicate",
            "重复申请",
            "本机关已就您提出的相同申请作出答复，根据《中华人民共和国政府信息公开条例》第三十六条"
            "第（六）项的规定不予重复处理",
        ),
        Reason(
            "publication",
            "要求提供公开出版物",
            "您申请获取的是政府公报、报刊、书籍等公开出版物，根据《中华人民共和国政府信息公开"
            "条例》第三十九条第二款的规定，告知您获取的途径",
        ),
        Reason(
            "mass_repeat",
            "无正当理由大量反复申请",
            "您申请公开政府信息的数量、频次明显超过合理范围且理由不合理，根据《中华人民共和国政府"
            "信息公开条例》第三十五条的规定不予处理",
        ),
        Reason(
            "confirm_reissue",
            "要求行政机关确认或重新出具已获取信息",
            "您的申请系要求行政机关确认或者重新出具您已获取的信息，不属于政府信息公开申请的"
            "处理范围",
        ),
    ),
    Result.OTHER: (
        Reason(
            "no_correction",
            "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            "您无正当理由逾期未补正，根据《中华人民共和国政府信息公开条例》第三十条的规定，视为"
            "放弃申请，本机关不再处理该政府信息公开申请",
        ),
        Reason(
            "no_fee",
            "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            "您逾期未按收费通知要求缴纳信息处理费，根据《中华人民共和国政府信息公开条例》第四十二条"
            "及相关规定，本机关不再处理该政府信息公开申请",
        ),
        Reason("other", "其他", "本机关已对您的申请作出其他处理"),
    ),
    Result.PARTIAL: (),
    Result.DISCLOSE: (),
}
# 部分公开 names why part is withheld with the same reasons as 不予公开 (optional).
PARTIAL_REASONS = REASONS[Result.WITHHOLD]
# Results that must give at least one reason.
REASON_REQUIRED = frozenset(
    {Result.WITHHOLD, Result.UNAVAILABLE, Result.NOT_PROCESSED, Result.OTHER}
)


def reasons_for(result: Result) -> tuple[Reason, ...]:
    return PARTIAL_REASONS if result == Result.PARTIAL else REASONS[result]


def reason_of(result: Result, code: str) -> Reason | None:
    return next((r for r in reasons_for(result) if r.code == code), None)


class ReviewKind(StrEnum):
    RECONSIDERATION = "reconsideration"
    LAWSUIT_DIRECT = "lawsuit_direct"
    LAWSUIT_AFTER_REVIEW = "lawsuit_after_review"


REVIEW_KIND_LABELS = {
    ReviewKind.RECONSIDERATION: "行政复议",
    ReviewKind.LAWSUIT_DIRECT: "行政诉讼（未经复议直接起诉）",
    ReviewKind.LAWSUIT_AFTER_REVIEW: "行政诉讼（复议后起诉）",
}


class ReviewOutcome(StrEnum):
    UPHELD = "upheld"
    CORRECTED = "corrected"
    OTHER = "other"
    PENDING = "pending"


REVIEW_OUTCOME_LABELS = {
    ReviewOutcome.UPHELD: "结果维持",
    ReviewOutcome.CORRECTED: "结果纠正",
    ReviewOutcome.OTHER: "其他结果",
    ReviewOutcome.PENDING: "尚未审结",
}


class FileKind(StrEnum):
    ANSWER_LETTER = "answer_letter"
    CORRECTION_NOTICE = "correction_notice"
    EXTENSION_NOTICE = "extension_notice"
    CLOSURE_NOTICE = "closure_notice"
    ATTACHMENT = "attachment"


FILE_KIND_LABELS = {
    FileKind.ANSWER_LETTER: "政府信息公开申请答复书",
    FileKind.CORRECTION_NOTICE: "补正申请告知书",
    FileKind.EXTENSION_NOTICE: "延长答复期限告知书",
    FileKind.CLOSURE_NOTICE: "终止处理告知书",
    FileKind.ATTACHMENT: "答复附件",
}
