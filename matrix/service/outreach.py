"""What other domains do with the inbox: read a message, and write to its follower again.

The consultation queue turns a follower's message into a consultation and later sends the
answer to that follower; the follower's openid never leaves the matrix.
"""

from __future__ import annotations

from typing import Any

from gateway.errors import Conflict, NotFound
from matrix.models import InboxMessage
from matrix.service.common import Actor
from matrix.service.inbox import message_view, reply_window_open
from matrix.service.registry import secret_of

SENT = "sent"
WINDOW_CLOSED = "window_closed"


async def inbox_message(*, message_id: int, actor: Actor) -> dict[str, Any]:
    """One inbox message as the inbox shows it (with its newest reassignment request), if the
    actor may see it (else 404)."""
    return await message_view(message_id=message_id, actor=actor)


async def message_follower(*, message_id: int, text: str) -> str:
    """Send a customer-service text to the follower who wrote a message.

    Answers "sent", or "window_closed" when WeChat no longer lets us write (48 hours after
    the follower's last message, by our record or WeChat's 45015). Other WeChat failures
    raise WeChatError, so a job retries them.
    """
    from matrix.wechat import service as wechat
    from matrix.wechat.errors import WeChatError

    row = await InboxMessage.filter(id=message_id).select_related("account").first()
    if row is None:
        raise NotFound("没有这条留言", code="message_not_found")
    if not await reply_window_open(row):
        return WINDOW_CLOSED
    secret = secret_of(row.account)
    if not row.account.appid or not secret:
        raise Conflict("该账号未配置 AppSecret，无法发送", code="secret_missing")
    try:
        await wechat.send_custom_text(
            appid=row.account.appid, secret=secret, openid=row.openid, content=text
        )
    except WeChatError as exc:
        if exc.errcode == 45015:
            return WINDOW_CLOSED
        raise
    return SENT
