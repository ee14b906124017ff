"""A lean HTTP/1.1 client for many small JSON POSTs to one origin (the subscribe fan-out).

Why not a general client: on this path every message is one POST of ~300 bytes, and the
client's own CPU decides how many messages a worker sends per second. Measured per request on
the 2-core machine against the sandbox: httpx ~2.3 ms, aiohttp ~0.42 ms, this ~0.17 ms
(docs/decisions.md, "Residents' notifications").

What it does: keep-alive connections (at most `limit`, reused while fresh), TLS with SNI and
the system's CA store, responses framed by Content-Length, chunked transfer coding or
connection close, `Connection: close` honoured, an outbound proxy from HTTPS_PROXY /
HTTP_PROXY (NO_PROXY respected; CONNECT tunnel for https), connect and read timeouts.

Failures say whether the request can have reached the server, because a subscribe message has
no idempotency key: NotSentError (nothing was written: connection refused, TLS or proxy
failure) may be retried; OutcomeUnknownError (written, answer lost) must not be. A pooled
connection the server has already closed is noticed before reuse and replaced, so an idle
timeout on the far side does not turn into unknown outcomes.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import ssl
import time
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 4 * 1024 * 1024


class NotSentError(Exception):
    """The request never left this process: safe to send again."""


class OutcomeUnknownError(Exception):
    """The request was written (or partly written) and no complete answer came back."""


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    # Loading the system's CA certificates takes ~10 ms: once per process.
    return ssl.create_default_context()


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    last_used: float = field(default_factory=time.monotonic)

    def usable(self, idle_seconds: float) -> bool:
        fresh = time.monotonic() - self.last_used < idle_seconds
        return fresh and not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        self.writer.close()


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes


class Pool:
    """Keep-alive connections to one origin (scheme://host[:port]); use inside one event loop."""

    def __init__(
        self,
        base_url: str,
        *,
        limit: int = 32,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        # Below any sane server's keep-alive timeout, so the far side rarely closes a
        # connection just as a request goes out on it (that request's fate would be unknown).
        idle_seconds: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
        proxy: str | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) origin: {base_url!r}")
        self.tls = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.tls else 80)
        default_port = self.port == (443 if self.tls else 80)
        self.host_header = self.host if default_port else f"{self.host}:{self.port}"
        self.ssl_context = ssl_context or (default_ssl_context() if self.tls else None)
        self.proxy = proxy if proxy is not None else _proxy_for(parts.scheme, self.host)
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.idle_seconds = idle_seconds
        self._slots = asyncio.Semaphore(limit)
        self._idle: list[_Connection] = []
        self._closed = False

    async def post(
        self, target: str, body: bytes, content_type: str = "application/json"
    ) -> Response:
        """POST `body` to `target` (a path with its query string)."""
        if self._closed:
            raise NotSentError("the pool is closed")
        async with self._slots:
            conn = self._take_idle() or await self._connect()
            head = (
                f"POST {self._request_target(target)} HTTP/1.1\r\n"
                f"Host: {self.host_header}\r\n"
                f"Content-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\n"
                f"{self._proxy_header()}"
                "Connection: keep-alive\r\n\r\n"
            ).encode("latin-1")
            try:
                # asyncio.timeout, not wait_for: no extra task per request.
                async with asyncio.timeout(self.read_timeout):
                    response, keep = await _exchange(conn, head + body)
            except (OSError, EOFError, TimeoutError, ValueError) as exc:
                conn.close()
                raise OutcomeUnknownError(f"{type(exc).__name__}: {exc}") from exc
            if keep and not self._closed:
                conn.last_used = time.monotonic()
                self._idle.append(conn)
            else:
                conn.close()
            return response

    @property
    def closed(self) -> bool:
        return self._closed

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
        for conn in idle:
            try:
                await conn.writer.wait_closed()
            except OSError:
                pass  # the far side closed it first: nothing left to wait for

    def _take_idle(self) -> _Connection | None:
        while self._idle:
            conn = self._idle.pop()
            if conn.usable(self.idle_seconds):
                return conn
            conn.close()
        return None

    def _request_target(self, target: str) -> str:
        # Plain http through a proxy names the whole URL; a CONNECT tunnel needs only the path.
        if self.proxy and not self.tls:
            return f"http://{self.host_header}{target}"
        return target

    def _proxy_header(self) -> str:
        if not self.proxy or self.tls:
            return ""
        auth = _proxy_auth(self.proxy)
        return f"Proxy-Authorization: {auth}\r\n" if auth else ""

    async def _connect(self) -> _Connection:
        try:
            async with asyncio.timeout(self.connect_timeout):
                return await self._open()
        except (OSError, TimeoutError, ssl.SSLError, ValueError, EOFError) as exc:
            raise NotSentError(
                f"cannot connect to {self.host}: {type(exc).__name__}: {exc}"
            ) from exc

    async def _open(self) -> _Connection:
        if not self.proxy:
            reader, writer = await asyncio.open_connection(
                self.host,
                self.port,
                ssl=self.ssl_context,
                server_hostname=self.host if self.tls else None,
            )
            return _Connection(reader, writer)
        proxy = urlsplit(self.proxy)
        reader, writer = await asyncio.open_connection(proxy.hostname, proxy.port or 80)
        if self.tls:
            auth = _proxy_auth(self.proxy)
            writer.write(
                (
                    f"CONNECT {self.host}:{self.port} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                    + (f"Proxy-Authorization: {auth}\r\n" if auth else "")
                    + "\r\n"
                ).encode("latin-1")
            )
            status, _headers = _parse_head(await reader.readuntil(b"\r\n\r\n"))
            if status != 200:
                writer.close()
                raise ValueError(f"proxy answered CONNECT with {status}")
            assert self.ssl_context is not None
            await writer.start_tls(self.ssl_context, server_hostname=self.host)
        return _Connection(reader, writer)


def _proxy_for(scheme: str, host: str) -> str | None:
    """The proxy the environment names for this scheme (HTTPS_PROXY, HTTP_PROXY), or None."""
    proxy = urllib.request.getproxies().get(scheme)
    if not proxy or urllib.request.proxy_bypass(host):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _proxy_auth(proxy: str) -> str | None:
    parts = urlsplit(proxy)
    if not parts.username:
        return None
    raw = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    if not version.startswith("HTTP/1.") or len(rest) < 3 or not rest[:3].isdigit():
        raise ValueError(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError("malformed header line")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    headers[":version"] = version
    return int(rest[:3]), headers


async def _exchange(conn: _Connection, request: bytes) -> tuple[Response, bool]:
    conn.writer.write(request)
    await conn.writer.drain()
    return await _read_response(conn.reader)


async def _read_response(reader: asyncio.StreamReader) -> tuple[Response, bool]:
    """One response: (status and body, whether the connection may be reused)."""
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError as exc:
            raise ValueError("response headers too large") from exc
        except asyncio.IncompleteReadError as exc:
            raise EOFError("connection closed before a complete answer") from exc
        status, headers = _parse_head(head)
        if status >= 200 or status == 101:
            break  # 1xx interim answers (100 Continue) precede the real one
    connection = headers.get("connection", "").lower()
    keep = "close" not in connection and (
        headers[":version"] == "HTTP/1.1" or "keep-alive" in connection
    )
    try:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await _read_chunked(reader)
        elif "content-length" in headers:
            length = int(headers["content-length"])
            if not 0 <= length <= MAX_BODY_BYTES:
                raise ValueError("response body too large")
            body = await reader.readexactly(length)
        elif status in (204, 304):
            body = b""
        else:
            body = await reader.read(MAX_BODY_BYTES)  # delimited by the server closing
            keep = False
    except asyncio.IncompleteReadError as exc:
        raise EOFError("connection closed in the middle of the answer") from exc
    return Response(status, body), keep


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers, none of which we need
            return b"".join(chunks)
        total += size
        if total > MAX_BODY_BYTES:
            raise ValueError("response body too large")
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)
