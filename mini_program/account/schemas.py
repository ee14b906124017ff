"""Request shapes of resident login."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

# wx.login() codes are short URL-safe strings (32 characters today); 128 leaves room.
Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=128, pattern=r"^[\w\-]+$"),
]


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: Code
