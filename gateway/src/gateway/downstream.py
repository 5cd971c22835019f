"""The client's side of one request, as the stages use it: its body read, its answer written.

The gateway's own server (``server.py``) implements ``Downstream`` directly on its connection; ``AsgiDownstream``
does it over ASGI's ``receive``/``send`` for the gateway as an ASGI app (tests, any ASGI server).
"""

from __future__ import annotations

from typing import Protocol

from starlette.types import Receive, Send

Headers = list[tuple[bytes, bytes]]


class ClientGone(Exception):
    """The client disconnected while its body was being read: there is nobody left to answer."""


class Downstream(Protocol):
    """One request's client: ``answer`` a whole response, or ``start`` one and ``write`` it in pieces."""

    async def answer(self, status: int, headers: Headers, body: bytes) -> None:
        """A whole response: status, headers (with its ``content-length``) and body."""

    async def start(self, status: int, headers: Headers) -> None:
        """A response's status and headers; its body follows with ``write`` and ``end``."""

    async def write(self, chunk: bytes) -> None:
        """A piece of the body (waits while the client is slow to read)."""

    async def end(self) -> None:
        """The body is whole."""

    async def read(self) -> tuple[bytes, bool]:
        """The next piece of the request body, and whether more follows; ``ClientGone`` if the client left."""

    async def disconnected(self) -> None:
        """Return once the client has gone (its request body was read before this is awaited)."""


class AsgiDownstream:
    """``Downstream`` over ASGI messages."""

    __slots__ = ("receive", "send")

    def __init__(self, receive: Receive, send: Send) -> None:
        self.receive = receive
        self.send = send

    async def answer(self, status: int, headers: Headers, body: bytes) -> None:
        await self.send({"type": "http.response.start", "status": status, "headers": headers})
        await self.send({"type": "http.response.body", "body": body})

    async def start(self, status: int, headers: Headers) -> None:
        await self.send({"type": "http.response.start", "status": status, "headers": headers})

    async def write(self, chunk: bytes) -> None:
        await self.send({"type": "http.response.body", "body": chunk, "more_body": True})

    async def end(self) -> None:
        await self.send({"type": "http.response.body", "body": b""})

    async def read(self) -> tuple[bytes, bool]:
        message = await self.receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        return message.get("body", b""), message.get("more_body", False)

    async def disconnected(self) -> None:
        while (await self.receive())["type"] != "http.disconnect":
            pass
