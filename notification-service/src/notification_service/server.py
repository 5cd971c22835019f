"""uvicorn with a drain first: open streams are told to reconnect before uvicorn waits for them to end."""

from __future__ import annotations

import socket

import uvicorn
from fastapi import FastAPI

from notification_service.context import NotifyContext


class DrainingServer(uvicorn.Server):
    """On SIGTERM, end every feed stream with ``event: reconnect`` (a stream never ends by itself, so
    uvicorn would otherwise wait its whole grace period, then cut them without a word)."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        context = _context(self.config.loaded_app)
        if context is not None:
            await context.hub.drain()
        await super().shutdown(sockets)


def _context(app: object) -> NotifyContext | None:
    """The service's context under uvicorn's wrappers (proxy headers, message logger)."""
    for _ in range(5):
        if isinstance(app, FastAPI):
            context = getattr(app.state, "context", None)
            return context if isinstance(context, NotifyContext) else None
        app = getattr(app, "app", None)
    return None
