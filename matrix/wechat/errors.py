"""Typed WeChat failures: every error carries WeChat's errcode (None when WeChat never answered)."""

from __future__ import annotations

from typing import Any

from gateway.errors import OperatorError


class WeChatError(Exception):
    """A call to WeChat failed; `errcode` is WeChat's code, `errmsg` its text."""

    def __init__(self, errcode: int | None, errmsg: str = "", **extra: Any) -> None:
        self.errcode = errcode
        self.errmsg = errmsg
        self.extra = extra
        super().__init__(f"WeChat error {errcode}: {errmsg}")

    @property
    def user_message(self) -> str:
        """Chinese text for people (console, mini-program); never contains secrets."""
        return USER_MESSAGES.get(self.errcode, f"微信接口调用失败（错误码 {self.errcode}）")


class TokenError(WeChatError):
    """The access token was refused (40001, 40014, 42001, 41001) even after one refresh."""


class CredentialError(WeChatError):
    """The appid or AppSecret is wrong, or this server's IP is not whitelisted."""


class QuotaError(WeChatError):
    """A daily or per-minute quota is exhausted (45009, 45011, 45028): back off, never hot."""


class BusyError(WeChatError):
    """WeChat stayed busy (-1) through every retry."""


class NetworkError(WeChatError):
    """WeChat could not be reached or answered with a non-2xx status."""


class CodeError(WeChatError):
    """A wx.login() code was invalid, expired (40029) or already used (40163)."""


class ReplyWindowError(WeChatError):
    """A customer-service message outside the 48-hour window (45015)."""


class SubscribeGrantError(WeChatError):
    """The resident has no subscribe-message grant left for this template (43101)."""


class RetryLaterError(WeChatError):
    """The same clientmsgid was retried too fast (45066): wait a minute."""


class InvalidRequestError(WeChatError):
    """WeChat refused the request's content (bad media id, template data, page, scene...)."""


class SandboxUnavailableError(NetworkError, OperatorError):
    """The WeChat sandbox (development, tests) is not answering at APP_WECHAT_API_BASE.

    Also an OperatorError, so a command that meets it (`govmatrix seed-demo`) prints the
    instruction instead of a traceback; other code sees an ordinary NetworkError.
    """

    def __init__(self, base_url: str) -> None:
        port = base_url.rstrip("/").rsplit(":", 1)[-1]
        port = port if port.isdigit() else "8001"
        self.base_url = base_url
        self.instruction = (
            f"WeChat 沙箱（{base_url}）没有运行：请先在另一个终端运行 "
            f"`govmatrix sandbox --port {port}`（或 `make dev`），再重新运行本命令。\n"
            f"The WeChat sandbox at {base_url} is not answering: start it with "
            f"`govmatrix sandbox --port {port}` (or `make dev`), then run this command again."
        )
        super().__init__(None, f"sandbox not answering at {base_url}")

    def __str__(self) -> str:
        return self.instruction


TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
_CLASSES: dict[int, type[WeChatError]] = {
    **dict.fromkeys(TOKEN_ERRCODES | {41001}, TokenError),
    **dict.fromkeys({40013, 40125, 40164, 40002, 41002, 41004, 61004}, CredentialError),
    **dict.fromkeys({45009, 45011, 45028, 45047}, QuotaError),
    **dict.fromkeys({40029, 40163, 41008}, CodeError),
    -1: BusyError,
    45015: ReplyWindowError,
    43101: SubscribeGrantError,
    45066: RetryLaterError,
}

USER_MESSAGES: dict[int | None, str] = {
    None: "无法连接微信服务器，请稍后再试",
    -1: "微信系统繁忙，请稍后再试",
    40001: "微信凭证无效，请检查账号配置",
    40013: "AppID 无效",
    40125: "AppSecret 无效",
    40164: "服务器 IP 不在微信白名单中",
    40029: "登录凭证无效或已过期，请重新登录",
    40163: "登录凭证已被使用，请重新登录",
    45009: "已达到微信接口每日调用上限",
    45011: "调用太频繁，请稍后再试",
    45028: "本账号今日群发次数已用完",
    45015: "已超过 48 小时回复时限，无法回复该粉丝",
    43101: "用户未订阅或订阅次数已用完",
    45065: "该群发已发送过",
    45066: "重试太快，请一分钟后再试",
    40007: "素材 ID 无效",
}


def error_for(errcode: int | None, errmsg: str = "", **extra: Any) -> WeChatError:
    """The most specific WeChatError subclass for an errcode."""
    if errcode is None:
        return NetworkError(None, errmsg, **extra)
    cls = _CLASSES.get(errcode)
    if cls is None:
        cls = InvalidRequestError if 40000 <= errcode < 50000 else WeChatError
    return cls(errcode, errmsg, **extra)


class DeliveryUnknownError(NetworkError):
    """The request may have reached WeChat (the answer was lost: read timeout, dropped
    connection, a proxy's 5xx). For calls without an idempotency key, never resend."""
