"""A subscription's life: the portal (plan change, cancel, resume, card), renewals, failed payments,
updates through the API, cancellation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
import stripe

Receiver = Any  # the ``receiver`` fixture (conftest)


def plan(
    client: stripe.StripeClient, key: str, amount: int, name: str, interval: str = "month"
) -> stripe.Price:
    return client.v1.prices.create(
        {
            "currency": "eur",
            "unit_amount": amount,
            "recurring": {"interval": interval},  # type: ignore[typeddict-item]
            "product_data": {"name": name},
            "lookup_key": key,
        }
    )


def subscribe(client: stripe.StripeClient, control: httpx.Client, price: stripe.Price) -> stripe.Subscription:
    session = client.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "customer_email": "ann@example.com",
            "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": "https://app.example/ok",
            "subscription_data": {"metadata": {"tenant_id": "t-1"}},
        }
    )
    done = control.post(f"/sandbox/checkout_sessions/{session.id}/complete", json={"outcome": "paid"}).json()
    return client.v1.subscriptions.retrieve(done["subscription"])


def updates(receiver: Receiver) -> list[stripe.Event]:
    return [e for e in receiver.events() if e.type == "customer.subscription.updated"]


def test_portal_plan_change_cancel_and_resume(
    client: stripe.StripeClient, control: httpx.Client, receiver: Receiver
) -> None:
    starter = plan(client, "starter_monthly", 900, "Starter")
    pro = plan(client, "pro_monthly", 1900, "Pro")
    sub = subscribe(client, control, starter)
    receiver.wait_types("checkout.session.completed")
    receiver.clear()
    portal = client.v1.billing_portal.sessions.create(
        {"customer": str(sub.customer), "return_url": "https://app.example/account"}
    )
    assert portal.id.startswith("bps_")
    assert portal.return_url == "https://app.example/account"
    path = urlparse(portal.url).path
    page = control.get(path)
    assert page.status_code == 200
    assert "Starter" in page.text
    assert pro.id in page.text
    assert "https://app.example/account" in page.text

    changed = control.post(f"{path}/subscriptions/{sub.id}/update", data={"price": pro.id})
    assert changed.status_code == 303
    assert "Plan changed" in control.get(changed.headers["location"]).text
    receiver.wait_types("customer.subscription.updated")
    event = updates(receiver)[0]
    now = event.data.object
    assert now["items"]["data"][0]["price"]["id"] == pro.id
    previous = event.data.previous_attributes
    assert previous is not None
    assert previous["items"]["data"][0]["price"]["id"] == starter.id
    # The portal's default: prorations wait for the next invoice.
    assert client.v1.subscriptions.retrieve(sub.id).latest_invoice == sub.latest_invoice

    canceled = control.post(f"{path}/subscriptions/{sub.id}/cancel", data={"feedback": "too_expensive"})
    assert canceled.status_code == 303
    receiver.wait_types("customer.subscription.updated", "customer.subscription.updated")
    event = updates(receiver)[1]
    assert event.data.object["cancel_at_period_end"] is True
    assert event.data.object["cancel_at"] == event.data.object["items"]["data"][0]["current_period_end"]
    assert event.data.object["cancellation_details"]["feedback"] == "too_expensive"
    assert event.data.previous_attributes is not None
    assert event.data.previous_attributes["cancel_at_period_end"] is False
    assert "Renew plan" in control.get(path).text

    control.post(f"{path}/subscriptions/{sub.id}/renew")
    receiver.wait_types(*["customer.subscription.updated"] * 3)
    event = updates(receiver)[2]
    assert event.data.object["cancel_at_period_end"] is False
    assert event.data.previous_attributes["cancel_at_period_end"] is True  # type: ignore[index]

    # Cancel again, then the period ends: the subscription is deleted, with no new invoice.
    control.post(f"{path}/subscriptions/{sub.id}/cancel")
    ended = control.post(f"/sandbox/subscriptions/{sub.id}/advance", json={}).json()
    assert ended["invoice"] is None
    assert ended["subscription"]["status"] == "canceled"
    receiver.wait_types("customer.subscription.deleted")
    deleted = next(e for e in receiver.events() if e.type == "customer.subscription.deleted")
    assert deleted.data.object["id"] == sub.id
    assert deleted.data.object["ended_at"] == sub["items"].data[0].current_period_end


def test_renewal_and_failed_payment(
    client: stripe.StripeClient, control: httpx.Client, receiver: Receiver
) -> None:
    pro = plan(client, "pro_monthly", 1900, "Pro")
    sub = subscribe(client, control, pro)
    first_end = sub["items"].data[0].current_period_end
    receiver.wait_types("checkout.session.completed")
    receiver.clear()

    renewed = control.post(f"/sandbox/subscriptions/{sub.id}/advance", json={"outcome": "paid"}).json()
    invoice = renewed["invoice"]
    assert invoice["billing_reason"] == "subscription_cycle"
    assert invoice["status"] == "paid"
    assert invoice["lines"]["data"][0]["period"]["start"] == first_end
    types = receiver.wait_types("customer.subscription.updated", "invoice.paid")
    assert types.index("customer.subscription.updated") < types.index("invoice.paid")
    update = updates(receiver)[0]
    assert update.data.object["items"]["data"][0]["current_period_start"] == first_end
    assert update.data.previous_attributes["items"]["data"][0]["current_period_end"] == first_end  # type: ignore[index]
    paid = next(e for e in receiver.events() if e.type == "invoice.paid")
    assert paid.data.object["parent"]["subscription_details"]["subscription"] == sub.id
    assert paid.data.object["parent"]["subscription_details"]["metadata"].to_dict() == {"tenant_id": "t-1"}

    receiver.clear()
    failed = control.post(f"/sandbox/subscriptions/{sub.id}/fail_payment").json()
    assert failed["subscription"]["status"] == "past_due"
    assert failed["invoice"]["status"] == "open"
    assert failed["invoice"]["attempt_count"] == 1
    assert failed["invoice"]["next_payment_attempt"] is not None
    receiver.wait_types(
        "invoice.payment_failed", "customer.subscription.updated", "customer.subscription.updated"
    )
    assert updates(receiver)[-1].data.previous_attributes["status"] == "active"  # type: ignore[index]
    assert client.v1.subscriptions.retrieve(sub.id).status == "past_due"
    assert (
        client.v1.invoices.list({"subscription": sub.id, "status": "open"}).data[0].id
        == failed["invoice"]["id"]
    )

    # A new card in the portal pays the open invoice: active again.
    receiver.clear()
    portal = client.v1.billing_portal.sessions.create({"customer": str(sub.customer)})
    control.post(f"{urlparse(portal.url).path}/payment_method", data={"outcome": "paid"})
    receiver.wait_types("payment_method.attached", "invoice.paid", "customer.subscription.updated")
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"
    assert client.v1.invoices.retrieve(failed["invoice"]["id"]).status == "paid"


def test_update_through_the_api(
    client: stripe.StripeClient, control: httpx.Client, receiver: Receiver
) -> None:
    starter = plan(client, "starter_monthly", 900, "Starter")
    pro = plan(client, "pro_monthly", 1900, "Pro")
    yearly = plan(client, "pro_yearly", 19000, "Pro yearly", "year")
    sub = subscribe(client, control, starter)
    item = sub["items"].data[0]

    upgraded = client.v1.subscriptions.update(
        sub.id, {"items": [{"id": item.id, "price": pro.id}], "proration_behavior": "always_invoice"}
    )
    assert upgraded["items"].data[0].id == item.id
    assert upgraded["items"].data[0].price.id == pro.id
    invoice = client.v1.invoices.retrieve(str(upgraded.latest_invoice))
    assert invoice.billing_reason == "subscription_update"
    assert invoice.status == "paid"
    assert [line.amount > 0 for line in invoice.lines.data] == [False, True]  # credit, then debit
    assert invoice.total == 1000 or abs(invoice.total - 1000) <= 2

    # A change of billing period starts a new period at once and invoices it.
    yearly_sub = client.v1.subscriptions.update(sub.id, {"items": [{"id": item.id, "price": yearly.id}]})
    period = yearly_sub["items"].data[0]
    assert period.current_period_end - period.current_period_start > 360 * 86400
    yearly_invoice = client.v1.invoices.retrieve(str(yearly_sub.latest_invoice))
    assert yearly_invoice.lines.data[-1].amount == 19000

    with pytest.raises(stripe.InvalidRequestError) as bad:
        client.v1.subscriptions.update(sub.id, {"items": [{"id": item.id, "price": "price_missing"}]})
    assert bad.value.param == "items[0][price]"

    at_end = client.v1.subscriptions.update(sub.id, {"cancel_at_period_end": True})
    assert at_end.cancel_at_period_end is True
    gone = client.v1.subscriptions.cancel(sub.id)
    assert gone.status == "canceled"
    assert gone.ended_at is not None
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.update(sub.id, {"cancel_at_period_end": False})
    assert client.v1.subscriptions.list({"customer": str(sub.customer)}).data == []
    assert [s.id for s in client.v1.subscriptions.list({"status": "canceled"}).data] == [sub.id]
    receiver.wait_types("customer.subscription.deleted")


def test_trial_then_first_paid_period(
    client: stripe.StripeClient, control: httpx.Client, receiver: Receiver
) -> None:
    pro = plan(client, "pro_monthly", 1900, "Pro")
    session = client.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "line_items": [{"price": pro.id, "quantity": 1}],
            "success_url": "https://app.example/ok",
            "subscription_data": {"trial_period_days": 14},
        }
    )
    done = control.post(f"/sandbox/checkout_sessions/{session.id}/complete", json={}).json()
    assert done["payment_status"] == "no_payment_required"
    sub = client.v1.subscriptions.retrieve(done["subscription"])
    assert sub.status == "trialing"
    assert sub.trial_end == sub["items"].data[0].current_period_end
    assert client.v1.invoices.retrieve(str(sub.latest_invoice)).amount_paid == 0
    after = control.post(f"/sandbox/subscriptions/{sub.id}/advance", json={}).json()
    assert after["subscription"]["status"] == "active"
    assert after["invoice"]["amount_paid"] == 1900
