"""Request and answer shapes of resident login."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from gateway.openapi import ResponseModel

# wx.login() codes are short URL-safe strings (32 characters today); 128 leaves room.
Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=128, pattern=r"^[\w\-]+$"),
]


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: Code


class ResidentOut(ResponseModel):
    id: int
    openid_masked: str = Field(description="openid 只显示首尾，居民不需要完整的 openid")
    nickname: str
    created_at: datetime | None


class LoginOut(ResponseModel):
    token: str = Field(description="Bearer 令牌：Authorization: Bearer <token>")
    expires_in: int = Field(description="seconds")
    resident: ResidentOut


class ResidentAnswer(ResponseModel):
    resident: ResidentOut
