"""Demo data: the county's mini-program registered in the WeChat sandbox."""

from __future__ import annotations

from typing import Any

from gateway.config import get_settings
from matrix.wechat import service as wechat

MP_NAME = "蒙城政务公开"


async def seed(*, progress: Any = None) -> str:
    settings = get_settings()
    registered = await wechat.register_sandbox_app(
        appid=settings.mp_appid, secret=settings.mp_secret, kind="miniprogram", name=MP_NAME
    )
    if not registered:
        return "小程序：未使用沙箱，跳过注册"
    return f"小程序：{MP_NAME}（{settings.mp_appid}）已在沙箱注册"
