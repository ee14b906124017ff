"""The one error shape: {"error": {"code", "message", "fields"}} with the right status."""

from __future__ import annotations

import json as json_lib
import logging
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from redis import exceptions as redis_errors
from sanic import DefaultSanic, Request
from sanic.constants import HTTP_METHODS
from sanic.exceptions import SanicException
from sanic.response import HTTPResponse, json

log = logging.getLogger("govmatrix.errors")

M = TypeVar("M", bound=BaseModel)


class ApiError(Exception):
    """An error a client can act on; views and services raise it, the handler shapes it."""

    status = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        fields: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.status = status or self.status
        self.fields = fields or {}
        self.extra = extra or {}
        super().__init__(self.message)


class NotFound(ApiError):
    status, code, message = 404, "not_found", "未找到"


class Unauthorized(ApiError):
    status, code, message = 401, "unauthorized", "请先登录"


class Forbidden(ApiError):
    status, code, message = 403, "forbidden", "没有权限"


class Conflict(ApiError):
    status, code, message = 409, "conflict", "与现有数据冲突"


class Invalid(ApiError):
    status, code, message = 422, "invalid", "提交的内容有误"


class RateLimited(ApiError):
    status, code, message = 429, "rate_limited", "操作太频繁，请稍后再试"


class ErrorDetail(BaseModel):
    """What went wrong: a stable code, a message for people, the fields at fault."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="snake_case, stable: clients branch on it")
    message: str = Field(description="中文说明，可直接展示给用户")
    fields: dict[str, str] = Field(description="出错的字段 → 问题")
    errcode: int | None = Field(None, description="WeChat's errcode, when WeChat refused")
    retry_after: int | None = Field(None, description="seconds until a locked sign-in may retry")
    version: int | None = Field(
        None, description="the content's current version, when a review refuses a stale one"
    )


class ErrorBody(BaseModel):
    """The one error shape of every answer with status 400 or more."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


class OperatorError(Exception):
    """A problem the person running a command must fix (a service not running, a package
    missing). `govmatrix` prints the message and exits 1, without a traceback."""


def error_body(
    code: str, message: str, fields: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message, "fields": fields or {}}
    body.update(extra)
    return {"error": body}


def error_response(
    status: int, code: str, message: str, fields: dict[str, str] | None = None, **extra: Any
) -> HTTPResponse:
    return json(error_body(code, message, fields, **extra), status=status)


def fields_from_validation(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        msg = err.get("msg", "无效")
        # Custom validators raise ValueError("中文说明"); pydantic prefixes "Value error, ".
        msg = msg.removeprefix("Value error, ")
        fields.setdefault(loc, _translate(err.get("type", ""), msg))
    return fields


_TYPE_MESSAGES = {
    "missing": "必填",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为布尔值",
    "bool_parsing": "应为布尔值",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "extra_forbidden": "不支持的字段",
    "string_too_short": "太短",
    "string_too_long": "太长",
    "greater_than_equal": "数值太小",
    "greater_than": "数值太小",
    "less_than_equal": "数值太大",
    "less_than": "数值太大",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "datetime_parsing": "应为日期时间",
    "datetime_from_date_parsing": "应为日期时间",
    "enum": "不在可选范围内",
    "literal_error": "不在可选范围内",
    "string_pattern_mismatch": "格式不正确",
    "too_short": "太少",
    "too_long": "太多",
}


def _translate(kind: str, fallback: str) -> str:
    return _TYPE_MESSAGES.get(kind, fallback)


def validate(
    schema: type[M], data: Any, *, context: dict[str, Any] | None = None, message: str | None = None
) -> M:
    """Validate data against a schema; failures raise Invalid naming each field."""
    try:
        return schema.model_validate(data, context=context)
    except ValidationError as exc:
        raise Invalid(message, fields=fields_from_validation(exc)) from exc


def revalidate(value: M, *, context: dict[str, Any], message: str | None = None) -> M:
    """Validate a model again with what only the service knows (the stored row's state)."""
    return validate(
        type(value), value.model_dump(exclude_unset=True), context=context, message=message
    )


def parse_body(request: Request, schema: type[M], *, context: dict[str, Any] | None = None) -> M:
    """Validate a JSON body against a schema; bad JSON or fields raise the one error shape.

    `context` reaches the schema's validators (e.g. the stored account's platform)."""
    raw = request.body
    if not raw:
        raise ApiError("请求体不能为空", code="empty_body")
    try:
        data = json_lib.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError("请求体不是有效的 JSON", code="malformed_json") from exc
    except RecursionError as exc:
        # Thousands of nested brackets exhaust the decoder's stack: bad input, not a crash.
        raise ApiError("请求体嵌套层数过多", code="malformed_json") from exc
    if not isinstance(data, dict):
        raise Invalid("请求体应为 JSON 对象", code="malformed_json")
    # Strict JSON validation: a body is valid exactly when the OpenAPI document says so ("2"
    # is not an integer, 0 is not a boolean); pydantic's lax mode would take both.
    try:
        return schema.model_validate_json(raw, strict=True, context=context)
    except ValidationError as exc:
        raise Invalid(fields=fields_from_validation(exc)) from exc


def parse_query(request: Request, schema: type[M]) -> M:
    """Validate query-string arguments (first value of each) against a schema."""
    data = {k: v[0] for k, v in request.args.items() if v}
    return validate(schema, data, message="查询参数有误")


_SANIC_CODES = {
    400: ("bad_request", "请求有误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "没有权限"),
    404: ("not_found", "未找到该地址"),
    405: ("method_not_allowed", "不支持该请求方法"),
    408: ("request_timeout", "请求超时"),
    # Sanic answers 413 for an oversized body and for oversized headers alike.
    413: ("payload_too_large", "请求内容过大"),
    416: ("range_not_satisfiable", "请求范围无效"),
    429: ("rate_limited", "操作太频繁，请稍后再试"),
    503: ("unavailable", "服务暂不可用"),
}


# Route ids beyond a signed 64-bit integer cannot name a row in any table, and SQLite and
# PostgreSQL both fail on them: answer 404 before a handler passes one to the database.
MAX_ROUTE_ID = 2**63 - 1
# A text route value (an account code, a plan code) names a row by a column of limited
# length; a longer value cannot name anything, and tortoise refuses to filter a CharField by
# it (a 500). Each handler declares its parameters' lengths with `route_max_length`; this is
# the ceiling for any it does not declare (the longest code column we have).
DEFAULT_ROUTE_TEXT_LENGTH = 64
_ROUTE_LENGTHS = "route_max_length"
# Linux's NAME_MAX: the longest file name (one path component) in bytes.
NAME_MAX_BYTES = 255

F = TypeVar("F", bound=Callable[..., Any])

# Redis failures (down, or too slow to answer) are the service's, not the client's: 503.
_REDIS_ERRORS = (redis_errors.ConnectionError, redis_errors.TimeoutError)


def route_max_length(**lengths: int) -> Callable[[F], F]:
    """Declare the longest value of each text route parameter (its column's max_length).

    A longer value answers 404 before the handler runs, whatever the handler does with it:
    `@route_max_length(code=32)` on `/accounts/<code:str>`.
    """

    def mark(handler: F) -> F:
        # functools.wraps copies __dict__, so the mark survives the decorators around it.
        setattr(handler, _ROUTE_LENGTHS, {**getattr(handler, _ROUTE_LENGTHS, {}), **lengths})
        return handler

    return mark


def route_lengths(handler: Callable[..., Any]) -> dict[str, int]:
    """The text parameter lengths a handler declared (tests iterate the routes with it)."""
    return dict(getattr(handler, _ROUTE_LENGTHS, {}))


def possible_file_path(path: str) -> bool:
    """Whether a requested path could name a file at all: a NUL byte (ValueError) or a
    component longer than the file system allows (OSError) fails every file-system call."""
    name = unquote(path)
    return "\x00" not in name and all(
        len(part.encode("utf-8", "surrogatepass")) <= NAME_MAX_BYTES for part in name.split("/")
    )


def _is_static(request: Request) -> bool:
    route = request.route
    return route is not None and bool(getattr(route.extra, "static", False))


async def _route_values_in_range(request: Request) -> None:
    route = request.route
    if route is None:
        return
    if _is_static(request):
        # Sanic's file handler would log a traceback and answer 500 for these.
        if not possible_file_path(request.path):
            raise NotFound("未找到该文件")
        return
    lengths = route_lengths(route.handler)
    for name, value in request.match_info.items():
        if isinstance(value, int) and not -MAX_ROUTE_ID <= value <= MAX_ROUTE_ID:
            raise NotFound()
        if isinstance(value, str) and len(value) > lengths.get(name, DEFAULT_ROUTE_TEXT_LENGTH):
            raise NotFound()


def unexpected_error(request: Request, exc: BaseException) -> HTTPResponse:
    """A 500 in the one error shape, with the traceback in the log."""
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(500, "internal_error", "服务器内部错误，请稍后再试")


def _allowed_methods(request: Request) -> list[str]:
    """The methods the request's path answers. Sanic's router names them for fixed paths only;
    a path with parameters (/api/v1/admin/users/<id>) is asked method by method."""
    allowed: list[str] = []
    for method in HTTP_METHODS:
        try:
            request.app.router.get(request.path, method, request.headers.get("host"))
        except SanicException:
            continue
        allowed.append(str(method))
    return allowed


def install(app: DefaultSanic) -> None:
    """Route every exception through the one error shape."""

    app.register_middleware(_route_values_in_range, "request")

    @app.exception(*_REDIS_ERRORS)
    async def _redis_down(request: Request, exc: Exception) -> HTTPResponse:
        log.error("Redis unavailable on %s %s: %r", request.method, request.path, exc)
        return error_response(503, "unavailable", "服务暂时不可用，请稍后再试")

    @app.exception(OSError)
    async def _file_system_error(request: Request, exc: OSError) -> HTTPResponse:
        # Whatever the file system says about a requested name on a static route (not a
        # directory, a loop of links, no permission), there is no file there to serve.
        if _is_static(request):
            log.warning("static %s: %s", request.path[:200], type(exc).__name__)
            return error_response(404, "not_found", "未找到该文件")
        return unexpected_error(request, exc)

    @app.exception(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> HTTPResponse:
        return error_response(exc.status, exc.code, exc.message, exc.fields, **exc.extra)

    @app.exception(SanicException)
    async def _sanic_error(request: Request, exc: SanicException) -> HTTPResponse:
        status = getattr(exc, "status_code", 500) or 500
        code, message = _SANIC_CODES.get(status, ("error", "请求失败"))
        if status >= 500:
            log.error("server error on %s %s: %s", request.method, request.path, exc)
        response = error_response(status, code, message)
        # Sanic's own headers stay: a 405 says which methods the path allows (Allow), a 416
        # the size of what can be ranged (Content-Range).
        for name, value in (getattr(exc, "headers", None) or {}).items():
            response.headers[name] = value
        if status == 405 and "allow" not in response.headers:
            response.headers["Allow"] = ", ".join(_allowed_methods(request))
        return response

    @app.exception(Exception)
    async def _unexpected(request: Request, exc: Exception) -> HTTPResponse:
        return unexpected_error(request, exc)
