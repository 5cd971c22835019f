"""The relay: plugin connections on this replica, job delivery with acks, results turned into events.

Jobs reach this replica through its own AMQP queue (exclusive, bound on connect to
``vinted.job.dispatch.<instance_id>``); durable state (the job queue, redelivery after a reconnect) lives in
marketplace-vinted, which dispatches again on ``plugin.connected``. A device revoked at auth-service
(``plugin.revoked``) is refused at connect, at hello and on every result, and its sockets are closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import OrderedDict
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

import socketio
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage
from pydantic import BaseModel, ValidationError
from vitrine_contracts import RawEnvelope
from vitrine_contracts.identity import PluginRevoked
from vitrine_contracts.relay.v1 import (
    NAMESPACE,
    Heartbeat,
    HeartbeatAck,
    Hello,
    JobAck,
    JobDeliver,
    JobProgress,
    JobResult,
    RelayError,
    ResultAck,
    VintedSession,
    Welcome,
)
from vitrine_contracts.vinted import (
    PluginConnected,
    PluginDisconnected,
    RelayReplicaAlive,
    VintedJobCompleted,
    VintedJobDispatch,
    VintedSessionReported,
)
from vitrine_kit.events.broker import Broker
from vitrine_kit.tracing import consumer_span

from relay_service.auth import PluginAuthenticator, Refused
from relay_service.config import Settings
from relay_service.connections import Connection
from relay_service.flows import Flows
from relay_service.metrics import RelayMetrics
from relay_service.publisher import EventPublisher
from relay_service.results import ResultLedger, result_key
from relay_service.revocations import RevokedDevices

logger = logging.getLogger(__name__)


def _answer(message: BaseModel) -> dict[str, Any]:
    return message.model_dump(mode="json", exclude_none=True)


def _refusal(refused: Refused) -> socketio.exceptions.ConnectionRefusedError:
    # Socket.IO delivers the second argument as connect_error's ``data`` (err.data in JS).
    return socketio.exceptions.ConnectionRefusedError(refused.refusal.message, refused.refusal.model_dump())


class Relay:
    """Owns the Socket.IO server's plugin namespace and this replica's queue on the broker."""

    def __init__(
        self,
        settings: Settings,
        sio: socketio.AsyncServer,
        broker: Broker,
        auth: PluginAuthenticator,
        metrics: RelayMetrics,
    ) -> None:
        self.settings = settings
        self.sio = sio
        self.broker = broker
        self.auth = auth
        self.metrics = metrics
        self.publisher = EventPublisher(
            broker, producer=settings.service_name, timeout_s=settings.publish_timeout_s
        )
        self.by_sid: dict[str, Connection] = {}
        self.by_device: dict[uuid.UUID, Connection] = {}
        # Jobs this replica delivered, by id → device: a late result (after an ack timeout or a reconnect)
        # is still accepted from the same device, and from no one else.
        self.delivered: OrderedDict[uuid.UUID, uuid.UUID] = OrderedDict()
        self.flows = Flows()
        self.revoked = RevokedDevices(settings.revoked_ttl_s)
        self.results = ResultLedger(settings.result_dedupe_window_s, settings.result_dedupe_max)
        self.draining = False
        self._channel: AbstractChannel | None = None
        self._consumer_tag: str | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        broker.subscribe(self._on_broker)
        # Summed when /metrics is scraped, not on every job (an O(connections) walk per job showed up as
        # 15 % of the relay's CPU with 1,000 sockets).
        metrics.in_flight.set_function(lambda: sum(len(c.in_flight) for c in self.by_sid.values()))
        for event, handler in {
            "connect": self.on_connect,
            "disconnect": self.on_disconnect,
            "plugin.hello": self.on_hello,
            "plugin.heartbeat": self.on_heartbeat,
            "vinted.session": self.on_session,
            "job.progress": self.on_progress,
            "job.result": self.on_result,
        }.items():
            sio.on(event, handler, namespace=NAMESPACE)

    # --- broker ----------------------------------------------------------------------------------------

    @property
    def queue_name(self) -> str:
        return self.broker.name(f"relay.{self.settings.instance_id}")

    @property
    def consuming(self) -> bool:
        return self._channel is not None and not self._channel.is_closed

    async def _on_broker(self, connection: AbstractConnection) -> None:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=200)
        exchange = await channel.get_exchange(self.broker.exchange_name, ensure=False)
        # Exclusive: it lives as long as this replica's connection; routed dispatches for a dead replica
        # come back unroutable to marketplace-vinted, which waits for the plugin to reconnect elsewhere.
        queue = await channel.declare_queue(self.queue_name, exclusive=True, auto_delete=True)
        await queue.bind(exchange, f"{VintedJobDispatch.event_type}.{self.settings.instance_id}")
        await queue.bind(exchange, PluginRevoked.event_type)
        self._channel = channel
        self._consumer_tag = await queue.consume(self._on_message, no_ack=False)

    async def announce(self) -> None:
        """Tell marketplace-vinted this replica is up (``relay.replica.alive``); run every
        ``REPLICA_HEARTBEAT_S``. A replica killed without draining stops sending it, and marketplace-vinted
        takes its devices offline after ``VINTED_REPLICA_TIMEOUT_S``."""
        if not self.publisher.ready:
            return
        event = RelayReplicaAlive(
            relay_instance=self.settings.instance_id,
            interval_s=self.settings.replica_heartbeat_s,
            connections=len(self.by_device),
            sent_at=datetime.now(UTC),
        )
        await self.publisher.publish(event, None)

    async def sweep_revoked(self) -> None:
        """Close every socket of a revoked device still open (one that connected while the event was on
        its way); run every ``REVOCATION_SWEEP_S``."""
        self.revoked.expire()
        for conn in [c for c in self.by_sid.values() if c.device_id in self.revoked]:
            await self._close(conn.sid)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            envelope = RawEnvelope.model_validate_json(message.body)
            with consumer_span(self.queue_name, envelope.type, envelope.id, 1, message.headers):
                if envelope.type == PluginRevoked.event_type:
                    await self._on_revoked(PluginRevoked.model_validate(envelope.payload))
                else:
                    job = VintedJobDispatch.model_validate(envelope.payload)
                    self.flows.remember(job.job_id, envelope.correlation_id)
                    self._dispatch(job)
        except ValidationError:
            logger.exception("unparseable message dropped")
        await message.ack()

    async def _on_revoked(self, event: PluginRevoked) -> None:
        self.revoked.add(event.device_id)
        self.auth.forget(event.device_id)
        # Every socket of the device, said hello or not: a late hello must find nothing to welcome.
        for conn in [c for c in self.by_sid.values() if c.device_id == event.device_id]:
            await self._close(conn.sid)

    # --- delivery --------------------------------------------------------------------------------------

    def _dispatch(self, job: VintedJobDispatch) -> None:
        self.metrics.jobs.labels("received").inc()
        conn = self.by_device.get(job.device_id)
        if conn is None or not conn.ready or self.draining or job.device_id in self.revoked:
            self._spawn(self._undelivered(job, "gone"))
            return
        if job.job_id in conn.in_flight or any(w.job_id == job.job_id for w in conn.waiting):
            return  # already on its way to this very connection
        conn.waiting.append(job)
        self._pump(conn)

    def _pump(self, conn: Connection) -> None:
        while conn.waiting and len(conn.in_flight) < self.settings.max_in_flight:
            job = conn.waiting.popleft()
            conn.in_flight[job.job_id] = job
            self._remember(job)
            self._spawn(self.flows.run(job.job_id, "job.deliver", self._deliver(conn, job)))

    def _remember(self, job: VintedJobDispatch) -> None:
        self.delivered[job.job_id] = job.device_id
        while len(self.delivered) > 10_000:
            self.delivered.popitem(last=False)

    async def _deliver(self, conn: Connection, job: VintedJobDispatch) -> None:
        message = JobDeliver(
            job_id=job.job_id,
            kind=job.kind,
            attempt=job.attempt,
            deadline_s=job.deadline_s,
            params=job.params,
        )
        started = asyncio.get_running_loop().time()
        try:
            raw = await self.sio.call(
                "job.deliver",
                message.model_dump(mode="json"),
                to=conn.sid,
                namespace=NAMESPACE,
                timeout=self.settings.ack_timeout_s,
            )
            ack = JobAck.model_validate(raw)
        except (socketio.exceptions.TimeoutError, socketio.exceptions.SocketIOError, ValidationError) as exc:
            self._release(conn, job.job_id)
            reason = "ack-timeout" if isinstance(exc, socketio.exceptions.TimeoutError) else "gone"
            await self._undelivered(job, reason)
            return
        self.metrics.delivery_latency.observe(asyncio.get_running_loop().time() - started)
        if not ack.accepted:
            self._release(conn, job.job_id)
            await self._undelivered(job, f"refused:{ack.reason or 'unknown'}")
            return
        self.metrics.jobs.labels("acked").inc()

    def _release(self, conn: Connection, job_id: uuid.UUID) -> None:
        conn.in_flight.pop(job_id, None)
        self._pump(conn)

    async def _undelivered(self, job: VintedJobDispatch, reason: str) -> None:
        self.metrics.jobs.labels("undelivered").inc()
        event = VintedJobCompleted(
            job_id=job.job_id,
            tenant_id=job.tenant_id,
            device_id=job.device_id,
            outcome="undelivered",
            reason=reason,
        )
        with (
            self.flows.within(job.job_id, "job.undelivered"),
            contextlib.suppress(Exception),  # marketplace-vinted's lease brings the job back anyway
        ):
            await self.publisher.publish(event, job.tenant_id)

    # --- socket events --------------------------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        if self.draining:
            raise _refusal(Refused("draining", "this relay is shutting down; reconnect", retry=True))
        try:
            identity = await self.auth.authenticate(auth)
            if identity.device_id in self.revoked:
                raise Refused("revoked", "this device was revoked; pair again")
        except Refused as refused:
            self.metrics.refused.labels(refused.refusal.code).inc()
            raise _refusal(refused) from refused
        self.by_sid[sid] = Connection.open(sid, identity, str(auth["token"]), self.settings)
        await self.sio.enter_room(sid, f"tenant:{identity.tenant_id}", namespace=NAMESPACE)
        self.metrics.connections.inc()

    async def _is_revoked(self, conn: Connection) -> bool:
        if conn.device_id in self.revoked:
            return True
        return not await self.auth.still_active(conn.token, conn.identity)

    def _refuse_revoked(self, conn: Connection, job_id: uuid.UUID | None = None) -> dict[str, Any]:
        self.revoked.add(conn.device_id)
        self.metrics.refused.labels("revoked").inc()
        self._spawn(self._close(conn.sid))
        return _answer(
            RelayError(code="revoked", message="this device was revoked; pair again", job_id=job_id)
        )

    async def on_hello(self, sid: str, data: Any) -> dict[str, Any]:
        conn = self.by_sid.get(sid)
        if conn is None:
            return _answer(RelayError(code="not-ready", message="connect first"))
        if (limited := conn.over_limit()) is not None:
            return _answer(limited)
        try:
            hello = Hello.model_validate(data)
        except ValidationError as exc:
            return _answer(RelayError(code="invalid-message", message=str(exc)[:500]))
        # The connect may be long past: a device revoked since then must not be welcomed.
        if await self._is_revoked(conn):
            return self._refuse_revoked(conn)
        previous = self.by_device.get(conn.device_id)
        if previous is not None and previous.sid != sid:  # one socket per device: the newest wins
            await self.sio.disconnect(previous.sid, namespace=NAMESPACE)
        conn.welcome(hello.vinted)
        self.by_device[conn.device_id] = conn
        await self.publisher.publish(
            PluginConnected(
                tenant_id=conn.tenant_id,
                device_id=conn.device_id,
                relay_instance=self.settings.instance_id,
                connection_id=conn.connection_id,
                plugin_version=hello.plugin_version,
                capabilities=hello.capabilities,
                vinted=hello.vinted,
                max_in_flight=self.settings.max_in_flight,
                connected_at=datetime.now(UTC),
            ),
            conn.tenant_id,
        )
        if hello.vinted is not None:
            await self._report_session(conn, hello.vinted)
        return _answer(
            Welcome(
                connection_id=conn.connection_id,
                tenant_id=conn.tenant_id,
                device_id=conn.device_id,
                max_in_flight=self.settings.max_in_flight,
                ack_timeout_s=self.settings.ack_timeout_s,
                heartbeat_interval_s=self.settings.heartbeat_interval_s,
                server_time=datetime.now(UTC),
            )
        )

    async def on_heartbeat(self, sid: str, data: Any) -> dict[str, Any]:
        conn = self.by_sid.get(sid)
        if conn is not None and (limited := conn.over_limit()) is not None:
            return _answer(limited)
        try:
            beat = Heartbeat.model_validate(data)
        except ValidationError as exc:
            return _answer(RelayError(code="invalid-message", message=str(exc)[:500]))
        if conn is not None and conn.device_id in self.revoked:
            return self._refuse_revoked(conn)
        if conn is not None and conn.ready and beat.vinted is not None and beat.vinted != conn.vinted:
            conn.vinted = beat.vinted
            await self._report_session(conn, beat.vinted)
        return _answer(HeartbeatAck(server_time=datetime.now(UTC)))

    async def on_session(self, sid: str, data: Any) -> None:
        conn = self.by_sid.get(sid)
        if conn is None or not conn.ready or await self._limited(conn):
            return
        try:
            conn.vinted = VintedSession.model_validate(data)
        except ValidationError:
            return
        await self._report_session(conn, conn.vinted)

    async def _report_session(self, conn: Connection, session: VintedSession) -> None:
        await self.publisher.publish(
            VintedSessionReported(tenant_id=conn.tenant_id, device_id=conn.device_id, session=session),
            conn.tenant_id,
        )

    async def on_progress(self, sid: str, data: Any) -> None:
        conn = self.by_sid.get(sid)
        if conn is None or await self._limited(conn):
            return
        with contextlib.suppress(ValidationError):
            if JobProgress.model_validate(data).job_id in conn.in_flight:
                self.metrics.progress.inc()

    async def _limited(self, conn: Connection) -> bool:
        """For messages without an ack: over the limit, the plugin is told with a ``relay.error`` event."""
        limited = conn.over_limit()
        if limited is not None:
            self.metrics.jobs.labels("rate_limited").inc()
            await self.sio.emit("relay.error", _answer(limited), to=conn.sid, namespace=NAMESPACE)
        return limited is not None

    async def on_result(self, sid: str, data: Any) -> dict[str, Any]:
        conn = self.by_sid.get(sid)
        if conn is None:
            return _answer(RelayError(code="not-ready", message="connect first"))
        try:
            result = JobResult.model_validate(data)
        except ValidationError as exc:
            conn.over_limit(result=True)  # a malformed message costs a token like any other
            return _answer(RelayError(code="invalid-message", message=str(exc)[:500]))
        if (limited := conn.over_limit(result=True, job_id=result.job_id)) is not None:
            self.metrics.jobs.labels("rate_limited").inc()
            return _answer(limited)
        if conn.device_id in self.revoked:
            self.metrics.jobs.labels("result_refused").inc()
            return self._refuse_revoked(conn, result.job_id)
        if self.delivered.get(result.job_id) != conn.device_id:
            self.metrics.jobs.labels("result_refused").inc()
            return _answer(ResultAck(job_id=result.job_id, accepted=False))

        async def publish() -> None:
            # Published before the ack: if the broker is away the plugin gets no ack and sends it again.
            completed = VintedJobCompleted(
                job_id=result.job_id,
                tenant_id=conn.tenant_id,
                device_id=conn.device_id,
                outcome=result.outcome,
                result_id=result.result_id,
                calls=result.calls,
                data=result.data,
                error=result.error,
                replayed=result.replayed,
            )
            with self.flows.within(result.job_id, "job.result"):
                await self.publisher.publish(completed, conn.tenant_id)

        if await self.results.publish_once(result_key(result), publish):
            self.metrics.jobs.labels(result.outcome).inc()
            for call in result.calls:
                self.metrics.vinted_calls.labels(str(call.status)).inc()
        else:
            self.metrics.jobs.labels("duplicate_result").inc()
        self._release(conn, result.job_id)
        return _answer(ResultAck(job_id=result.job_id, accepted=True))

    async def on_disconnect(self, sid: str, *_: Any) -> None:
        conn = self.by_sid.pop(sid, None)
        if conn is None:
            return
        self.metrics.connections.dec()
        if self.by_device.get(conn.device_id) is conn:
            del self.by_device[conn.device_id]
        if not conn.ready:
            return
        pending = [*conn.in_flight, *(w.job_id for w in conn.waiting)]
        event = PluginDisconnected(
            tenant_id=conn.tenant_id,
            device_id=conn.device_id,
            relay_instance=self.settings.instance_id,
            connection_id=conn.connection_id,
            reason="relay-draining" if self.draining else "socket-closed",
            in_flight=pending,
            disconnected_at=datetime.now(UTC),
        )
        try:
            await self.publisher.publish(event, conn.tenant_id)
        except Exception:
            logger.warning("could not report a disconnect", extra={"device_id": str(conn.device_id)})

    # --- lifecycle -------------------------------------------------------------------------------------

    async def _close(self, sid: str) -> None:
        with contextlib.suppress(Exception):
            await self.sio.disconnect(sid, namespace=NAMESPACE)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Refuse new sockets and jobs, let running jobs report for a while, then close every socket."""
        self.draining = True
        if self._channel is not None and self._consumer_tag is not None:
            with contextlib.suppress(Exception):
                queue = await self._channel.get_queue(self.queue_name, ensure=False)
                await queue.cancel(self._consumer_tag)
        deadline = asyncio.get_running_loop().time() + self.settings.drain_timeout_s
        while any(c.in_flight for c in self.by_sid.values()) and asyncio.get_running_loop().time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        for sid in list(self.by_sid):
            await self._close(sid)
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=5)
