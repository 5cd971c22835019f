"""uvicorn with a drain first: plugins are told and jobs finish before uvicorn closes the sockets."""

from __future__ import annotations

import socket
from typing import Any

import uvicorn


class DrainingServer(uvicorn.Server):
    """On SIGTERM, run ``app.relay.drain()`` while sockets are still open, then uvicorn's own shutdown."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        relay: Any = getattr(self.config.app, "relay", None)
        if relay is not None:
            await relay.drain()
        await super().shutdown(sockets)
