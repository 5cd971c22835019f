"""The floor under the gateway: the same server and client stack with nothing of the gateway in between.

An ASGI app on uvicorn (uvloop, httptools, as the gateway runs) that sends every request to one upstream
through one pooled ``aiohttp.ClientSession`` (the gateway's settings) and relays the answer: no routing,
authentication, rate limit, header filtering, breaker, metrics or logging. What the gateway costs above
this is its own work; what this costs above nginx is the price of the Python stack itself.
Run by ``run.py --floor`` as the row ``floor``; ``BENCH_FLOOR_UPSTREAM`` and ``BENCH_FLOOR_PREFIX`` say where to.
"""

from __future__ import annotations

import os
from typing import Any

import aiohttp

_DROPPED = frozenset({b"connection", b"keep-alive", b"transfer-encoding", b"date", b"server"})


class Floor:
    """Pass-through: the path minus ``prefix`` to ``upstream``; the body of the answer read whole."""

    def __init__(self, upstream: str, prefix: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.prefix = prefix
        self.session: aiohttp.ClientSession | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    self.session = aiohttp.ClientSession(
                        connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=4),
                        cookie_jar=aiohttp.DummyCookieJar(),
                        auto_decompress=False,
                        skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept"),
                    )
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    if self.session is not None:
                        await self.session.close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        assert self.session is not None
        path = scope["path"]
        if path == "/healthz":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
            return
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"] if k != b"host"]
        url = self.upstream + path.removeprefix(self.prefix)
        async with self.session.request(scope["method"], url, headers=headers) as response:
            body = await response.read()
            out = [(k.lower(), v) for k, v in response.raw_headers if k.lower() not in _DROPPED]
        await send({"type": "http.response.start", "status": response.status, "headers": out})
        await send({"type": "http.response.body", "body": body})


def create_app() -> Floor:
    return Floor(os.environ["BENCH_FLOOR_UPSTREAM"], os.environ["BENCH_FLOOR_PREFIX"])
