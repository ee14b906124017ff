"""File uploads larger than the app-wide body limit (APP_MAX_BODY_BYTES, 2 MB).

A photo may be 5 MB and an opinion-call attachment 20 MB, so their routes are streaming
routes (`stream=True`, where Sanic lifts its own limit) and `limited_body` reads the body
with the route's own ceiling: a Content-Length above it is refused before anything is read,
and a chunked body is cut off the moment it passes it. The body is then in `request.body`,
so `request.files` and `request.form` (and the console's CSRF check) work as usual.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar

from sanic import Request

from gateway.errors import ApiError

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])

# Room for the multipart framing and the form's other fields around the file itself.
FORM_OVERHEAD = 64 * 1024
# An oversized body up to this size is read and dropped before the 413, so the client (which
# is still sending) gets the answer instead of a reset connection; a larger one is cut off.
DRAIN_LIMIT = 64 * 1024 * 1024


class TooLarge(ApiError):
    status, code, message = 413, "payload_too_large", "上传的文件太大"


def limited_body(limit: Callable[[], int], message: str) -> Callable[[Handler], Handler]:
    """Read a streaming route's body up to limit() + the form overhead, else 413 `message`."""

    def decorator(handler: Handler) -> Handler:
        @wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> Any:
            ceiling = limit() + FORM_OVERHEAD
            declared = request.headers.get("content-length") or ""
            length = int(declared) if declared.isdigit() else 0
            if length > DRAIN_LIMIT:
                raise TooLarge(message)
            stream: Any = request.stream
            if stream is not None and not request.body:
                too_big, size = length > ceiling, 0
                chunks: list[bytes] = []
                async for chunk in stream:
                    size += len(chunk)
                    too_big = too_big or size > ceiling
                    if too_big:
                        chunks.clear()  # keep reading (and dropping) to answer cleanly
                        if size > DRAIN_LIMIT:
                            break
                        continue
                    chunks.append(chunk)
                if too_big:
                    raise TooLarge(message)
                request.body = b"".join(chunks)
            return await handler(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def uploaded_file(request: Request, field: str = "file") -> tuple[str, bytes] | None:
    """The (name, bytes) of a multipart file field, or None when the form has none."""
    try:
        files = request.files
    # Sanic's multipart parser raises whatever its malformed input trips (ValueError,
    # KeyError, IndexError, ...): a body that cannot be read has no file in it.
    except Exception:  # noqa: BLE001
        return None
    if not files:
        return None
    item = files.get(field)
    if item is None:
        return None
    return item.name or "", bytes(item.body)
