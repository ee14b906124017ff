"""The fan-out's HTTP/1.1 pool against real local servers: framing, keep-alive, failures that
did or did not reach the server, TLS and a CONNECT proxy."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from matrix.wechat.http11 import NotSentError, OutcomeUnknownError, Pool
from tests.conftest import free_port

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> tuple[str, bytes]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    length = next(
        int(line.split(":", 1)[1])
        for line in head.split("\r\n")
        if line.lower().startswith("content-length")
    )
    return head, await reader.readexactly(length)


class Server:
    """An asyncio server whose every connection runs `handler`; counts connections."""

    def __init__(self, handler: Handler, ssl_context: ssl.SSLContext | None = None) -> None:
        self.handler, self.ssl_context = handler, ssl_context
        self.connections = 0
        self.requests: list[str] = []
        self.port = free_port()

    async def __aenter__(self) -> Server:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            try:
                await self.handler(reader, writer)
            except (asyncio.IncompleteReadError, ConnectionError):
                pass  # the client went away: nothing to answer
            finally:
                writer.close()

        self.server = await asyncio.start_server(
            serve, "127.0.0.1", self.port, ssl=self.ssl_context
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()
        await self.server.wait_closed()


def keep_alive(answer: Callable[[str, bytes], bytes], requests: list[str]) -> Handler:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head, body = await read_request(reader)
            requests.append(head.split("\r\n", 1)[0])
            writer.write(answer(head, body))
            await writer.drain()

    return handler


def json_answer(body: bytes = b'{"errcode":0,"errmsg":"ok"}') -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
        len(body),
        body,
    )


@pytest.fixture
async def pool_for() -> AsyncIterator[Callable[..., Pool]]:
    pools: list[Pool] = []

    def make(url: str, **kwargs: object) -> Pool:
        pool = Pool(url, proxy=kwargs.pop("proxy", ""), **kwargs)  # type: ignore[arg-type]
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        await pool.close()


async def test_many_posts_share_a_few_kept_alive_connections(pool_for) -> None:
    requests: list[str] = []
    async with Server(keep_alive(lambda h, b: json_answer(b), requests)) as server:
        pool = pool_for(f"http://127.0.0.1:{server.port}", limit=4)
        answers = await asyncio.gather(
            *(pool.post("/cgi-bin/x?access_token=t", b'{"n":%d}' % n) for n in range(200))
        )
    assert sorted(a.body for a in answers) == sorted(b'{"n":%d}' % n for n in range(200))
    assert {a.status for a in answers} == {200}
    assert server.connections == 4
    assert requests[0] == "POST /cgi-bin/x?access_token=t HTTP/1.1"


async def test_chunked_and_close_delimited_answers_are_read_whole(pool_for) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await read_request(reader)
        if "chunked" in head:
            writer.write(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b'5\r\n{"a":\r\n3;x=1\r\n12}\r\n0\r\nTrailer: y\r\n\r\n'
            )
            await writer.drain()
            await read_request(reader)  # the connection is reused for the next request
            writer.write(json_answer().replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1))
        else:
            writer.write(b'HTTP/1.0 200 OK\r\n\r\n{"closed":true}')
        await writer.drain()

    async with Server(handler) as server:
        pool = pool_for(f"http://127.0.0.1:{server.port}")
        assert (await pool.post("/chunked", b"{}")).body == b'{"a":12}'
        assert (await pool.post("/again", b"{}")).body == b'{"errcode":0,"errmsg":"ok"}'
        assert (await pool.post("/plain", b"{}")).body == b'{"closed":true}'
        assert server.connections == 2


async def test_an_answer_that_never_comes_is_an_unknown_outcome(pool_for) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(5)

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)  # took the request, then the connection drops

    async with Server(silent) as slow, Server(hang_up) as rude:
        with pytest.raises(OutcomeUnknownError):
            await pool_for(f"http://127.0.0.1:{slow.port}", read_timeout=0.3).post("/x", b"{}")
        with pytest.raises(OutcomeUnknownError):
            await pool_for(f"http://127.0.0.1:{rude.port}").post("/x", b"{}")


async def test_a_refused_connection_is_not_sent(pool_for) -> None:
    with pytest.raises(NotSentError):
        await pool_for(f"http://127.0.0.1:{free_port()}").post("/x", b"{}")


async def test_a_connection_the_server_closed_while_idle_is_replaced_not_failed(pool_for) -> None:
    async def one_per_connection(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await read_request(reader)
        writer.write(json_answer())  # keep-alive promised, then the server's idle timeout
        await writer.drain()

    async with Server(one_per_connection) as server:
        pool = pool_for(f"http://127.0.0.1:{server.port}", limit=1)
        for _ in range(3):
            assert (await pool.post("/x", b"{}")).status == 200
            await asyncio.sleep(0.05)  # the close reaches the client while the connection idles
        assert server.connections == 3


def tls_pair(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context for 127.0.0.1 and a client context that trusts only it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


async def test_https_directly_and_through_a_connect_proxy(pool_for, tmp_path: Path) -> None:
    server_tls, client_tls = tls_pair(tmp_path)
    requests: list[str] = []
    tunnels: list[str] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        tunnels.append(head.split("\r\n")[0])
        target = head.split(" ")[1]
        host, port = target.rsplit(":", 1)
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async with Server(keep_alive(lambda h, b: json_answer(b), requests), server_tls) as origin:
        async with Server(proxy) as relay:
            direct = pool_for(f"https://127.0.0.1:{origin.port}", ssl_context=client_tls)
            assert (
                await direct.post("/cgi-bin/x", b'{"via":"direct"}')
            ).body == b'{"via":"direct"}'
            tunnelled = pool_for(
                f"https://127.0.0.1:{origin.port}",
                ssl_context=client_tls,
                proxy=f"http://user:p%40ss@127.0.0.1:{relay.port}",
            )
            for _ in range(3):
                assert (await tunnelled.post("/cgi-bin/x", b'{"via":"proxy"}')).status == 200
            untrusted = pool_for(f"https://127.0.0.1:{origin.port}")
            with pytest.raises(NotSentError):
                await untrusted.post("/cgi-bin/x", b"{}")  # not signed by a CA we trust
    assert tunnels == [f"CONNECT 127.0.0.1:{origin.port} HTTP/1.1"]
    assert len(requests) == 4
