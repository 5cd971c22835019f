"""The plugin's socket: connect to relay-service, hello, heartbeats, acks of ``job.deliver``, results resent
until acked (``contracts/relay/README.md``). Switches simulate trouble: ``disconnect_mid_job`` (drop the
socket after the job's write, before the result), ``ack_delay_s`` (answer job.deliver late),
``duplicate_results`` (send every result twice)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import socketio
from pydantic import ValidationError
from vitrine_contracts.relay.v1 import (
    NAMESPACE,
    PROTOCOL_VERSION,
    SOCKETIO_PATH,
    ConnectAuth,
    Heartbeat,
    Hello,
    JobAck,
    JobDeliver,
    JobError,
    JobKind,
    JobResult,
    RelayError,
)

from sandbox_vinted.plugin.jobs import JobRunner
from sandbox_vinted.plugin.state import Journal, PluginState, Switches
from sandbox_vinted.plugin.tab import CALLS, VintedFailure, VintedTab

logger = logging.getLogger("sandbox_vinted.plugin")
RESEND_EVERY_S = 0.5
RESENDS = 30


def relay_error(ack: Any) -> RelayError | None:
    """The relay's refusal when ``ack`` is one (it carries a ``code``), else None."""
    if isinstance(ack, dict) and "code" in ack:
        with contextlib.suppress(ValidationError):
            return RelayError.model_validate(ack)
    return None


class PluginStandIn:
    """One paired plugin: a Socket.IO client to the relay and a Vinted tab."""

    def __init__(
        self,
        relay_url: str,
        token: str,
        tab: VintedTab,
        *,
        switches: Switches | None = None,
        version: str = "sandbox-0.1",
    ) -> None:
        self.relay_url = relay_url
        self.token = token
        self.tab = tab
        self.switches = switches or Switches()
        self.version = version
        self.state = PluginState()
        self.runner = JobRunner(tab)
        self.sio = socketio.AsyncClient(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=2)
        self.running: dict[uuid.UUID, asyncio.Task[None]] = {}
        self.delivered: list[JobDeliver] = []
        self.welcome: dict[str, Any] | None = None
        self.refused: Any = None
        self.connected = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closing = False
        self._beating = False
        self.sio.on("connect", self._on_connect, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self.sio.on("connect_error", self._on_connect_error, namespace=NAMESPACE)
        self.sio.on("job.deliver", self._on_job, namespace=NAMESPACE)
        self.sio.on("relay.error", self._on_relay_error, namespace=NAMESPACE)

    # The state under the names tests and the fleet's end-to-end tests read.
    @property
    def journal(self) -> Journal:
        return self.state.journal

    @property
    def unacked(self) -> dict[uuid.UUID, JobResult]:
        return self.state.unacked

    @property
    def vinted_calls(self) -> int:
        return self.state.vinted_calls

    @property
    def _interrupted(self) -> set[uuid.UUID]:
        return self.state.interrupted

    @property
    def photos_http(self) -> httpx.AsyncClient | None:
        return self.runner.photos_http

    @photos_http.setter
    def photos_http(self, client: httpx.AsyncClient | None) -> None:
        self.runner.photos_http = client  # tests fetch photos from an in-process app

    async def start(self, timeout: float = 10.0) -> None:
        auth = ConnectAuth(token=self.token, protocol_version=PROTOCOL_VERSION).model_dump()
        await self.sio.connect(
            self.relay_url,
            namespaces=[NAMESPACE],
            auth=auth,
            transports=["websocket"],
            socketio_path=SOCKETIO_PATH,
            wait_timeout=timeout,
        )
        await asyncio.wait_for(self.connected.wait(), timeout)
        if not self._beating:
            self._beating = True
            self._spawn(self._heartbeats())

    async def stop(self) -> None:
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        await self.sio.disconnect()
        await self.tab.http.aclose()

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _on_connect(self) -> None:
        self._spawn(self._hello())

    async def _hello(self) -> None:
        hello = Hello(
            plugin_version=self.version,
            capabilities=[k.value for k in JobKind],
            vinted=await self.tab.session(),
        )
        ack = await self.sio.call(
            "plugin.hello", hello.model_dump(mode="json"), namespace=NAMESPACE, timeout=10
        )
        if (error := relay_error(ack)) is not None:
            self.refused = error.model_dump(mode="json")
            logger.warning("relay refused the hello: %s", error.message)
            return
        self.welcome = ack
        self.connected.set()
        for result in list(self.state.unacked.values()):  # results the last connection never acked
            self._spawn(self._send_result(result))

    async def _on_disconnect(self, *_: Any) -> None:
        self.connected.clear()

    async def _on_connect_error(self, data: Any) -> None:
        self.refused = data.get("data", data) if isinstance(data, dict) else data
        logger.warning("relay refused the connection: %s", data)

    async def _on_relay_error(self, data: Any) -> None:
        logger.warning("relay error: %s", data)

    async def _heartbeats(self) -> None:
        while True:
            interval = float((self.welcome or {}).get("heartbeat_interval_s", 15))
            await asyncio.sleep(interval)
            if self.sio.connected and self.connected.is_set():
                beat = Heartbeat(sent_at=datetime.now(UTC), in_flight=list(self.running))
                with contextlib.suppress(Exception):
                    await self.sio.call(
                        "plugin.heartbeat", beat.model_dump(mode="json"), namespace=NAMESPACE, timeout=5
                    )

    async def _on_job(self, data: dict[str, Any]) -> dict[str, Any]:
        job = JobDeliver.model_validate(data)
        self.delivered.append(job)
        if self.switches.ack_delay_s:
            await asyncio.sleep(self.switches.ack_delay_s)
        if job.kind.value in self.switches.refuse_kinds:
            return JobAck(job_id=job.job_id, accepted=False, reason="unsupported").model_dump(mode="json")
        replay = self.state.journal.replay(job.job_id)
        if replay is not None:  # ran before: answer from the journal, never call Vinted again
            self._spawn(self._send_result(replay))
        elif job.job_id not in self.running:
            self.running[job.job_id] = self._spawn(self._run(job))
        return JobAck(job_id=job.job_id, accepted=True).model_dump(mode="json")

    async def _run(self, job: JobDeliver) -> None:
        CALLS.set([])
        outcome: dict[str, Any]
        try:
            data = await self.runner.run(job.kind, job.params)
            outcome = {"outcome": "succeeded", "data": data.model_dump(mode="json")}
        except VintedFailure as failure:
            outcome = {"outcome": "failed", "error": failure.error}
        except Exception as exc:
            logger.exception("job crashed")
            outcome = {"outcome": "failed", "error": JobError(code="plugin_error", message=repr(exc))}
        result = JobResult(
            job_id=job.job_id,
            result_id=uuid.uuid4(),
            calls=self.tab.calls,
            finished_at=datetime.now(UTC),
            **outcome,
        )
        self.state.vinted_calls += len(result.calls)
        self.state.journal.record(result)
        self.running.pop(job.job_id, None)
        if job.kind.value in self.switches.disconnect_mid_job and job.job_id not in self.state.interrupted:
            self.state.interrupted.add(job.job_id)
            self.state.unacked[job.job_id] = result
            await self._bounce()
            return
        await self._send_result(result)
        if self.switches.duplicate_results:
            await self._send_result(result)

    async def _bounce(self) -> None:
        """Drop the socket with the result unsent, and come back (as a tab reload would)."""
        await self.sio.disconnect()
        await asyncio.sleep(self.switches.reconnect_after_s)
        self.connected.clear()
        await self.start()

    async def _send_result(self, result: JobResult) -> None:
        self.state.unacked[result.job_id] = result
        for _ in range(RESENDS):
            if self._closing:
                return
            wait = RESEND_EVERY_S
            if self.sio.connected and self.connected.is_set():
                try:
                    ack = await self.sio.call(
                        "job.result", result.model_dump(mode="json"), namespace=NAMESPACE, timeout=10
                    )
                except Exception:
                    logger.info("result not acked yet; will resend", extra={"job_id": str(result.job_id)})
                else:
                    error = relay_error(ack)
                    if error is None or error.code == "revoked":
                        self.state.unacked.pop(result.job_id, None)
                        return
                    wait = max(wait, error.retry_after_s or 0.0)  # rate-limited: as the relay asks
            await asyncio.sleep(wait)
