"""Request and response shapes of the residents' notification endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictInt, field_validator

from gateway.errors import Invalid
from mini_program.notify.purposes import by_template

MAX_DOMAIN_ID = 2**31 - 1
# wx.requestSubscribeMessage takes at most three templates at a time; a little room.
MAX_TEMPLATES_PER_ANSWER = 10


class TemplateView(BaseModel):
    purpose: str = Field(..., description="用途代码，如 article_published")
    label: str = Field(..., description="用途说明")
    title: str = Field(..., description="模板标题（居民在授权弹窗里看到的）")
    template_id: str


class TemplatesAnswer(BaseModel):
    templates: list[TemplateView]
    by_purpose: dict[str, str] = Field(..., description="用途 → 模板 ID")


class GrantsAnswer(BaseModel):
    grants: dict[str, int] = Field(..., description="用途 → 当前居民尚未使用的一次性授权条数")


class GrantResult(BaseModel):
    template_id: str
    purpose: str
    result: str = Field(..., description="accept / reject / ban / filter")
    granted: bool = Field(..., description="是否记下了一次可发送的授权")


class GrantsRecorded(BaseModel):
    recorded: list[GrantResult]
    grants: dict[str, int]


class SubscribeResult(RootModel[dict[str, str]]):
    """WeChat's result of wx.requestSubscribeMessage, as the mini-program received it:
    {"<template id>": "accept"|"reject"|"ban"|"filter", "errMsg": "requestSubscribeMessage:ok"}.
    """


ANSWERS = ("accept", "reject", "ban", "filter")


def subscribe_answers(data: dict[str, Any]) -> dict[str, str]:
    """The answers of a SubscribeResult, or Invalid with a field error per bad template id."""
    errors: dict[str, str] = {}
    answers: dict[str, str] = {}
    for key, value in data.items():
        if key == "errMsg":  # WeChat's own status text rides along in the result object
            continue
        if by_template(key) is None:
            errors[key[:64]] = "未知的订阅消息模板"
        elif value not in ANSWERS:
            errors[key] = "应为 accept、reject、ban 或 filter"
        else:
            answers[key] = value
    if len(answers) + len(errors) > MAX_TEMPLATES_PER_ANSWER:
        raise Invalid(fields={"body": f"一次最多提交 {MAX_TEMPLATES_PER_ANSWER} 个模板的结果"})
    if not answers and not errors:
        errors["body"] = "没有订阅结果"
    if errors:
        raise Invalid(fields=errors)
    return answers


class FollowsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domain_ids: list[StrictInt] = Field(
        ..., max_length=100, description="关注的公开领域 ID（全部替换；空列表表示不再关注）"
    )

    @field_validator("domain_ids")
    @classmethod
    def _ids(cls, value: list[int]) -> list[int]:
        if any(not 0 < v <= MAX_DOMAIN_ID for v in value):
            raise ValueError("领域 ID 应为正整数")
        return sorted(set(value))


class FollowedDomain(BaseModel):
    id: int
    name: str


class FollowsAnswer(BaseModel):
    domain_ids: list[int]
    domains: list[FollowedDomain]


class MessageCounts(BaseModel):
    pending: int
    sending: int
    sent: int
    refused: int
    failed: int
    no_grant: int
    unknown: int


class PurposeStatistics(BaseModel):
    purpose: str
    label: str
    template_id: str
    fields: dict[str, str] = Field(..., description="notify() 的字段名 → 模板关键词")
    messages: MessageCounts
    grants_outstanding: int = Field(..., description="居民尚未使用的一次性授权")
    answers: dict[str, int] = Field(
        ..., description="居民的授权回答：accept / reject / ban / filter"
    )


class StatisticsAnswer(BaseModel):
    purposes: list[PurposeStatistics]
