"""Serving audio files over HTTP: Range (resumable downloads on weak links), ETag, HEAD.

RFC 9110 rules as implemented here:
- one range `bytes=a-b`, `bytes=a-` or `bytes=-n` -> 206 with Content-Range;
- a range starting past the end (or a zero-length suffix) -> 416 with `bytes */size`;
- a Range that is malformed, in another unit or asks for several ranges is ignored -> 200
  with the whole file (a server may always ignore Range; a multipart answer would make
  every client parse one, and loudspeaker terminals do not ask for several);
- If-Range with another ETag (the file changed between two parts) -> 200, whole file;
- If-None-Match with the current ETag -> 304.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sanic import Request
from sanic.compat import open_async
from sanic.response import HTTPResponse

from broadcast.audio.mix import file_size
from gateway.errors import ApiError, NotFound, error_response

CHUNK = 64 * 1024
_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)
MAX_DIGITS = 19

OnComplete = Callable[[], Awaitable[None]]


class RangeNotSatisfiable(ApiError):
    status, code, message = 416, "range_not_satisfiable", "请求的字节范围超出文件大小"


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one byte range asked for, None to send the whole file, or RangeNotSatisfiable."""
    if not header or "," in header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first, last = match.group(1), match.group(2)
    if (not first and not last) or len(first) > MAX_DIGITS or len(last) > MAX_DIGITS:
        return None
    if not first:  # suffix: the last n bytes
        count = int(last)
        if count == 0 or size == 0:
            raise _unsatisfiable(size)
        return ByteRange(max(0, size - count), size - 1)
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # syntactically invalid: ignored
    if start >= size:
        raise _unsatisfiable(size)
    return ByteRange(start, min(end, size - 1))


def _unsatisfiable(size: int) -> RangeNotSatisfiable:
    return RangeNotSatisfiable()


def etag_of(sha256: str) -> str:
    return f'"{sha256}"'


def _matches(header: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


async def serve(
    request: Request,
    path: Path,
    *,
    sha256: str,
    content_type: str,
    filename: str,
    cache_control: str,
    on_complete: OnComplete | None = None,
) -> HTTPResponse | None:
    """Answer a GET or HEAD for a file; `on_complete` runs once its last byte was sent."""
    size = file_size(path)
    if not size:
        raise NotFound("音频文件不存在", code="audio_missing")
    etag = etag_of(sha256)
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Cache-Control": cache_control,
        "Content-Disposition": f'inline; filename="{filename}"',
    }
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and _matches(if_none_match, etag):
        return HTTPResponse(status=304, headers=headers)
    wanted: ByteRange | None = None
    if_range = request.headers.get("if-range")
    if if_range is None or if_range.strip() == etag:
        try:
            wanted = parse_range(request.headers.get("range"), size)
        except RangeNotSatisfiable as exc:
            refused = error_response(exc.status, exc.code, exc.message, size=size)
            refused.headers.update({**headers, "Content-Range": f"bytes */{size}"})
            return refused
    span = wanted or ByteRange(0, size - 1)
    headers["Content-Length"] = str(span.length)
    status = 200
    if wanted is not None:
        status = 206
        headers["Content-Range"] = f"bytes {span.start}-{span.end}/{size}"
    if request.method == "HEAD":
        return HTTPResponse(status=status, headers=headers, content_type=content_type)
    response = await request.respond(status=status, headers=headers, content_type=content_type)
    assert response is not None
    sent = 0
    async with await open_async(path, mode="rb") as fh:
        await fh.seek(span.start)
        while sent < span.length:
            chunk = await fh.read(min(CHUNK, span.length - sent))
            if not chunk:
                break
            await response.send(chunk)
            sent += len(chunk)
    await response.eof()
    if on_complete is not None and sent == span.length and span.end == size - 1:
        await on_complete()
    return None
