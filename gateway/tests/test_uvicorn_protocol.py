"""The server protocol: a response's head and body leave in one write, and nothing is lost or reordered."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import httpx
import uvicorn
from gateway.uvicorn_protocol import CorkedTransport, GatewayHttpProtocol
from uvicorn.server import ServerState


class _Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


async def test_writes_of_one_turn_are_one_write() -> None:
    raw = _Transport()
    corked = CorkedTransport(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
    corked.write(b"HTTP/1.1 200 OK\r\n\r\n")
    corked.write(b"body")
    assert raw.writes == []
    await asyncio.sleep(0)
    assert raw.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    corked.write(b"more")
    corked.close()  # pending bytes go out before the close
    assert raw.writes[-1] == b"more"
    assert raw.closed
    assert corked.get_extra_info("peername") == "info:peername"


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"one,", b"two,", b"three"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
            await asyncio.sleep(0.01)
        await send({"type": "http.response.body", "body": b""})
        return
    body = scope["path"].encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]}
    )
    await send({"type": "http.response.body", "body": body})


async def test_answers_through_uvicorn_are_whole() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(_app, port=port, http=GatewayHttpProtocol, lifespan="off", log_config=None)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            # Keep-alive: many answers on one connection, each whole and in order.
            assert [(await client.get(f"/n{i}")).text for i in range(20)] == [f"/n{i}" for i in range(20)]
            assert (await client.get("/stream")).text == "one,two,three"
            closing = await client.get("/last", headers={"Connection": "close"})
            assert closing.text == "/last"
    finally:
        server.should_exit = True
        await serving


def test_uvicorn_access_log_stays_off_when_its_logger_has_a_handler() -> None:
    access = logging.getLogger("uvicorn.access")
    propagate = access.propagate
    handler = logging.NullHandler()
    loop = asyncio.new_event_loop()
    try:
        for wanted in (False, True):
            config = uvicorn.Config(_app, http=GatewayHttpProtocol, log_config=None, access_log=wanted)
            access.addHandler(handler)  # the kit's logging, configured after uvicorn's, gives it one
            try:
                protocol = GatewayHttpProtocol(config, ServerState(), {}, _loop=loop)
                assert protocol.access_log is wanted
            finally:
                access.removeHandler(handler)
    finally:
        loop.close()
        access.propagate = propagate
