"""Checkout as a customer goes through it — the hosted page, or the control API — and the signed webhooks
a service receives."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import stripe

SECRET = "whsec_local_sandbox_secret"
Receiver = Any  # the ``receiver`` fixture (conftest): sandbox_stripe.testing.WebhookReceiver + events()


def plan(
    client: stripe.StripeClient, key: str = "pro_monthly", amount: int = 1900, name: str = "Pro"
) -> stripe.Price:
    return client.v1.prices.create(
        {
            "currency": "eur",
            "unit_amount": amount,
            "recurring": {"interval": "month"},
            "product_data": {"name": name},
            "lookup_key": key,
        }
    )


def subscription_session(client: stripe.StripeClient, price: stripe.Price) -> stripe.checkout.Session:
    customer = client.v1.customers.create({"email": "ann@example.com", "metadata": {"tenant_id": "t-1"}})
    return client.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "customer": customer.id,
            "client_reference_id": "t-1",
            "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": "https://app.example/billing/success?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://app.example/billing/cancel",
            "metadata": {"tenant_id": "t-1", "kind": "plan"},
            "subscription_data": {"metadata": {"tenant_id": "t-1", "plan": "pro"}},
        }
    )


def test_subscription_checkout_through_the_page(
    client: stripe.StripeClient, control: httpx.Client, receiver: Receiver
) -> None:
    price = plan(client)
    session = subscription_session(client, price)
    assert session.id.startswith("cs_test_")
    assert session.status == "open"
    assert session.payment_status == "unpaid"
    assert session.subscription is None
    assert session.url is not None
    assert session.url.startswith(str(control.base_url))
    assert session.amount_total == 1900

    shown = control.get(urlparse(session.url).path)
    assert shown.status_code == 200
    assert "Pro" in shown.text
    assert "€19.00" in shown.text

    declined = control.post(urlparse(session.url).path, data={"outcome": "declined"})
    assert declined.status_code == 402
    assert "Your card was declined." in declined.text
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"

    paid = control.post(urlparse(session.url).path, data={"outcome": "paid", "name": "Ann A."})
    assert paid.status_code == 303
    target = urlparse(paid.headers["location"])
    assert target.netloc == "app.example"
    assert parse_qs(target.query)["session_id"] == [session.id]

    done = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["subscription"]})
    assert done.status == "complete"
    assert done.payment_status == "paid"
    assert done.url is None
    sub = done.subscription
    assert isinstance(sub, stripe.Subscription)
    assert sub.status == "active"
    assert sub.metadata.to_dict() == {"tenant_id": "t-1", "plan": "pro"}
    item = sub["items"].data[0]
    assert item.price.id == price.id
    assert item.current_period_end > item.current_period_start
    invoice = client.v1.invoices.retrieve(str(sub.latest_invoice), {"expand": ["payments"]})
    assert invoice.status == "paid"
    assert invoice.billing_reason == "subscription_create"
    assert invoice.amount_paid == 1900
    assert invoice.parent is not None
    assert invoice.parent.subscription_details is not None
    assert invoice.parent.subscription_details.subscription == sub.id
    assert invoice.lines.data[0].pricing.price_details.price == price.id  # type: ignore[union-attr]
    assert invoice.payments.data[0].payment.payment_intent is not None  # type: ignore[union-attr]

    types = receiver.wait_types(
        "customer.subscription.created",
        "invoice.paid",
        "invoice.payment_succeeded",
        "checkout.session.completed",
    )
    assert types.index("customer.subscription.created") < types.index("invoice.paid")
    assert types[-1] == "checkout.session.completed"
    events = {e.type: e for e in receiver.events()}
    completed = events["checkout.session.completed"]
    assert completed.id.startswith("evt_")
    assert completed.api_version == "2026-10-28.endive"
    assert completed.livemode is False
    data = completed.data.object
    assert data["client_reference_id"] == "t-1"
    assert data["customer"] == done.customer
    assert data["subscription"] == sub.id
    assert data["metadata"]["tenant_id"] == "t-1"
    created = events["customer.subscription.created"].data.object
    assert created["metadata"]["tenant_id"] == "t-1"
    hit = receiver.hits()[0]
    assert hit["headers"]["Content-Type"].startswith("application/json")
    assert hit["headers"]["Stripe-Signature"].startswith("t=")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(hit["body"], hit["headers"]["Stripe-Signature"], "whsec_wrong")
    # Events caused by an API call name it; the customer's own clicks do not.
    customer_created = next(
        e for e in control.get("/sandbox/events").json() if e["type"] == "customer.created"
    )
    assert customer_created["request"]["id"].startswith("req_")
    assert customer_created["request"]["idempotency_key"]
    assert completed.request is not None
    assert completed.request.id is None

    again = control.post(urlparse(session.url).path, data={"outcome": "paid"})
    assert again.status_code == 409


def test_subscription_checkout_through_the_control_api(
    client: stripe.StripeClient, control: httpx.Client, receiver: Receiver
) -> None:
    price = plan(client)
    session = client.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "customer_email": "new@example.com",
            "client_reference_id": "t-2",
            "line_items": [{"price": price.id, "quantity": 2}],
            "success_url": "https://app.example/ok",
        }
    )
    refused = control.post(f"/sandbox/checkout_sessions/{session.id}/complete", json={"outcome": "declined"})
    assert refused.status_code == 402
    assert refused.json()["error"]["code"] == "card_declined"
    done = control.post(f"/sandbox/checkout_sessions/{session.id}/complete", json={"outcome": "paid"})
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "complete"
    assert body["customer"].startswith("cus_")
    customer = client.v1.customers.retrieve(body["customer"])
    assert customer.email == "new@example.com"
    sub = client.v1.subscriptions.retrieve(body["subscription"])
    assert sub["items"].data[0].quantity == 2
    invoice = client.v1.invoices.retrieve(str(sub.latest_invoice))
    assert invoice.amount_paid == 3800
    receiver.wait_types("customer.created", "checkout.session.completed", "invoice.paid")
    for event in receiver.events():
        assert event.pending_webhooks >= 0
        assert event.object == "event"


def test_payment_mode_checkout(
    client: stripe.StripeClient, control: httpx.Client, receiver: Receiver
) -> None:
    pack = client.v1.prices.create(
        {
            "currency": "eur",
            "unit_amount": 500,
            "product_data": {"name": "100 AI credits"},
            "lookup_key": "credits_100",
        }
    )
    assert pack.type == "one_time"
    with pytest.raises(stripe.InvalidRequestError) as wrong:
        client.v1.checkout.sessions.create(
            {
                "mode": "subscription",
                "line_items": [{"price": pack.id, "quantity": 1}],
                "success_url": "https://app.example/ok",
            }
        )
    assert wrong.value.param == "line_items"
    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "client_reference_id": "t-1",
            "line_items": [{"price": pack.id, "quantity": 3}],
            "success_url": "https://app.example/ok?cs={CHECKOUT_SESSION_ID}",
            "payment_intent_data": {"metadata": {"tenant_id": "t-1", "credits": "300"}},
            "metadata": {"tenant_id": "t-1"},
        }
    )
    assert session.customer_creation == "if_required"
    path = urlparse(str(session.url)).path
    assert control.post(path, data={"outcome": "declined"}).status_code == 402
    paid = control.post(path, data={"outcome": "paid", "email": "guest@example.com"})
    assert paid.status_code == 303
    assert paid.headers["location"] == f"https://app.example/ok?cs={session.id}"
    done = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent"]})
    assert done.payment_status == "paid"
    assert done.customer is None  # a guest: no customer unless customer_creation=always
    assert done.customer_details is not None
    assert done.customer_details.email == "guest@example.com"
    intent = done.payment_intent
    assert isinstance(intent, stripe.PaymentIntent)
    assert intent.status == "succeeded"
    assert intent.amount == 1500
    assert intent.metadata.to_dict() == {"tenant_id": "t-1", "credits": "300"}
    types = receiver.wait_types(
        "payment_intent.payment_failed", "payment_intent.succeeded", "checkout.session.completed"
    )
    assert types.index("payment_intent.payment_failed") < types.index("payment_intent.succeeded")
    assert "customer.subscription.created" not in types


def test_expired_session(client: stripe.StripeClient, control: httpx.Client, receiver: Receiver) -> None:
    price = plan(client)
    session = subscription_session(client, price)
    expired = client.v1.checkout.sessions.expire(session.id)
    assert expired.status == "expired"
    assert expired.url is None
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)
    page = control.get(f"/c/pay/{session.id}")
    assert "expired" in page.text
    receiver.wait_types("checkout.session.expired")
    listed = client.v1.checkout.sessions.list({"status": "expired"})
    assert [s.id for s in listed.data] == [session.id]


def test_webhook_endpoint_created_through_the_api(
    client: stripe.StripeClient, control: httpx.Client, receiver: Receiver
) -> None:
    endpoint = client.v1.webhook_endpoints.create(
        {"url": f"{receiver.url}/billing", "enabled_events": ["checkout.session.completed"]}
    )
    assert endpoint.secret is not None
    assert endpoint.secret.startswith("whsec_")
    assert "secret" not in client.v1.webhook_endpoints.retrieve(endpoint.id).to_dict()
    session = subscription_session(client, plan(client))
    control.post(f"/sandbox/checkout_sessions/{session.id}/complete", json={})
    receiver.wait(lambda: len(receiver.hits("/billing")) == 1)
    hit = receiver.hits("/billing")[0]
    event = stripe.Webhook.construct_event(hit["body"], hit["headers"]["Stripe-Signature"], endpoint.secret)
    assert event.type == "checkout.session.completed"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(hit["body"], hit["headers"]["Stripe-Signature"], SECRET)
    client.v1.webhook_endpoints.delete(endpoint.id)
    assert [e.id for e in client.v1.webhook_endpoints.list().data] != [endpoint.id]
