"""Serve settings.media_dir at /media: attachments residents download from the mini-program.

Sanic's static handler already refuses `..` (also percent-encoded) and symlinks out of the
root, and gateway.errors answers 404 for NUL bytes, over-long names and file-system errors
on every static route; this module adds what is left: 404 (not 500) for directories, content
types for Office files on hosts without /etc/mime.types, and a Content-Disposition that keeps
Chinese file names intact (RFC 6266 / RFC 5987 `filename*`).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import quote, unquote

from sanic import DefaultSanic, Request
from sanic.exceptions import NotFound
from sanic.handlers.directory import DirectoryHandler
from sanic.response import HTTPResponse

PREFIX = "/media"
# Opened in place by browsers; everything else is saved as a file.
INLINE_TYPES = ("application/pdf", "image/")
TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
}
for _ext, _type in TYPES.items():
    mimetypes.add_type(_type, _ext)


class _NoListing(DirectoryHandler):
    """A directory under /media is not a file: 404, never a listing or a 500."""

    async def handle(self, request: Request, path: str) -> HTTPResponse:
        raise NotFound("未找到该文件")


def content_disposition(name: str, content_type: str) -> str:
    kind = "inline" if content_type.startswith(INLINE_TYPES) else "attachment"
    # Old clients read the ASCII `filename`; everyone else the UTF-8 `filename*`.
    plain = name.isascii() and name.isprintable() and not set(name) & set('"\\;')
    suffix = Path(name).suffix
    if not (suffix[1:].isascii() and suffix[1:].isalnum()):
        suffix = ""
    fallback = name if plain else f"download{suffix}"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def mount(app: DefaultSanic, media_dir: Path) -> None:
    """Create media_dir if needed and serve it at /media."""
    media_dir.mkdir(parents=True, exist_ok=True)
    root = media_dir.resolve()
    app.static(
        PREFIX,
        root,
        name="media",
        use_content_range=True,
        stream_large_files=True,
        directory_handler=_NoListing(uri=PREFIX, directory=root),
    )

    @app.on_response
    async def _download_headers(request: Request, response: HTTPResponse) -> None:
        if not request.path.startswith(PREFIX + "/") or response.status not in (200, 206, 304):
            return
        name = unquote(request.path.rsplit("/", 1)[-1])
        content_type = response.headers.get("content-type", "application/octet-stream")
        response.headers["Content-Disposition"] = content_disposition(name, content_type)
        response.headers["Cache-Control"] = "public, max-age=3600"
        response.headers["X-Content-Type-Options"] = "nosniff"
