from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
import uuid
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import aio_pika
import httpx
import pytest_asyncio
import sqlalchemy as sa
import uvicorn
from notification_service.config import Settings
from notification_service.context import NotifyContext
from notification_service.main import SERVICE_DIR, create_app
from notification_service.models import Mail, Recipient, Scheduled
from vitrine_contracts import Envelope, Event, new_envelope
from vitrine_contracts.identity import TenantCreated, UserRegistered
from vitrine_kit.app import ServiceRuntime
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.helpers import eventually, free_port, settings_for_test
from vitrine_kit.testing.tokens import TestKeys

# Fast enough for tests: heartbeats each second, a queue of 8 per connection, mails polled often.
TEST_SETTINGS: dict[str, Any] = {
    "gc_freeze": False,
    "heartbeat_s": 1.0,
    "connection_queue": 8,
    "send_timeout_s": 2.0,
    "mail_poll_s": 0.1,
    "digest_poll_s": 0.2,
    "mail_retry_delays_s": [0.3],
    "mail_max_attempts": 3,
    "import_progress_every_s": 0.6,
    "public_url": "http://gateway.test/api/notifications",
}


@dataclass
class SmtpSink:
    """``await sink.start()`` on a free port; ``messages`` holds what was accepted, in order."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    # Replies to the next DATA commands instead of 250 (e.g. "451 try later", "550 no such user").
    failures: deque[str] = field(default_factory=deque)
    attempts: int = 0
    _server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._session, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def reply(line: str) -> None:
            writer.write((line + "\r\n").encode())
            await writer.drain()

        try:
            await reply("220 sink ESMTP")
            while line := await reader.readline():
                command = line.decode().strip()
                verb = command.split(" ", 1)[0].upper()
                if verb in {"EHLO", "HELO"}:
                    await reply("250-sink\r\n250 8BITMIME")
                elif verb in {"MAIL", "RCPT", "RSET", "NOOP"}:
                    await reply("250 ok")
                elif verb == "DATA":
                    await reply("354 go on")
                    data = bytearray()
                    while (chunk := await reader.readline()) not in {b".\r\n", b""}:
                        data += chunk[1:] if chunk.startswith(b"..") else chunk
                    self.attempts += 1
                    if self.failures:
                        await reply(self.failures.popleft())
                        continue
                    message = email.message_from_bytes(bytes(data), policy=email.policy.default)
                    assert isinstance(message, EmailMessage)
                    self.messages.append(message)
                    await reply("250 queued")
                elif verb == "QUIT":
                    await reply("221 bye")
                    break
                else:
                    await reply("502 not here")
        finally:
            writer.close()


@dataclass
class SseEvent:
    """One block of the stream: ``event`` is ``message`` for items, ``comment`` for keep-alives."""

    event: str = "message"
    id: str | None = None
    data: str = ""
    retry: int | None = None

    def json(self) -> Any:
        return json.loads(self.data)


class FeedReader:
    """Reads SSE blocks off a streamed httpx response."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next(self, timeout: float = 5.0) -> SseEvent:
        async with asyncio.timeout(timeout):
            block = SseEvent()
            seen = False
            async for line in self._lines:
                if line == "":
                    if seen:
                        return block
                    continue
                seen = True
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "":
                    block.event = "comment"
                    block.data = value
                elif name == "event":
                    block.event = value
                elif name == "id":
                    block.id = value
                elif name == "data":
                    block.data = f"{block.data}\n{value}" if block.data else value
                elif name == "retry":
                    block.event, block.retry = "retry", int(value)
            raise EOFError("the stream ended")

    async def items(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The next ``count`` items (keep-alives and control events skipped)."""
        found: list[dict[str, Any]] = []
        async with asyncio.timeout(timeout):
            while len(found) < count:
                block = await self.next(timeout)
                if block.event == "message":
                    item = block.json()
                    assert block.id == str(item["id"])
                    found.append(item)
        return found

    async def until(self, event: str, timeout: float = 5.0) -> SseEvent:
        async with asyncio.timeout(timeout):
            while (block := await self.next(timeout)).event != event:
                pass
        return block


@dataclass
class App:
    client: httpx.AsyncClient
    runtime: ServiceRuntime
    keys: TestKeys
    sink: SmtpSink
    url: str
    http: httpx.AsyncClient = field(init=False)

    def __post_init__(self) -> None:
        # A real server for streams (the in-process transport answers only once the app has finished).
        self.http = httpx.AsyncClient(base_url=self.url, timeout=httpx.Timeout(10.0, read=10.0))

    @property
    def context(self) -> NotifyContext:
        context = self.runtime.context
        assert isinstance(context, NotifyContext)
        return context

    def seller(self) -> Seller:
        return Seller(self, uuid.uuid4())

    async def mails(self, tenant_id: uuid.UUID) -> list[Mail]:
        async with self.runtime.db.session() as session:
            rows = await session.scalars(sa.select(Mail).where(Mail.tenant_id == tenant_id).order_by(Mail.id))
            return list(rows)

    async def publish(self, envelope: Envelope[Event]) -> None:
        """Deliver an envelope straight to the exchange, as a redelivering broker or producer would."""
        connection = await self.runtime.broker.wait_connected(timeout=10)
        async with connection.channel() as channel:
            exchange = await channel.get_exchange(self.runtime.broker.exchange_name, ensure=False)
            body = envelope.model_dump_json().encode()
            await exchange.publish(
                aio_pika.Message(body, message_id=str(envelope.id), content_type="application/json"),
                routing_key=envelope.payload.routing_key(),
            )


class Seller:
    """One tenant: its owner's token, events played as the fleet would emit them, its feed."""

    def __init__(self, app: App, tenant_id: uuid.UUID) -> None:
        self.app = app
        self.tenant_id = tenant_id
        self.user_id = uuid.uuid4()
        self.email = f"owner-{tenant_id.hex[:8]}@example.com"
        self.headers = self.token_headers()

    def token_headers(self, **claims: Any) -> dict[str, str]:
        token = self.app.keys.issue(sub=str(self.user_id), tenant_id=self.tenant_id, **claims)
        return {"Authorization": f"Bearer {token}"}

    def envelope(self, event: Event) -> Envelope[Event]:
        return new_envelope(event, producer="test", tenant_id=self.tenant_id)

    async def play(self, *events: Event) -> None:
        """Emit events through the service's own outbox and relay (as another service would)."""
        async with self.app.runtime.db.session() as session:
            for event in events:
                self.app.runtime.outbox.add(session, event, tenant_id=self.tenant_id)
            await session.commit()

    async def register(self) -> Seller:
        """auth-service's events of a registration: the owner and their address."""
        await self.play(
            TenantCreated(tenant_id=self.tenant_id, owner_user_id=self.user_id, name="shop"),
            UserRegistered(user_id=self.user_id, tenant_id=self.tenant_id, email=self.email),
        )

        async def known() -> bool:
            if not await self.app.runtime.tenants.exists(self.tenant_id):
                return False
            async with self.app.runtime.db.tenant_session(self.tenant_id) as session:
                owner = await session.get(Recipient, self.user_id)
                return owner is not None and owner.email is not None

        await eventually(known)
        return self

    async def history(self, **params: Any) -> dict[str, Any]:
        response = await self.app.client.get("/feed/history", params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def wait_items(self, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        async def enough() -> list[dict[str, Any]] | None:
            items = (await self.history(after=0, limit=500))["items"]
            return items if len(items) >= count else None

        return list(await eventually(enough, timeout=timeout))

    @contextlib.asynccontextmanager
    async def feed(self, headers: dict[str, str] | None = None, **params: Any) -> AsyncIterator[FeedReader]:
        async with self.app.http.stream(
            "GET", "/feed", params=params, headers={**self.headers, **(headers or {})}
        ) as response:
            assert response.status_code == 200, await response.aread()
            reader = FeedReader(response)
            retry = await reader.next()
            assert retry.event == "retry"
            yield reader

    async def make_due(self) -> None:
        """Bring the tenant's scheduled work forward to now (a test cannot wait for tomorrow's digest hour)."""
        async with self.app.runtime.db.session() as session:
            await session.execute(
                sa.update(Scheduled)
                .where(Scheduled.tenant_id == self.tenant_id)
                .values(due_at=datetime.now(UTC))
            )
            await session.commit()

    async def connected(self, count: int = 1) -> None:
        """Wait until this replica holds ``count`` streams of the tenant (so live items reach them)."""
        await eventually(lambda: self.app.context.hub.count(self.tenant_id) == count)


@pytest_asyncio.fixture(scope="session")
async def notify_db(service_database: Any) -> str:
    return await service_database("notifications", SERVICE_DIR)


@pytest_asyncio.fixture(scope="module")
async def sink() -> AsyncIterator[SmtpSink]:
    sink = SmtpSink()
    await sink.start()
    yield sink
    await sink.stop()


@pytest_asyncio.fixture(scope="module")
async def app(
    notify_db: str, amqp_url: str, broker_namespace: str, test_keys: TestKeys, sink: SmtpSink
) -> AsyncIterator[App]:
    settings = settings_for_test(
        Settings,
        database_url=notify_db,
        amqp_url=amqp_url,
        broker_namespace=broker_namespace,
        smtp_port=sink.port,
        **TEST_SETTINGS,
    )
    service = create_app(settings, verifier=test_keys.verifier())
    async with running_app(service) as (client, runtime):
        queues = {runner.queue_name for runner in runtime.runners}
        hub = runtime.context.hub  # type: ignore[attr-defined]
        await eventually(lambda: queues <= runtime.broker.declared_queues and hub.consuming)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                service,
                host="127.0.0.1",
                port=port,
                lifespan="off",
                log_config=None,
                timeout_graceful_shutdown=2,
            )
        )
        serving = asyncio.create_task(server.serve())
        await eventually(lambda: server.started)
        app = App(client, runtime, test_keys, sink, f"http://127.0.0.1:{port}")
        try:
            yield app
        finally:
            await app.http.aclose()
            server.should_exit = True
            await serving
