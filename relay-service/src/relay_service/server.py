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
        # A socket the drain is already closing must not be sent a second close by uvicorn (websockets raises
        # InvalidState, and the rest of the shutdown would be skipped): uvicorn closes only the open ones.
        for connection in list(self.server_state.connections):
            protocol = getattr(connection, "conn", None)
            state = getattr(protocol, "state", None)
            if state is not None and getattr(state, "name", "OPEN") != "OPEN":
                self.server_state.connections.discard(connection)
        await super().shutdown(sockets)
