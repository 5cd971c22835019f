from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import aio_pika
import httpx
import pytest_asyncio
import socketio
import uvicorn
from relay_service.auth import PluginAuthenticator
from relay_service.config import Settings
from relay_service.main import create_app
from relay_service.server import DrainingServer
from sandbox_vinted.app import create_app as create_vinted
from sandbox_vinted.plugin import PluginStandIn, Switches, VintedTab
from vitrine_contracts import Event, RawEnvelope, new_envelope
from vitrine_contracts.relay.v1 import NAMESPACE, Hello
from vitrine_kit.testing.helpers import free_port


class Bus:
    """The test's view of the exchange: publishes as marketplace-vinted would, records every event."""

    def __init__(self, url: str, namespace: str) -> None:
        self.url, self.exchange_name = url, namespace + "vitrine.events"
        self.seen: list[RawEnvelope] = []

    async def start(self) -> None:
        self.connection = await aio_pika.connect(self.url)
        channel = await self.connection.channel()
        self.exchange = await channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(self.exchange, "#")
        await queue.consume(self._on, no_ack=True)

    async def _on(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.seen.append(RawEnvelope.model_validate_json(message.body))

    async def publish(self, event: Event, tenant_id: uuid.UUID) -> None:
        envelope = new_envelope(event, producer="test", tenant_id=tenant_id)
        await self.exchange.publish(
            aio_pika.Message(envelope.model_dump_json().encode()), event.routing_key()
        )

    def of(
        self, event_type: str, where: Callable[[dict[str, Any]], bool] = lambda p: True
    ) -> list[dict[str, Any]]:
        """Payloads of the ``event_type`` events seen so far."""
        return [e.payload for e in self.seen if e.type == event_type and where(e.payload)]

    async def wait(
        self,
        event_type: str,
        where: Callable[[dict[str, Any]], bool] = lambda p: True,
        timeout: float = 10.0,
        count: int = 1,
    ) -> list[dict[str, Any]]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = [e.payload for e in self.seen if e.type == event_type and where(e.payload)]
            if len(found) >= count:
                return found
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no {count}x {event_type}; saw {[e.type for e in self.seen]}")
            await asyncio.sleep(0.05)


class RelayServer:
    def __init__(
        self, settings: Settings, verifier: Any, authenticator: PluginAuthenticator | None = None
    ) -> None:
        self.settings = settings
        self.app = create_app(settings, verifier=verifier, authenticator=authenticator)
        self.url = f"http://127.0.0.1:{settings.port}"
        self.server = DrainingServer(
            uvicorn.Config(self.app, host="127.0.0.1", port=settings.port, log_level="warning", lifespan="on")
        )

    async def start(self) -> None:
        self.task = asyncio.create_task(self.server.serve())
        async with httpx.AsyncClient() as http:
            for _ in range(200):
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{self.url}/readyz")).status_code == 200:
                        return
                await asyncio.sleep(0.05)
        raise AssertionError("relay not ready")

    async def stop(self) -> None:
        self.server.should_exit = True
        await self.task


@pytest_asyncio.fixture
async def bus(amqp_url: str, broker_namespace: str) -> AsyncIterator[Bus]:
    b = Bus(amqp_url, broker_namespace)
    await b.start()
    yield b
    await b.connection.close()


@pytest_asyncio.fixture
async def start_relay(
    amqp_url: str, broker_namespace: str, test_keys: Any
) -> AsyncIterator[Callable[..., Any]]:
    servers: list[RelayServer] = []

    async def start(authenticator: PluginAuthenticator | None = None, **overrides: Any) -> RelayServer:
        values = {
            "amqp_url": amqp_url,
            "broker_namespace": broker_namespace,
            "port": free_port(),
            "auth_url": "",
            "instance_id": f"r-{uuid.uuid4().hex[:6]}",
            "ack_timeout_s": 1.0,
            "heartbeat_interval_s": 0.5,
            "drain_timeout_s": 2.0,
            "log_json": False,
        }
        server = RelayServer(Settings(**(values | overrides)), test_keys.verifier(), authenticator)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        if not server.task.done():
            await server.stop()


@pytest_asyncio.fixture
async def vinted() -> AsyncIterator[Any]:
    app = create_vinted()
    yield app


@pytest_asyncio.fixture
async def make_plugin(test_keys: Any, vinted: Any) -> AsyncIterator[Callable[..., Any]]:
    plugins: list[PluginStandIn] = []

    async def make(
        relay: RelayServer,
        tenant_id: uuid.UUID,
        device_id: uuid.UUID | None = None,
        switches: Switches | None = None,
        start: bool = True,
    ) -> PluginStandIn:
        token = test_keys.issue(
            tenant_id=tenant_id, scope="plugin", sub=str(device_id or uuid.uuid4()), roles=()
        )
        tab = VintedTab("http://vinted.test", "sandbox-vinted-demo-token")
        tab.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=vinted),
            base_url="http://vinted.test",
            cookies={"access_token_web": "sandbox-vinted-demo-token"},
        )
        plugin = PluginStandIn(relay.url, token, tab, switches=switches)
        plugin.photos_http = tab.http
        plugins.append(plugin)
        if start:
            await plugin.start()
        return plugin

    yield make
    for plugin in plugins:
        with contextlib.suppress(Exception):
            await plugin.stop()


class RawPlugin:
    """A bare Socket.IO client speaking the protocol by hand, for what the stand-in would never do: stay
    silent after connecting, resend one result in a loop, flood the relay. Acks every job and keeps it."""

    def __init__(self, relay: RelayServer, token: str) -> None:
        self.url, self.token = relay.url, token
        self.sio = socketio.AsyncClient(reconnection=False)
        self.jobs: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.refusal: dict[str, Any] | None = None
        self.sio.on("job.deliver", self._on_job, namespace=NAMESPACE)
        self.sio.on("relay.error", self.errors.append, namespace=NAMESPACE)
        self.sio.on("connect_error", self._on_refused, namespace=NAMESPACE)

    async def _on_job(self, data: dict[str, Any]) -> dict[str, Any]:
        self.jobs.append(data)
        return {"job_id": data["job_id"], "accepted": True}

    async def _on_refused(self, data: Any) -> None:
        self.refusal = data.get("data", data) if isinstance(data, dict) else data

    async def connect(self) -> bool:
        """True once connected; False when the relay refused (``refusal`` says why)."""
        try:
            await self.sio.connect(
                self.url,
                namespaces=[NAMESPACE],
                auth={"token": self.token},
                transports=["websocket"],
                wait_timeout=3,
            )
        except socketio.exceptions.ConnectionError:
            return False
        return True

    async def call(self, event: str, data: Any) -> Any:
        return await self.sio.call(event, data, namespace=NAMESPACE, timeout=5)

    async def hello(self) -> Any:
        return await self.call(
            "plugin.hello", Hello(plugin_version="raw", capabilities=["delist"]).model_dump(mode="json")
        )

    async def result(self, job_id: Any, **fields: Any) -> Any:
        body = {"job_id": str(job_id), "outcome": "succeeded", "finished_at": "2030-01-01T00:00:00Z"} | fields
        return await self.call("job.result", body)


@pytest_asyncio.fixture
async def raw_plugin(test_keys: Any) -> AsyncIterator[Callable[..., Any]]:
    clients: list[RawPlugin] = []

    def make(relay: RelayServer, tenant_id: uuid.UUID, device_id: uuid.UUID) -> RawPlugin:
        token = test_keys.issue(tenant_id=tenant_id, scope="plugin", sub=str(device_id), roles=())
        client = RawPlugin(relay, token)
        clients.append(client)
        return client

    yield make
    for client in clients:
        with contextlib.suppress(Exception):
            await client.sio.disconnect()
