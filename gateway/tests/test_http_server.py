"""The gateway's own HTTP/1.1 server (server.py, connection.py, client_exchange.py) over a real socket: keep-alive, HTTP/1.0, pipelining, HEAD,
request bodies, 100-continue, refusals before the gateway (smuggling, oversized heads, bad targets),
timeouts, the connection bound, client disconnects and the graceful shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from gateway.server import serve
from vitrine_kit.testing.tokens import TestKeys

from tests.conftest import GatewayFactory, RunningGateway, UpstreamServer, make_settings

pytestmark = pytest.mark.skipif(
    make_settings({}).server != "native", reason="the gateway's own server (GATEWAY_SERVER=native)"
)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    lines: list[tuple[str, str]]
    body: bytes

    def json(self) -> dict[str, object]:
        return json.loads(self.body)  # type: ignore[no-any-return]


class Conn:
    """A raw client connection: write bytes, read answers one by one."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    async def ask(self, data: bytes) -> Answer:
        """Send one request, read its answer."""
        self.send(data)
        return await self.answer()

    async def answer(self, *, head: bool = False, timeout: float = 5.0) -> Answer:
        return await asyncio.wait_for(self._answer(head), timeout)

    async def _answer(self, head: bool) -> Answer:
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = raw.decode("latin-1").split("\r\n")[:-2]
        lines = [(k.lower(), v.strip()) for k, v in (h.split(":", 1) for h in header_lines)]
        headers = dict(lines)
        status = int(status_line.split(" ")[1])
        body = b""
        if head or status in (100, 204, 304):
            pass
        elif "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
        else:
            body = await self.reader.read()
        return Answer(status, headers, lines, body)

    async def closed(self, timeout: float = 3.0) -> bool:
        """Whether the server closes the connection (EOF or reset) within ``timeout``."""
        try:
            return await asyncio.wait_for(self.reader.read(), timeout) == b""
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False


@contextlib.asynccontextmanager
async def connect(gw: RunningGateway) -> AsyncIterator[Conn]:
    host, port = gw.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        yield Conn(reader, writer)
    finally:
        writer.close()


def get(path: str, extra: str = "", version: str = "1.1", method: str = "GET") -> bytes:
    return f"{method} {path} HTTP/{version}\r\nHost: gw\r\n{extra}\r\n".encode()


PUBLIC = "/api/auth/login"  # public: no token needed, the echo upstream answers


class TestConnections:
    async def test_keep_alive_date_and_no_server_header(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw, connect(gw) as c:
            for i in range(3):
                c.send(get(f"{PUBLIC}?n={i}"))
                a = await c.answer()
                assert a.status == 200
                assert a.json()["path"] == f"/login?n={i}"
                assert re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", a.headers["date"])
                assert "server" not in a.headers
                assert "connection" not in a.headers
                assert len(a.headers["x-request-id"]) == 32
            assert not await c.closed(0.2)

    async def test_http10_closes_unless_kept_alive(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            async with connect(gw) as c:
                c.send(get(PUBLIC, version="1.0"))
                a = await c.answer()
                assert (a.status, a.headers["connection"]) == (200, "close")
                assert await c.closed()
            async with connect(gw) as c:  # HTTP/1.1 asking for the close
                a = await c.ask(get(PUBLIC, "Connection: close\r\n"))
                assert (a.status, a.headers["connection"]) == (200, "close")
                assert await c.closed()
            async with connect(gw) as c:
                for _ in range(2):
                    c.send(get(PUBLIC, "Connection: keep-alive\r\n", version="1.0"))
                    a = await c.answer()
                    assert (a.status, a.headers["connection"]) == (200, "keep-alive")

    async def test_pipelined_requests_are_answered_in_order(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw, connect(gw) as c:
            # The first is the slowest: the others wait for it.
            c.send(
                get("/api/auth/slow?s=0.2", "Authorization: Bearer x\r\n")
                + get(f"{PUBLIC}?n=1")
                + b"POST /api/auth/login?n=2 HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\n\r\nhello"
                + get(f"{PUBLIC}?n=3", method="HEAD")
                + get(f"{PUBLIC}?n=4")
            )
            first = await c.answer()
            assert first.status == 401  # no valid token: refused, still in its place
            second, third = await c.answer(), await c.answer()
            assert second.json()["path"] == "/login?n=1"
            assert (third.json()["path"], third.json()["body_len"]) == ("/login?n=2", 5)
            head = await c.answer(head=True)
            assert head.status == 200
            assert int(head.headers["content-length"]) > 0
            last = await c.answer()  # the HEAD answer had no body: the next one starts right after it
            assert last.json()["path"] == "/login?n=4"

    async def test_pipelined_requests_beyond_the_queue_are_refused(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw, connect(gw) as c:
            c.send(get("/api/auth/slow?s=0.2", "Authorization: Bearer x\r\n") + get(PUBLIC) * 40)
            statuses = [(await c.answer()).status for _ in range(34)]
            assert statuses == [401] + [200] * 32 + [400]  # one answered, 32 waiting, then refused
            assert await c.closed()

    async def test_idle_keep_alive_connection_is_closed(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}, keep_alive_timeout_s=0.5) as gw, connect(gw) as c:
            assert (await c.ask(get(PUBLIC))).status == 200
            assert await c.closed(3.0)

    async def test_slow_headers_are_408_and_closed(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}, header_timeout_s=0.5) as gw:
            async with connect(gw) as c:
                c.send(b"GET /api/auth/login HTTP/1.1\r\nHost: gw\r\nX-A: 1\r\n")
                for _ in range(2):  # slowloris: a header line now and then, never the end of the head
                    await asyncio.sleep(0.4)
                    c.send(b"X-B: 2\r\n")
                a = await c.answer(timeout=3)
                assert (a.status, a.headers["connection"]) == (408, "close")
                assert await c.closed()
            async with connect(gw) as c:  # a connection that sends nothing is closed too
                assert await c.closed(3.0)
        assert upstream.hits["/login"] == 0

    async def test_an_answer_the_client_stops_reading_is_cut(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        settings = {"send_timeout_s": 0.5, "header_timeout_s": 0.5}
        async with gateway_for({"auth": upstream}, **settings) as gw, connect(gw) as c:
            token = f"Authorization: Bearer {test_keys.issue()}\r\n"
            c.send(get("/api/auth/download?chunks=4096", token))  # 256 MiB
            await asyncio.sleep(3)  # never read meanwhile: the buffers fill, the gateway waits on the client
            received = 0
            with contextlib.suppress(ConnectionResetError):
                while chunk := await asyncio.wait_for(c.reader.read(1 << 20), 5):
                    received += len(chunk)
            assert received < 64 << 20  # cut long before the whole answer

    async def test_connections_over_the_bound_get_503(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}, max_connections=1) as gw, connect(gw) as first:
            assert (await first.ask(get(PUBLIC))).status == 200
            async with connect(gw) as second:
                assert (await second.ask(get(PUBLIC))).status == 503
            assert (await first.ask(get(PUBLIC))).status == 200


class TestBodies:
    async def test_chunked_and_content_length_bodies_reach_the_service(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw, connect(gw) as c:
            c.send(b"POST /api/auth/login HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n")
            for part in (b"3\r\nabc\r\n", b"4\r\ndefg\r\n", b"0\r\n\r\n"):
                await asyncio.sleep(0.05)
                c.send(part)
            a = await c.answer()
            assert (a.status, a.json()["body_len"]) == (200, 7)
            assert upstream.last_body == b"abcdefg"
            c.send(b"POST /api/auth/login HTTP/1.1\r\nHost: gw\r\nContent-Length: 3\r\n\r\nxyz")
            a = await c.answer()
            assert (a.status, a.json()["body_len"]) == (200, 3)
            assert upstream.last_body == b"xyz"

    async def test_100_continue_only_for_a_body_within_the_limit(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        limits = {"auth_upstream": {"max_body_bytes": 100}}
        async with gateway_for({"auth": upstream}, **limits) as gw:
            async with connect(gw) as c:
                c.send(get(PUBLIC, "Content-Length: 5\r\nExpect: 100-continue\r\n", method="POST"))
                interim = await c.answer()
                assert interim.status == 100
                c.send(b"hello")
                a = await c.answer()
                assert (a.status, a.json()["body_len"]) == (200, 5)
            async with connect(gw) as c:
                c.send(get(PUBLIC, "Content-Length: 500\r\nExpect: 100-continue\r\n", method="POST"))
                a = await c.answer()
                assert (a.status, a.headers["connection"]) == (413, "close")  # no 100 before it
                assert await c.closed()
        assert upstream.hits["/login"] == 1

    async def test_a_client_gone_mid_body_is_counted_499(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            async with connect(gw) as c:
                c.send(get(PUBLIC, "Content-Length: 1000\r\n", method="POST") + b"only part")
                await asyncio.sleep(0.1)
            for _ in range(100):
                if _count(gw, "499"):
                    break
                await asyncio.sleep(0.02)
            assert _count(gw, "499") == 1
        assert upstream.hits["/login"] == 0


def _count(gw: RunningGateway, status: str) -> float:
    value = gw.app.metrics.registry.get_sample_value(
        "gateway_requests_total", {"upstream": "auth", "status": status}
    )
    return value or 0.0


REFUSED = [
    pytest.param(
        b"POST /api/auth/login HTTP/1.1\r\nHost: gw\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\nGET /api/auth/smuggled HTTP/1.1\r\nHost: gw\r\n\r\n",
        400,
        id="content-length-and-transfer-encoding",
    ),
    pytest.param(
        b"POST /api/auth/login HTTP/1.1\r\nHost: gw\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd",
        400,
        id="two-content-lengths",
    ),
    pytest.param(
        b"POST /api/auth/login HTTP/1.1\r\nHost: gw\r\nContent-Length: 4, 4\r\n\r\nabcd",
        400,
        id="list-content-length",
    ),
    pytest.param(
        b"POST /api/auth/login HTTP/1.1\r\nHost: gw\r\nContent-Length: -1\r\n\r\n",
        400,
        id="bad-content-length",
    ),
    pytest.param(
        b"POST /api/auth/login HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: gzip\r\n\r\nabc",
        400,
        id="transfer-encoding-not-chunked",
    ),
    pytest.param(
        b"POST /api/auth/login HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        400,
        id="a-coding-before-chunked",
    ),
    pytest.param(
        b"POST /api/auth/login HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        400,
        id="bad-chunk-size",
    ),
    pytest.param(b"GET /a b HTTP/1.1\r\nHost: gw\r\n\r\n", 400, id="space-in-target"),
    pytest.param(b"GET /api/auth/login HTTP/1.1\nHost: gw\n\n", 400, id="bare-newlines"),
    pytest.param(b"GET /api/auth/login HTTP/1.1\r\nHost : gw\r\n\r\n", 400, id="space-before-colon"),
    pytest.param(b"GET /api/auth/login HTTP/1.1\r\nX: a\x01b\r\n\r\n", 400, id="control-in-header"),
    pytest.param(b"GET * HTTP/1.1\r\nHost: gw\r\n\r\n", 400, id="asterisk-target"),
    pytest.param(b"GET /api/auth/l%zzogin HTTP/1.1\r\nHost: gw\r\n\r\n", 400, id="bad-percent-encoding"),
    pytest.param(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: gw\r\n\r\n", 414, id="long-target"),
    pytest.param(
        b"GET /api/auth/login HTTP/1.1\r\nHost: gw\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n",
        431,
        id="large-header",
    ),
    pytest.param(
        b"GET /api/auth/login HTTP/1.1\r\nHost: gw\r\n" + b"X-A: 1\r\n" * 200 + b"\r\n",
        431,
        id="many-headers",
    ),
]


class TestRefusals:
    @pytest.mark.parametrize(("raw", "status"), REFUSED)
    async def test_refused_and_closed(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, raw: bytes, status: int
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw, connect(gw) as c:
            c.send(raw)
            a = await c.answer()
            assert a.status == status, a.body
            assert a.headers["content-type"] == "application/problem+json"
            if status != 400 or b"%zz" not in raw:  # the path check is the gateway's, on a sound request
                assert a.headers["connection"] == "close"
                assert await c.closed()
        assert not upstream.hits

    async def test_garbage_after_a_good_request_is_refused_after_its_answer(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw, connect(gw) as c:
            c.send(get(PUBLIC) + b"NOT HTTP AT ALL\r\n\r\n")
            assert (await c.answer()).status == 200
            assert (await c.answer()).status == 400
            assert await c.closed()


class TestShutdown:
    async def test_in_flight_finish_idle_close_new_refused(
        self, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        from gateway.config import Upstream
        from gateway.main import Gateway

        settings = make_settings({"auth": Upstream(prefix="/api/auth", url=upstream.url)})
        app = Gateway(settings, verifier=test_keys.verifier())
        started: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        stop = asyncio.Event()
        task = asyncio.create_task(
            serve(settings, host="127.0.0.1", port=0, gateway=app, started=started, stop=stop)
        )
        port = await started
        busy_r, busy_w = await asyncio.open_connection("127.0.0.1", port)
        idle_r, idle_w = await asyncio.open_connection("127.0.0.1", port)
        busy, idle = Conn(busy_r, busy_w), Conn(idle_r, idle_w)
        try:
            assert (await idle.ask(get(PUBLIC))).status == 200
            token = test_keys.issue()
            busy.send(get("/api/auth/slow?s=0.5", f"Authorization: Bearer {token}\r\n"))
            await asyncio.sleep(0.2)  # in flight upstream
            stop.set()
            assert await idle.closed(1.0)  # the idle one at once
            a = await busy.answer()  # the one in flight finishes, and its connection closes after it
            assert (a.status, a.json(), a.headers["connection"]) == (200, {"late": True}, "close")
            assert await busy.closed()
            await asyncio.wait_for(task, 5)
            with pytest.raises(OSError):
                await asyncio.open_connection("127.0.0.1", port)
        finally:
            busy_w.close()
            idle_w.close()
            stop.set()
            await asyncio.wait((task,), timeout=5)
