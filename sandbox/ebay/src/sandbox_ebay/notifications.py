"""Notification API pushes: ``ORDER_CONFIRMATION`` sent to the destination when a buyer completes checkout.

As eBay does for that topic: one notification per line item, JSON, signed in ``X-EBAY-SIGNATURE`` (ECDSA/SHA-1,
the same scheme as the account-deletion notices), the payload naming the order (the subscriber reads the
order through the Fulfillment API). A delivery not answered 2xx is tried again a few times.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from sandbox_ebay.state import World, iso

logger = logging.getLogger(__name__)
ORDER_CONFIRMATION = "ORDER_CONFIRMATION"
KEEP = 5_000


@dataclass
class Sent:
    """One notification as it was signed, and what its deliveries got back."""

    topic: str
    body: str
    headers: dict[str, str]
    created_at: float
    deliveries: list[dict[str, Any]] = field(default_factory=list)


class Notifier:
    """The app's destination (``None``: nothing is pushed) and every notification produced."""

    def __init__(
        self,
        destination: str | None = None,
        *,
        retries: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.destination = destination
        self.lose = False  # every push recorded but never delivered (a subscriber down, a network fault)
        self.retries = retries
        self._transport = transport
        self._lock = threading.Lock()
        self.sent: list[Sent] = []
        self._tasks: set[asyncio.Task[int | None]] = set()

    def order_confirmations(self, world: World, order: dict[str, Any]) -> list[Sent]:
        """The signed ORDER_CONFIRMATION notifications of a new order, one per line item."""
        seller = world.sellers_by_name(str(order["sellerId"]))
        out = []
        for line in order.get("lineItems", []):
            now = iso()
            message = {
                "metadata": {"topic": ORDER_CONFIRMATION, "schemaVersion": "1.0", "deprecated": False},
                "notification": {
                    "notificationId": str(uuid.uuid4()),
                    "eventDate": order.get("creationDate", now),
                    "publishDate": now,
                    "publishAttemptCount": 1,
                    "data": {
                        "orderId": order["orderId"],
                        "lineItemId": line["lineItemId"],
                        "legacyItemId": line["legacyItemId"],
                        "sellerUserId": seller.user_id,
                        "sellerUsername": seller.username,
                    },
                },
            }
            raw = json.dumps(message, separators=(",", ":")).encode()
            headers = {"X-EBAY-SIGNATURE": world.signer.header(raw), "Content-Type": "application/json"}
            sent = Sent(ORDER_CONFIRMATION, raw.decode(), headers, time.time())
            with self._lock:
                self.sent.append(sent)
                if len(self.sent) > KEEP:
                    del self.sent[: KEEP // 5]
            out.append(sent)
        return out

    def push(self, notifications: list[Sent]) -> None:
        """Deliver in the background (the buyer's checkout does not wait for the seller's endpoint)."""
        if not self.destination:
            return
        for sent in notifications:
            if self.lose:
                sent.deliveries.append(
                    {"url": self.destination, "status": None, "at": time.time(), "lost": True}
                )
                continue
            task = asyncio.get_running_loop().create_task(self.deliver(sent, self.destination))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def deliver(self, sent: Sent, url: str) -> int | None:
        """POST ``sent`` to ``url``; tried again (0.2 s, 0.4 s…) until a 2xx or the retries are used up."""
        status: int | None = None
        async with httpx.AsyncClient(timeout=10, transport=self._transport) as client:
            for attempt in range(1, self.retries + 1):
                try:
                    response = await client.post(url, content=sent.body.encode(), headers=sent.headers)
                    status = response.status_code
                except httpx.HTTPError as exc:
                    status = None
                    logger.warning("notification delivery failed: %s", exc)
                sent.deliveries.append({"url": url, "status": status, "at": time.time(), "attempt": attempt})
                if status is not None and 200 <= status < 300:
                    return status
                if status is not None and 400 <= status < 500 and status != 429:
                    return status  # refused (a bad signature): sending the same bytes again cannot help
                await asyncio.sleep(0.2 * attempt)
        return status

    async def drain(self) -> None:
        """Wait for the deliveries under way (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def view(self, topic: str | None = None, order_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            found = list(self.sent)
        out = []
        for sent in found:
            data = json.loads(sent.body)["notification"]["data"]
            if (topic is None or sent.topic == topic) and (
                order_id is None or data.get("orderId") == order_id
            ):
                out.append(
                    {
                        "topic": sent.topic,
                        "body": sent.body,
                        "headers": sent.headers,
                        "deliveries": sent.deliveries,
                    }
                )
        return out

    def reset(self) -> None:
        with self._lock:
            self.sent.clear()
