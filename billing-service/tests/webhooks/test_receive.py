from __future__ import annotations

import json
import time
import uuid

from sandbox_stripe.webhooks import signature_header
from vitrine_kit.testing.helpers import eventually


def event(event_type: str = "customer.created", **obj) -> dict:
    return {
        "id": f"evt_test_{uuid.uuid4().hex}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": {"id": f"obj_{uuid.uuid4().hex[:10]}", **obj}},
    }


async def deliver(
    app, body: dict | bytes, *, secret: str | None = None, at: int | None = None, header: str | None = None
):
    """POST ``body`` signed as Stripe signs it (with billing's secret unless told otherwise)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    secret = secret or app.context.settings.stripe_webhook_secret.get_secret_value()
    signature = header if header is not None else signature_header(secret, raw, at)
    return await app.client.post(
        "/webhooks/stripe",
        content=raw,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )


class TestReceive:
    async def test_a_bad_signature_is_refused_and_named(self, app) -> None:
        body = event()
        response = await deliver(app, body, secret="whsec_someone_else")
        assert response.status_code == 400
        assert response.json()["type"].endswith("/invalid-stripe-signature")
        assert body["id"] not in {e.id for e in await app.stripe_events()}

    async def test_a_missing_signature_is_refused(self, app) -> None:
        response = await deliver(app, event(), header="")
        assert response.status_code == 400
        assert response.json()["type"].endswith("/invalid-stripe-signature")

    async def test_an_old_signature_is_refused(self, app) -> None:
        response = await deliver(app, event(), at=int(time.time()) - 301)
        assert response.status_code == 400

    async def test_a_changed_body_is_refused(self, app) -> None:
        raw = json.dumps(event()).encode()
        signature = signature_header(app.context.settings.stripe_webhook_secret.get_secret_value(), raw)
        response = await deliver(app, raw.replace(b"customer.created", b"customer.updated"), header=signature)
        assert response.status_code == 400

    async def test_a_signed_body_that_is_no_event(self, app) -> None:
        response = await deliver(app, {"hello": "world"})
        assert response.status_code == 400
        assert response.json()["type"].endswith("/invalid-webhook-payload")

    async def test_an_event_is_stored_once(self, app) -> None:
        body = event("invoice.paid", customer="cus_not_ours_1", lines={"data": []})
        first = await deliver(app, body)
        again = await deliver(app, body)
        assert first.status_code == again.status_code == 200
        assert (first.json()["duplicate"], again.json()["duplicate"]) == (False, True)
        stored = [e for e in await app.stripe_events() if e.id == body["id"]]
        assert len(stored) == 1

    async def test_a_type_billing_does_not_handle_is_kept_as_ignored(self, app) -> None:
        body = event("customer.created")
        assert (await deliver(app, body)).status_code == 200
        stored = next(e for e in await app.stripe_events() if e.id == body["id"])
        assert stored.status == "ignored"

    async def test_an_event_of_a_customer_not_ours_is_recorded_and_ignored(self, app, standin) -> None:
        # A customer made at Stripe by someone else: no account, no tenant in its metadata.
        created = await standin.post(
            "/v1/customers", data={"email": "x@example.com"}, headers={"Authorization": "Bearer sk_test_x"}
        )
        body = event("invoice.paid", customer=created.json()["id"], lines={"data": []})
        assert (await deliver(app, body)).status_code == 200

        async def settled():
            stored = next(e for e in await app.stripe_events() if e.id == body["id"])
            return stored if stored.status != "pending" else None

        stored = await eventually(settled)
        assert stored.status == "ignored"
        assert stored.outcome == "not a customer of ours"
