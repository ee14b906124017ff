"""Demo data: the subscribe templates of the county's mini-program, declared in the sandbox."""

from __future__ import annotations

from typing import Any

from gateway.config import get_settings
from matrix.wechat import service as wechat
from mini_program.notify.purposes import purposes


async def seed(*, progress: Any = None) -> str:
    appid = get_settings().mp_appid
    declared = 0
    for purpose in purposes().values():
        if await wechat.register_sandbox_template(
            appid=appid,
            template_id=purpose.template_id,
            title=purpose.title,
            keywords=sorted(purpose.fields.values()),
        ):
            declared += 1
    if not declared:
        return "订阅消息模板：未使用沙箱，跳过"
    return f"订阅消息模板：{declared} 个已在沙箱登记"
