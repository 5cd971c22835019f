"""Deliveries: retries with backoff, the delivery log, resending, pausing, and a chosen order."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import stripe

Receiver = Any  # the ``receiver`` fixture (conftest)


def customer_events(client: stripe.StripeClient, control: httpx.Client) -> tuple[str, str]:
    """A customer created then updated: returns (created event id, updated event id)."""
    customer = client.v1.customers.create({"email": "ann@example.com"})
    client.v1.customers.update(customer.id, {"name": "Ann"})
    events = control.get("/sandbox/events", params={"type": "customer.*"}).json()
    by_type = {e["type"]: e["id"] for e in events}
    return by_type["customer.created"], by_type["customer.updated"]


def test_failed_deliveries_are_retried_with_backoff(
    client: stripe.StripeClient, control: httpx.Client, receiver: Receiver
) -> None:
    receiver.script = [500, 503]
    client.v1.customers.create({"email": "ann@example.com"})
    receiver.wait_types("customer.created")
    hits = receiver.hits("/hooks")
    assert [h["status"] for h in hits] == [500, 503, 200]
    bodies = {json.loads(h["body"])["id"] for h in hits}
    assert len(bodies) == 1  # the same event each time, signed anew
    delivery = control.get("/sandbox/deliveries").json()[0]
    assert delivery["state"] == "succeeded"
    assert delivery["status_codes"] == [500, 503, 200]
    assert delivery["type"] == "customer.created"
    event = client.v1.events.retrieve(delivery["event"])
    assert event.pending_webhooks == 0

    # Retries are bounded: three failures in a row and the delivery is given up.
    receiver.clear()
    receiver.script = [500, 500, 500]
    client.v1.customers.create({"email": "bob@example.com"})
    receiver.wait(lambda: len(receiver.hits("/hooks")) == 3)
    time.sleep(0.3)
    assert len(receiver.hits("/hooks")) == 3
    failed = control.get("/sandbox/deliveries", params={"state": "failed"}).json()
    assert len(failed) == 1
    assert failed[0]["status_codes"] == [500, 500, 500]
    pending = client.v1.events.list({"delivery_success": False})
    assert [e.id for e in pending.data] == [failed[0]["event"]]


def test_slow_endpoint_times_out_and_is_retried(
    client: stripe.StripeClient, control: httpx.Client, receiver: Receiver
) -> None:
    receiver.delay_s = 2.5  # longer than the stand-in's 2 s timeout in these tests
    client.v1.customers.create({"email": "slow@example.com"})
    receiver.wait(lambda: len(receiver.hits("/hooks")) >= 1)
    receiver.delay_s = 0.0
    receiver.wait(lambda: control.get("/sandbox/deliveries").json()[0]["state"] == "succeeded", timeout=10)
    attempts = control.get("/sandbox/deliveries").json()[0]["attempts"]
    assert attempts[0]["error"] == "timeout"
    assert attempts[0]["status_code"] is None
    assert attempts[-1]["status_code"] == 200


def test_resend_an_event(client: stripe.StripeClient, control: httpx.Client, receiver: Receiver) -> None:
    created, _ = customer_events(client, control)
    receiver.wait_types("customer.created", "customer.updated")
    sent = control.post(f"/sandbox/events/{created}/resend")
    assert sent.status_code == 200
    assert sent.json()[0]["reason"] == "resend"
    receiver.wait_types("customer.created", "customer.created", "customer.updated")
    ids = [e.id for e in receiver.events()]
    assert ids.count(created) == 2
    assert control.post("/sandbox/events/evt_missing/resend").status_code == 404


def test_out_of_order_delivery(
    client: stripe.StripeClient, control: httpx.Client, receiver: Receiver
) -> None:
    assert control.post("/sandbox/deliveries/pause").json() == {"paused": True}
    created, updated = customer_events(client, control)
    time.sleep(0.2)
    assert receiver.hits() == []
    held = control.get("/sandbox/deliveries", params={"state": "held"}).json()
    assert {d["event"] for d in held} == {created, updated}

    results = control.post("/sandbox/events/deliver", json={"event_ids": [updated, created]}).json()
    assert [(r["event"], r["status_code"]) for r in results] == [(updated, 200), (created, 200)]
    assert [e.id for e in receiver.events()] == [updated, created]

    # What was held for them is used up; anything else held goes out on resume.
    client.v1.customers.create({"email": "third@example.com"})
    released = control.post("/sandbox/deliveries/resume").json()
    assert released == {"paused": False, "released": 1}
    receiver.wait_types("customer.updated", "customer.created", "customer.created")
    assert len(receiver.hits()) == 3


def test_events_api(client: stripe.StripeClient, control: httpx.Client, receiver: Receiver) -> None:
    created, updated = customer_events(client, control)
    event = client.v1.events.retrieve(updated)
    assert event.type == "customer.updated"
    assert event.data.previous_attributes is not None
    assert event.data.previous_attributes["name"] is None
    assert event.request is not None
    assert event.request.id is not None
    listed = client.v1.events.list({"types": ["customer.created"]})
    assert [e.id for e in listed.data] == [created]
    assert [e.id for e in client.v1.events.list({"type": "customer.*"}).data] == [updated, created]
