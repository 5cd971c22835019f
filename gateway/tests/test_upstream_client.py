"""The upstream HTTP/1.1 client at the protocol level, against scripted raw TCP services."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from gateway.forwarding import UpstreamPool
from gateway.http1 import HIGH_WATER, ConnectError, StaleConnection, UpstreamError, UpstreamTimeout
from gateway.responses import Refusal
from gateway.upstream import Origin, UpstreamClient

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


class Service:
    """A raw TCP service: ``handler(reader, writer, n)`` runs per connection (n: its number, from 1)."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None
        self.origin: Origin | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.handler(reader, writer, self.connections)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def read_request(self, reader: asyncio.StreamReader) -> bytes:
        """The request head (and a Content-Length body); chunked bodies are read to their last chunk."""
        head = await reader.readuntil(b"\r\n\r\n")
        body = b""
        lower = head.lower()
        if b"content-length:" in lower:
            length = int(lower.split(b"content-length:")[1].split(b"\r\n")[0])
            body = await reader.readexactly(length)
        elif b"transfer-encoding: chunked" in lower:
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                body += (await reader.readexactly(size + 2))[:-2]
                if size == 0:
                    break
        self.requests.append(head + body)
        return head + body


@asynccontextmanager
async def service(handler: Handler) -> AsyncIterator[Service]:
    svc = Service(handler)
    svc.server = await asyncio.start_server(svc._serve, "127.0.0.1", 0)
    port = svc.server.sockets[0].getsockname()[1]
    svc.origin = Origin.parse(f"http://127.0.0.1:{port}")
    try:
        yield svc
    finally:
        svc.server.close()


def answering(*answers: bytes, pause_s: float = 0.0, split: int = 0) -> Handler:
    """Answer each request on a connection with the next of ``answers`` (in ``split``-byte pieces)."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        svc: Service = handler.svc  # type: ignore[attr-defined]
        for answer in answers:
            await svc.read_request(reader)
            if pause_s:
                await asyncio.sleep(pause_s)
            step = split or len(answer)
            for i in range(0, len(answer), step):
                writer.write(answer[i : i + step])
                await writer.drain()
                if split:
                    await asyncio.sleep(0.001)
        await reader.read()  # until the client closes

    return handler


@asynccontextmanager
async def serving(handler: Handler) -> AsyncIterator[tuple[Service, UpstreamClient]]:
    async with service(handler) as svc:
        handler.svc = svc  # type: ignore[attr-defined]
        client = UpstreamClient(keepalive_s=4.0)
        try:
            yield svc, client
        finally:
            await client.close()


async def get(
    client: UpstreamClient, svc: Service, method: str = "GET", body: bytes | None = None, timeout_s: float = 5
) -> tuple[int, bytes]:
    assert svc.origin is not None
    exchange = await client.request(svc.origin, method, "/x", [], body, length=None, timeout_s=timeout_s)
    data = await exchange.read()
    client.release(exchange)
    return exchange.status, data


async def test_an_answer_in_one_byte_pieces_and_the_connection_reused() -> None:
    async with serving(answering(OK, OK, split=1)) as (svc, client):
        assert await get(client, svc) == (200, b"ok")
        assert await get(client, svc) == (200, b"ok")
        assert svc.connections == 1
        assert svc.requests[0].startswith(b"GET /x HTTP/1.1\r\nhost: 127.0.0.1:")


async def test_a_chunked_answer_in_pieces() -> None:
    answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    async with serving(answering(answer, answer, split=4)) as (svc, client):
        assert await get(client, svc) == (200, b"abcde")
        assert await get(client, svc) == (200, b"abcde")
        assert svc.connections == 1


async def test_an_answer_cut_short_is_an_error_and_never_reused() -> None:
    cut = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await svc.read_request(reader)
        writer.write(cut if n == 1 else OK)
        await writer.drain()
        if n == 1:
            return  # closed mid-body
        await reader.read()

    async with serving(handler) as (svc, client):
        assert svc.origin is not None
        exchange = await client.request(svc.origin, "GET", "/x", [], None, length=None, timeout_s=5)
        with pytest.raises(UpstreamError):
            await exchange.read()
        client.release(exchange)
        assert await get(client, svc) == (200, b"ok")
        assert svc.connections == 2


async def test_closed_before_the_head_is_an_error() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await svc.read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-")

    async with serving(handler) as (svc, client):
        with pytest.raises(UpstreamError) as info:
            await get(client, svc)
        assert not isinstance(info.value, StaleConnection)


async def test_garbage_instead_of_http_is_an_error() -> None:
    async with serving(answering(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")) as (svc, client):
        with pytest.raises(UpstreamError):
            await get(client, svc)


async def test_silence_is_a_read_timeout_and_a_slow_body_too() -> None:
    async with serving(answering(OK, pause_s=1.0)) as (svc, client):
        with pytest.raises(UpstreamTimeout):
            await get(client, svc, timeout_s=0.2)
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab"

    async def stalls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await svc2.read_request(reader)
        writer.write(head)
        await asyncio.sleep(1.0)

    async with serving(stalls) as (svc2, client):
        assert svc2.origin is not None
        exchange = await client.request(svc2.origin, "GET", "/x", [], None, length=None, timeout_s=0.2)
        assert await exchange.chunk() == b"ab"
        with pytest.raises(UpstreamTimeout):
            await exchange.chunk()
        client.release(exchange)


async def test_refused_connection_is_a_connect_error() -> None:
    async with service(answering(OK)) as svc:
        assert svc.origin is not None
        assert svc.server is not None
        origin = svc.origin
    client = UpstreamClient(keepalive_s=4.0)
    with pytest.raises(ConnectError):
        await client.request(origin, "GET", "/x", [], None, length=None, timeout_s=1)


async def test_connection_close_and_close_delimited_bodies_are_not_reused() -> None:
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
    async with serving(answering(closing)) as (svc, client):
        assert await get(client, svc) == (200, b"ok")
        assert await get(client, svc) == (200, b"ok")
        assert svc.connections == 2
        assert not client.idle.get(svc.origin.key if svc.origin else "")

    async def until_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await svc2.read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n\r\nall of ")
        await writer.drain()
        await asyncio.sleep(0.01)
        writer.write(b"it")

    async with serving(until_close) as (svc2, client):
        assert await get(client, svc2) == (200, b"all of it")


async def test_head_and_204_304_have_no_body_and_keep_the_connection() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
    no_content = b"HTTP/1.1 204 No Content\r\n\r\n"
    not_modified = b"HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n"
    async with serving(answering(head, no_content, not_modified, OK)) as (svc, client):
        assert await get(client, svc, "HEAD") == (200, b"")
        assert await get(client, svc) == (204, b"")
        assert await get(client, svc) == (304, b"")
        assert await get(client, svc) == (200, b"ok")
        assert svc.connections == 1


async def test_an_interim_answer_is_skipped() -> None:
    early = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" + OK
    async with serving(answering(early)) as (svc, client):
        assert await get(client, svc) == (200, b"ok")


async def test_idle_connection_closed_by_the_service_is_not_an_error() -> None:
    async def closes_after_one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await svc.read_request(reader)
        writer.write(OK)
        await writer.drain()
        await asyncio.sleep(0.05)  # then closes, idle, as a service past its keep-alive does

    async with serving(closes_after_one) as (svc, client):
        assert await get(client, svc) == (200, b"ok")
        await asyncio.sleep(0.2)
        assert await get(client, svc) == (200, b"ok")
        assert svc.connections == 2


async def test_a_reused_connection_closed_unseen_is_retried_only_when_idempotent() -> None:
    # The service takes the second request of a connection and closes without a byte: the race of a
    # keep-alive connection closed just as it is reused.
    async def drops_second(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await svc.read_request(reader)
        writer.write(OK)
        await writer.drain()
        await svc.read_request(reader)

    async with serving(drops_second) as (svc, client):
        assert await get(client, svc) == (200, b"ok")
        assert await get(client, svc) == (200, b"ok")  # retried on a new connection
        assert svc.connections == 2
        with pytest.raises(StaleConnection):
            await get(client, svc, "POST", b"{}")  # may have been processed: never sent twice
        assert svc.connections == 2


async def test_streamed_bodies_chunked_or_with_their_length() -> None:
    async def parts() -> AsyncIterator[bytes]:
        for part in (b"abc", b"", b"defg"):
            await asyncio.sleep(0.001)
            yield part

    async with serving(answering(OK, OK)) as (svc, client):
        assert svc.origin is not None
        for length in (None, 7):
            ex = await client.request(svc.origin, "POST", "/x", [], parts(), length=length, timeout_s=5)
            assert await ex.read() == b"ok"
            client.release(ex)
        chunked, sized = svc.requests
        assert b"transfer-encoding: chunked" in chunked
        assert chunked.endswith(b"\r\n\r\nabcdefg")
        assert b"content-length: 7" in sized
        assert sized.endswith(b"\r\n\r\nabcdefg")
        assert svc.connections == 1


async def test_an_early_answer_to_an_upload_is_relayed_and_the_connection_dropped() -> None:
    async def refuses(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(0.5)

    async def endless() -> AsyncIterator[bytes]:
        while True:
            await asyncio.sleep(0.01)
            yield b"x" * 1024

    async with serving(refuses) as (svc, client):
        assert svc.origin is not None
        ex = await client.request(svc.origin, "POST", "/x", [], endless(), length=None, timeout_s=5)
        assert ex.status == 413
        assert await ex.read() == b""
        writer = ex.writer
        client.release(ex)
        await asyncio.sleep(0)
        assert writer is not None
        assert writer.cancelled()
        assert ex.conn.closed


async def test_a_large_answer_is_read_with_back_pressure() -> None:
    size = 8 * 1024 * 1024
    big = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size + b"z" * size
    async with serving(answering(big)) as (svc, client):
        assert svc.origin is not None
        ex = await client.request(svc.origin, "GET", "/x", [], None, length=None, timeout_s=5)
        await asyncio.sleep(0.3)  # a slow client: nothing read meanwhile
        assert 0 < ex.buffered < HIGH_WATER + 1024 * 1024  # reading paused, not the whole answer in memory
        total = 0
        while chunk := await ex.chunk():
            total += len(chunk)
        assert total == size
        client.release(ex)


async def test_a_full_pool_is_refused_503_after_its_wait() -> None:
    from gateway.routing import Route

    pool = UpstreamPool(total=1, per_origin=1, wait_s=0.05)
    route = Route.__new__(Route)
    route.origin, route.upstream = "http://svc:1", "svc"
    async with pool.connection(route):
        with pytest.raises(Refusal) as info:
            async with pool.connection(route):
                pass
    assert info.value.status == 503
    assert info.value.retry_after == 1
    async with pool.connection(route):  # given back
        pass


async def test_a_head_that_never_ends_is_an_error() -> None:
    async def endless_head(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await svc.read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n")
        for i in range(10_000):
            writer.write(b"X-Filler-%d: %s\r\n" % (i, b"f" * 100))
            await writer.drain()

    async with serving(endless_head) as (svc, client):
        with pytest.raises(UpstreamError, match="head is over"):
            await get(client, svc)


async def test_bytes_after_the_answer_make_the_connection_unusable() -> None:
    twice = OK + b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"
    async with serving(answering(twice, OK)) as (svc, client):
        assert await get(client, svc) == (200, b"ok")
        assert await get(client, svc) == (200, b"ok")
        assert svc.connections == 2  # the first connection was closed, not reused


async def test_an_exchange_is_freed_without_the_garbage_collector() -> None:
    async with serving(answering(OK)) as (svc, client):
        assert svc.origin is not None
        ex = await client.request(svc.origin, "GET", "/x", [], None, length=None, timeout_s=5)
        await ex.read()
        client.release(ex)
        # Only this name and getrefcount's argument: no cycle (its parser refers back to it) keeps it.
        assert sys.getrefcount(ex) == 2
