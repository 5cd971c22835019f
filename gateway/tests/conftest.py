"""Real servers on free ports: small aiohttp upstreams, and the gateway itself on its own server (on uvicorn
with ``GATEWAY_SERVER=uvicorn``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import gateway.main
import pytest
import pytest_asyncio
import uvicorn
from aiohttp import web
from gateway.config import RateLimitRule, Settings, Upstream
from gateway.main import Gateway
from gateway.server import serve
from multidict import CIMultiDictProxy
from vitrine_kit.auth.jwt import TokenVerifier
from vitrine_kit.testing.tokens import TestKeys

# `make unit` runs these tests twice: on the sources, then on the build gateway/compile.py makes (mypyc),
# the one the image runs, with GATEWAY_EXPECT_COMPILED=1 and that build first on PYTHONPATH.
COMPILED = not gateway.main.__file__.endswith(".py")
if os.environ.get("GATEWAY_EXPECT_COMPILED") == "1" and not COMPILED:
    raise RuntimeError(f"GATEWAY_EXPECT_COMPILED=1 but the gateway was imported from {gateway.main.__file__}")
# A compiled class's methods cannot be replaced on an instance: tests that do it run on the sources only.
python_build_only = pytest.mark.skipif(COMPILED, reason="replaces a method on an instance: Python build only")


@dataclass
class UpstreamServer:
    """An aiohttp app standing in for a service; it records what reached it."""

    name: str
    jwks: dict[str, Any] | None = None
    hits: Counter[str] = field(default_factory=Counter)
    last_headers: dict[str, str] = field(default_factory=dict)
    last_body: bytes = b""
    uploaded: int = 0
    # Event streams served: open now, and ended because the other end (the gateway) closed them.
    streams_open: int = 0
    streams_cut: int = 0
    healthy: bool = True
    fail_status: int | None = None
    # A service's own error answers are problem+json; a proxy or a crashed server's are not.
    fail_content_type: str = "application/json"
    url: str = ""
    _runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024**4)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/openapi.json", self.openapi)
        app.router.add_get("/.well-known/jwks.json", self.jwks_doc)
        app.router.add_get("/slow", self.slow)
        app.router.add_post("/upload", self.upload)
        app.router.add_post("/stall", self.stall)
        app.router.add_get("/download", self.download)
        app.router.add_get("/events", self.events)
        app.router.add_route("*", "/{tail:.*}", self.echo)
        return app

    async def start(self) -> UpstreamServer:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def healthz(self, request: web.Request) -> web.Response:
        self.hits["/healthz"] += 1
        return web.json_response({"status": "ok"}, status=200 if self.healthy else 503)

    async def jwks_doc(self, request: web.Request) -> web.Response:
        return web.json_response(self.jwks or {"keys": []})

    async def openapi(self, request: web.Request) -> web.Response:
        schema = {"type": "object", "properties": {self.name: {"type": "string"}}}
        return web.json_response(
            {
                "openapi": "3.1.0",
                "info": {"title": self.name, "version": "1"},
                "paths": {
                    f"/{self.name}-things": {
                        "get": {
                            "operationId": "list_things",
                            "responses": {
                                "200": {
                                    "content": {
                                        "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                                    }
                                }
                            },
                        }
                    },
                    "/healthz": {"get": {"operationId": "healthz"}},
                    "/internal/things/{id}": {"get": {"operationId": "resolve_thing"}},
                },
                "components": {"schemas": {"Thing": schema}},
            }
        )

    async def slow(self, request: web.Request) -> web.Response:
        self.hits["/slow"] += 1
        await asyncio.sleep(float(request.query.get("s", "5")))
        return web.json_response({"late": True})

    async def upload(self, request: web.Request) -> web.Response:
        self.hits["/upload"] += 1
        async for chunk in request.content.iter_any():
            self.uploaded += len(chunk)
        return web.json_response({"bytes": self.uploaded})

    async def stall(self, request: web.Request) -> web.Response:
        """Never reads the body: a client streaming one is held back by TCP, not by its own pace."""
        self.hits["/stall"] += 1
        await asyncio.sleep(float(request.query.get("s", "4")))
        return web.json_response({"late": True})

    async def download(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        chunk = b"x" * 65536
        for _ in range(int(request.query.get("chunks", "16"))):
            await response.write(chunk)
        await response.write_eof()
        return response

    async def events(self, request: web.Request) -> web.StreamResponse:
        """A live feed: ``count`` events (default: until the other end leaves), one per ``every`` s."""
        self.hits["/events"] += 1
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        count = int(request.query.get("count", "0"))
        every = float(request.query.get("every", "0.05"))
        self.streams_open += 1
        try:
            n = 0
            while not count or n < count:
                await response.write(f'id: {n}\ndata: {{"n": {n}}}\n\n'.encode())
                n += 1
                await asyncio.sleep(every)
            await response.write_eof()
        except (ConnectionResetError, asyncio.CancelledError):
            self.streams_cut += 1
            raise
        finally:
            self.streams_open -= 1
        return response

    async def echo(self, request: web.Request) -> web.Response:
        self.hits[request.raw_path.split("?")[0]] += 1
        self.last_headers = dict(request.headers)
        if self.fail_status is not None:
            return web.json_response(
                {"type": "https://errors.vitrine.app/failing", "failing": True},
                status=self.fail_status,
                content_type=self.fail_content_type,
            )
        body = await request.read()
        self.last_body = body
        # Like every service (the kit's middleware), the request id comes back on the answer.
        rid = {"X-Request-Id": request.headers["X-Request-Id"]} if "X-Request-Id" in request.headers else {}
        return web.json_response(
            {
                "service": self.name,
                "method": request.method,
                "path": request.raw_path,
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "header_lines": [[k.lower(), v] for k, v in request.headers.items()],
                "body_len": len(body),
            },
            headers=rid,
        )


@pytest_asyncio.fixture
async def upstream(test_keys: TestKeys) -> AsyncIterator[UpstreamServer]:
    server = await UpstreamServer("auth", jwks=test_keys.jwks()).start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def second_upstream() -> AsyncIterator[UpstreamServer]:
    server = await UpstreamServer("catalog").start()
    yield server
    await server.stop()


def dead_url() -> str:
    """A URL where nothing listens (a port bound then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


GENEROUS = [
    RateLimitRule(name="ip", key="ip", rate_per_s=10_000, burst=10_000),
    RateLimitRule(name="tenant", key="tenant", rate_per_s=10_000, burst=10_000),
]


def make_settings(upstreams: dict[str, Upstream], **overrides: Any) -> Settings:
    """Settings for one test: its own Redis key space, JSON logs off, generous limits unless given."""
    values: dict[str, Any] = {
        "upstreams": upstreams,
        "rate_limit_key_prefix": f"test:gw:{uuid.uuid4().hex}:",
        "rate_limits": GENEROUS,
        "log_json": False,
        "access_log": False,
        "upstream_retry_backoff_s": 0.0,
        "cors_extension_ids": ["abcdefghijklmnopabcdefghijklmnop"],
        "public_routes": ["/api/auth/login", "/api/auth/register", "/api/auth/password-reset/*"],
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Reply:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RunningGateway:
    app: Gateway
    url: str
    session: aiohttp.ClientSession

    async def call(self, method: str, path: str, **kwargs: Any) -> Reply:
        """One request, read whole."""
        async with self.session.request(method, self.url + path, **kwargs) as response:
            return Reply(response.status, response.headers, await response.read())


@contextlib.asynccontextmanager
async def run_gateway(settings: Settings, verifier: TokenVerifier) -> AsyncIterator[RunningGateway]:
    """Serve the gateway on a free port, inside the test's event loop."""
    app = Gateway(settings, verifier=verifier)
    if settings.server == "native":
        started: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        stop = asyncio.Event()
        task = asyncio.create_task(
            serve(settings, host="127.0.0.1", port=0, gateway=app, started=started, stop=stop)
        )
        await asyncio.wait((task, started), return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()
        async with aiohttp.ClientSession() as session:
            try:
                yield RunningGateway(app, f"http://127.0.0.1:{started.result()}", session)
            finally:
                stop.set()
                await task
        return
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan="on",
        log_config=None,
        access_log=False,
        http="httptools",
        server_header=False,
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    async with aiohttp.ClientSession() as session:
        try:
            yield RunningGateway(app, f"http://127.0.0.1:{port}", session)
        finally:
            server.should_exit = True
            await task


GatewayFactory = Callable[..., contextlib.AbstractAsyncContextManager[RunningGateway]]


@pytest.fixture
def gateway_for(test_keys: TestKeys) -> GatewayFactory:
    """``async with gateway_for({"auth": upstream}) as gw`` — a gateway in front of test upstreams."""

    def factory(upstreams: dict[str, UpstreamServer | str], **overrides: Any) -> Any:
        prefixes = {
            "auth": "/api/auth",
            "catalog": "/api/catalog",
            "marketplace-etsy": "/api/marketplaces/etsy",
        }
        configured = {
            name: Upstream(
                prefix=prefixes.get(name, f"/api/{name}"),
                url=server if isinstance(server, str) else server.url,
                **overrides.pop(f"{name}_upstream", {}),
            )
            for name, server in upstreams.items()
        }
        return run_gateway(make_settings(configured, **overrides), test_keys.verifier())

    return factory
