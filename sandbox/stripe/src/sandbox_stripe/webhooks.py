"""Webhook deliveries: signed as Stripe signs them, sent after the call that caused them, retried with backoff.

Each endpoint has one worker sending its first attempts in the order events happened; a failed attempt is
queued again after its delay, behind what came meanwhile (so a retried event can arrive after newer ones,
as with Stripe). While deliveries are paused, new ones are held; resuming sends the held ones in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import httpx

from sandbox_stripe.events import payload, queue_delivery
from sandbox_stripe.state import Attempt, Delivery, World

log = logging.getLogger("sandbox_stripe.webhooks")
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """``t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the whole whsec_… secret>``."""
    ts = int(time.time()) if timestamp is None else timestamp
    signed = f"{ts}.".encode() + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"t={ts},v1={digest}"


class Dispatcher:
    def __init__(self, world: World) -> None:
        self.world = world
        self.paused = False
        self._queues: dict[str, asyncio.Queue[str]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._timers: set[asyncio.TimerHandle] = set()
        self._client: httpx.AsyncClient | None = None
        self._in_flight = 0
        self._idle: asyncio.Event | None = None

    # --- queueing --------------------------------------------------------------------------------------
    def flush(self) -> None:
        """Send what the world's outbox holds (called once the response that caused it is on its way)."""
        ids, self.world.outbox = self.world.outbox, []
        for delivery_id in ids:
            self.submit(delivery_id)

    async def flush_async(self) -> None:
        self.flush()

    def submit(self, delivery_id: str) -> None:
        delivery = self.world.deliveries.get(delivery_id)
        if delivery is None or delivery.state in ("succeeded", "failed", "dropped"):
            return
        if self.paused:
            delivery.state = "held"
            return
        delivery.state = "pending"
        self._queue(delivery.endpoint_id).put_nowait(delivery_id)

    def _queue(self, endpoint_id: str) -> asyncio.Queue[str]:
        queue = self._queues.get(endpoint_id)
        if queue is None:
            queue = self._queues[endpoint_id] = asyncio.Queue()
            self._workers[endpoint_id] = asyncio.get_running_loop().create_task(
                self._work(endpoint_id, queue), name=f"webhooks-{endpoint_id}"
            )
        return queue

    async def _work(self, endpoint_id: str, queue: asyncio.Queue[str]) -> None:
        while True:
            delivery_id = await queue.get()
            delivery = self.world.deliveries.get(delivery_id)
            if delivery is None or delivery.state != "pending":
                continue
            if self.paused:
                delivery.state = "held"
                continue
            try:
                await self.attempt(delivery)
            except Exception:  # a worker must outlive any one delivery
                log.exception("delivery %s failed unexpectedly", delivery_id)

    # --- sending ---------------------------------------------------------------------------------------
    async def attempt(self, delivery: Delivery) -> int | None:
        """One attempt; on failure a retry is scheduled while retries remain. Returns the status code."""
        world = self.world
        endpoint = world.endpoints.get(delivery.endpoint_id)
        event = world.events.get(delivery.event_id)
        if endpoint is None or event is None or endpoint.obj.get("status") != "enabled":
            delivery.state = "dropped"
            return None
        epoch = world.epoch
        body = json.dumps(payload(world, delivery), indent=2).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Stripe-Signature": signature_header(endpoint.secret, body),
            "Accept": "*/*; q=0.5, application/xml",
            "Cache-Control": "no-cache",
        }
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        self._in_flight += 1
        self._idle_event().clear()
        try:
            response = await self._http().post(
                str(endpoint.obj["url"]),
                content=body,
                headers=headers,
                timeout=world.settings.webhook_timeout_s,
            )
            status = response.status_code
        except httpx.TimeoutException:
            error = "timeout"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle_event().set()
        if world.epoch != epoch:  # the world was reset meanwhile
            return status
        delivery.attempts.append(
            Attempt(time.time(), status, error, int((time.monotonic() - started) * 1000))
        )
        if status is not None and 200 <= status < 300:
            delivery.state = "succeeded"
            delivery.next_attempt_at = None
            event["pending_webhooks"] = max(0, int(event["pending_webhooks"]) - 1)
            return status
        delays = world.settings.webhook_retry_delays_s
        failures = len(delivery.attempts)
        if failures > len(delays):
            delivery.state = "failed"
            delivery.next_attempt_at = None
            return status
        delay = delays[failures - 1]
        delivery.state = "pending"
        delivery.next_attempt_at = time.time() + delay
        loop = asyncio.get_running_loop()
        self._timers = {t for t in self._timers if not t.cancelled() and t.when() > loop.time()}
        self._timers.add(loop.call_later(delay, self._retry, delivery.id, epoch))
        return status

    def _retry(self, delivery_id: str, epoch: int) -> None:
        if epoch != self.world.epoch:
            return
        delivery = self.world.deliveries.get(delivery_id)
        if delivery is not None and delivery.state == "pending":
            delivery.next_attempt_at = None
            self.submit(delivery_id)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient()
        return self._client

    # --- control ---------------------------------------------------------------------------------------
    def pause(self) -> None:
        self.paused = True

    def resume(self) -> int:
        """Send the held deliveries, oldest first; returns how many."""
        self.paused = False
        held = sorted(
            (d for d in self.world.deliveries.values() if d.state == "held"), key=lambda d: d.created
        )
        for delivery in held:
            delivery.state = "pending"
            self._queue(delivery.endpoint_id).put_nowait(delivery.id)
        return len(held)

    def resend(self, event_id: str, endpoint_ids: list[str]) -> list[Delivery]:
        made = [queue_delivery(self.world, event_id, e, reason="resend") for e in endpoint_ids]
        self.flush()
        return made

    async def deliver_in_order(self, event_ids: list[str], endpoint_ids: list[str]) -> list[dict[str, Any]]:
        """Send these events now, one after the other, in this order (held deliveries of them are used up).

        Each gets one attempt here, awaited before the next; a failure is retried as usual.
        """
        results: list[dict[str, Any]] = []
        for event_id in event_ids:
            for endpoint_id in endpoint_ids:
                delivery = next(
                    (
                        d
                        for d in self.world.deliveries.values()
                        if d.event_id == event_id and d.endpoint_id == endpoint_id and d.state == "held"
                    ),
                    None,
                )
                if delivery is None:
                    delivery = queue_delivery(self.world, event_id, endpoint_id, reason="ordered")
                    self.world.outbox.remove(delivery.id)
                delivery.state = "pending"
                status = await self.attempt(delivery)
                results.append(
                    {
                        "event": event_id,
                        "endpoint": endpoint_id,
                        "delivery": delivery.id,
                        "status_code": status,
                    }
                )
        return results

    def reset(self) -> None:
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        self.paused = False

    async def settle(self) -> None:
        """Wait for the attempts on the wire to end (after a reset: nothing from before arrives later)."""
        if self._in_flight:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle_event().wait(), self.world.settings.webhook_timeout_s + 1)

    def _idle_event(self) -> asyncio.Event:
        if self._idle is None:
            self._idle = asyncio.Event()
            self._idle.set()
        return self._idle

    async def stop(self) -> None:
        self.reset()
        for task in self._workers.values():
            task.cancel()
        for task in self._workers.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._workers.clear()
        self._queues.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
