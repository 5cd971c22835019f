"""A paid invoice grants its period's credits once: the plan of a price billing does not know is asked of
Stripe before the event's transaction, with no connection held; the same invoice again, or an older one
after it, grants nothing."""

from __future__ import annotations

import asyncio
from typing import Any

from billing_service.webhooks.service import webhook_service
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.db import held

from .test_subscription_sync import held_back, outcome_of, subscribed

__all__ = ["subscribed"]  # the fixture, shared with the subscription sync's tests


async def invoices_paid(app, seller, standin) -> list[dict[str, Any]]:
    """The ``invoice.paid`` events of the seller's customer at Stripe, newest first."""
    customer = await app.customer_of(seller.tenant_id)
    events = (await standin.get("/sandbox/events", params={"type": "invoice.paid"})).json()
    return [e for e in events if e["data"]["object"]["customer"] == customer]


async def renewed(app, seller, standin, subscription_id: str) -> dict[str, Any]:
    """The subscription's next period, paid: its ``invoice.paid`` event (not delivered)."""
    before = {e["id"] for e in await invoices_paid(app, seller, standin)}
    await standin.post(f"/sandbox/subscriptions/{subscription_id}/advance", json={"outcome": "paid"})
    return next(e for e in await invoices_paid(app, seller, standin) if e["id"] not in before)


async def monthly_grants(seller) -> int:
    return len([e for e in (await seller.credits())["history"]["items"] if e["kind"] == "grant_monthly"])


class TestInvoicePaid:
    async def test_a_price_billing_does_not_know_is_asked_of_stripe_with_no_connection_held(
        self, app, seller, standin, subscribed, monkeypatch
    ) -> None:
        event_id = await held_back(app, await renewed(app, seller, standin, subscribed))
        prices, stripe = app.context.prices, app.context.stripe
        known, retrieve_price = prices.plan_known, stripe.retrieve_price

        async def not_in_our_table(session: AsyncSession, price: Any) -> tuple[str | None, str]:
            _, price_id = await known(session, price)
            return None, price_id

        asked: list[str] = []

        async def counted(price_id: str) -> dict[str, Any]:
            asked.append(price_id)
            return await retrieve_price(price_id)

        monkeypatch.setattr(prices, "plan_known", not_in_our_table)
        monkeypatch.setattr(stripe, "retrieve_price", counted)
        grants = await monthly_grants(seller)
        with held.strict():
            assert await webhook_service.handle(app.context, event_id) == 1, await outcome_of(app, event_id)
        assert asked  # Stripe said which plan the price is
        status, outcome = await outcome_of(app, event_id)
        assert (status, (outcome or "").endswith(": 100 credits")) == ("processed", True), outcome
        assert await monthly_grants(seller) == grants + 1
        assert (await seller.credits())["monthly_left"] == 100

    async def test_the_same_invoice_twice_or_an_older_one_after_it_grants_once(
        self, app, seller, standin, subscribed
    ) -> None:
        first_period = (await invoices_paid(app, seller, standin))[-1]
        event = await renewed(app, seller, standin, subscribed)
        event_id = await held_back(app, event)
        grants = await monthly_grants(seller)
        settled = await asyncio.gather(*(webhook_service.handle(app.context, event_id) for _ in range(2)))
        assert sum(settled) == 1
        assert await webhook_service.handle(app.context, event_id) == 0
        assert await monthly_grants(seller) == grants + 1

        # Stripe sending the same invoice again under another event id, then the older period's invoice.
        for replayed in (
            {**event, "id": event["id"] + "_again"},
            {**first_period, "id": first_period["id"] + "_late"},
        ):
            replayed_id = await held_back(app, replayed)
            assert await webhook_service.handle(app.context, replayed_id) == 1
            status, outcome = await outcome_of(app, replayed_id)
            assert (status, (outcome or "").endswith(": 0 credits")) == ("processed", True), outcome
        assert await monthly_grants(seller) == grants + 1
        assert (await seller.credits())["monthly_left"] == 100
