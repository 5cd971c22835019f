"""The stand-in's whole world, in memory: Stripe objects by id, events, webhook endpoints and deliveries,
idempotent results, the request log and the faults asked for.

Everything runs on the server's one event loop and route code never awaits while it changes the world, so
no lock is needed.
"""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox_stripe.config import Settings
from sandbox_stripe.errors import no_such

_ALPHABET = string.ascii_letters + string.digits

# Kind of object by id prefix; the longest prefix wins (``cs_test_`` before ``cs_``).
KINDS: dict[str, str] = {
    "cus_": "customer",
    "prod_": "product",
    "price_": "price",
    "sub_": "subscription",
    "si_": "subscription_item",
    "in_": "invoice",
    "il_": "line_item",
    "ii_": "invoiceitem",
    "inpay_": "invoice_payment",
    "pi_": "payment_intent",
    "pm_": "payment_method",
    "ch_": "charge",
    "cs_test_": "checkout.session",
    "bps_": "billing_portal.session",
    "bpc_": "billing_portal.configuration",
    "evt_": "event",
    "we_": "webhook_endpoint",
}
# How a 404 names each kind (``No such customer: 'cus_x'``).
NAMES: dict[str, str] = {
    "customer": "customer",
    "product": "product",
    "price": "price",
    "subscription": "subscription",
    "subscription_item": "subscription item",
    "invoice": "invoice",
    "payment_intent": "payment_intent",
    "payment_method": "PaymentMethod",
    "charge": "charge",
    "checkout.session": "checkout.session",
    "billing_portal.session": "billing_portal.session",
    "event": "event",
    "webhook_endpoint": "webhook endpoint",
    "invoice_payment": "invoice_payment",
}
_LENGTHS = {"cus_": 14, "prod_": 14, "si_": 14, "req_": 14, "cs_test_": 58}


def new_id(prefix: str) -> str:
    length = _LENGTHS.get(prefix, 24)
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def kind_of(object_id: str) -> str | None:
    for prefix in sorted(KINDS, key=len, reverse=True):
        if object_id.startswith(prefix):
            return KINDS[prefix]
    return None


@dataclass
class Fault:
    """Answer ``status`` instead of the real thing, ``remaining`` times or until ``until``."""

    status: int
    remaining: int | None = None
    until: float | None = None
    path_prefix: str = "/v1"
    method: str | None = None
    message: str | None = None
    code: str | None = None
    should_retry: bool | None = None

    def active(self, now: float) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        return not (self.until is not None and now >= self.until)


@dataclass
class StoredResult:
    """The answer given to an ``Idempotency-Key``, replayed to any retry of the same request."""

    fingerprint: str
    method: str
    path: str
    status: int
    body: bytes
    request_id: str
    stripe_version: str
    created: float


@dataclass
class Endpoint:
    obj: dict[str, Any]
    secret: str

    @property
    def id(self) -> str:
        return str(self.obj["id"])

    def wants(self, event_type: str) -> bool:
        if self.obj.get("status") != "enabled":
            return False
        enabled: list[str] = self.obj.get("enabled_events", [])
        return "*" in enabled or event_type in enabled


@dataclass
class Attempt:
    at: float
    status: int | None
    error: str | None
    duration_ms: int

    def view(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "status_code": self.status,
            "error": self.error,
            "duration_ms": self.duration_ms,
        }


@dataclass
class Delivery:
    """One event on its way to one endpoint: attempts, retries, and where it stands.

    ``state``: ``pending`` (queued or waiting for a retry), ``held`` (deliveries are paused), ``succeeded``,
    ``failed`` (retries used up) or ``dropped`` (its endpoint was deleted or disabled).
    """

    id: str
    event_id: str
    endpoint_id: str
    created: float
    reason: str = "event"  # event | resend | ordered
    state: str = "pending"
    attempts: list[Attempt] = field(default_factory=list)
    next_attempt_at: float | None = None

    def view(self, event_type: str | None, url: str | None) -> dict[str, Any]:
        return {
            "id": self.id,
            "event": self.event_id,
            "type": event_type,
            "endpoint": self.endpoint_id,
            "url": url,
            "reason": self.reason,
            "state": self.state,
            "created": self.created,
            "next_attempt_at": self.next_attempt_at,
            "status_codes": [a.status for a in self.attempts],
            "attempts": [a.view() for a in self.attempts],
        }


class World:
    """Everything the stand-in knows."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.epoch = 0
        self.reset()

    def reset(self) -> None:
        self.epoch += 1
        self.objects: dict[str, dict[str, Any]] = {}
        self._seq: dict[str, int] = {}
        self._counter = 0
        self.events: dict[str, dict[str, Any]] = {}
        self.endpoints: dict[str, Endpoint] = {}
        self.deliveries: dict[str, Delivery] = {}
        self.outbox: list[str] = []
        self.idempotency: dict[str, StoredResult] = {}
        self.requests: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.portal_tokens: dict[str, str] = {}
        # Proration lines waiting for a subscription's next invoice.
        self.pending_items: dict[str, list[dict[str, Any]]] = {}
        # The PaymentIntent paying each invoice (retries reuse it).
        self.invoice_intents: dict[str, str] = {}
        # ``request`` of the events emitted while an API call runs: {"id", "idempotency_key"}.
        self.request_ctx: dict[str, Any] | None = None
        self.portal_configuration = new_id("bpc_")

    # --- objects -------------------------------------------------------------------------------------
    def now(self) -> int:
        return int(time.time())

    def put(self, obj: dict[str, Any]) -> dict[str, Any]:
        object_id = str(obj["id"])
        if object_id not in self._seq:
            self._counter += 1
            self._seq[object_id] = self._counter
        self.objects[object_id] = obj
        return obj

    def find(self, object_id: str, kind: str | None = None) -> dict[str, Any] | None:
        obj = self.objects.get(object_id)
        if obj is None or obj.get("deleted"):
            return None
        if kind is not None and obj.get("object") != kind:
            return None
        return obj

    def get(self, kind: str, object_id: str, param: str = "id") -> dict[str, Any]:
        """The object, or Stripe's 404 (``No such price: 'price_x'``)."""
        obj = self.find(object_id, kind)
        if obj is None:
            raise no_such(NAMES.get(kind, kind), object_id, param)
        return obj

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Objects of one kind, newest first (Stripe's list order)."""
        found = [o for o in self.objects.values() if o.get("object") == kind and not o.get("deleted")]
        return sorted(
            found, key=lambda o: (o.get("created", 0), self._seq.get(str(o["id"]), 0)), reverse=True
        )

    def seq(self, object_id: str) -> int:
        return self._seq.get(object_id, 0)

    # --- faults --------------------------------------------------------------------------------------
    def fault_for(self, method: str, path: str) -> Fault | None:
        """The first active fault matching the request (one of its count is used up)."""
        now = time.monotonic()
        self.faults = [f for f in self.faults if f.active(now)]
        for fault in self.faults:
            if path.startswith(fault.path_prefix) and (fault.method is None or fault.method == method):
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    # --- idempotency ---------------------------------------------------------------------------------
    def stored_result(self, key: str) -> StoredResult | None:
        found = self.idempotency.get(key)
        if found is not None and time.time() - found.created > 24 * 3600:
            del self.idempotency[key]
            return None
        return found
