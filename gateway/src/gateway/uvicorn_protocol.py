"""uvicorn's httptools protocol, with a response's writes of one event-loop turn sent together.

uvicorn writes a response's head (``http.response.start``) and its body (``http.response.body``) with two
``transport.write`` calls, and uvloop sends each at once: two ``send`` system calls, and two segments the
client reads separately, for every answer. Here writes made in the same turn are joined and sent at the end
of it: one call. A turn later is all a write waits; ``close`` sends what is pending first.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class CorkedTransport:
    """A transport whose writes of one event-loop turn leave as one write; anything else is the wrapped
    transport's."""

    __slots__ = ("_loop", "_pending", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        """Send what was written so far (nothing once the transport is closing)."""
        if not self._pending:
            return
        data = b"".join(self._pending) if len(self._pending) > 1 else self._pending[0]
        self._pending.clear()
        if not self.transport.is_closing():
            self.transport.write(data)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


class GatewayHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol on a ``CorkedTransport``, with uvicorn's access log as configured.

    uvicorn turns its access log on whenever ``uvicorn.access`` has a handler, and the kit's logging puts
    one on the root logger: every answer then formatted a line (client address, path) that was either
    dropped by the level or written next to the gateway's own access line. ``access_log=False`` holds.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.access_log = self.access_log and self.config.access_log

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CorkedTransport(transport, self.loop))  # type: ignore[arg-type]
