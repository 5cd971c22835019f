"""A subscription's state is fetched from Stripe with no connection held, then applied only if the account did
not change meanwhile: an older state never rolls a newer one back, and an event is applied once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest_asyncio
from billing_service.subscriptions.stripe_objects import object_id
from billing_service.webhooks.service import webhook_service
from vitrine_kit.db import held
from vitrine_kit.testing.helpers import eventually

LATER = datetime(2100, 1, 1, tzinfo=UTC)


async def updated_to(standin, stripe_client, subscription_id: str, **changes: Any) -> dict[str, Any]:
    """Change the subscription at Stripe; the ``customer.subscription.updated`` event it made."""
    await stripe_client.v1.subscriptions.update_async(subscription_id, changes)
    events = (await standin.get("/sandbox/events", params={"type": "customer.subscription.updated"})).json()
    return next(e for e in events if e["data"]["object"]["id"] == subscription_id)  # newest first


async def held_back(app, event: dict[str, Any]) -> str:
    """Stored for the test to handle itself: the app's worker only takes events due by now."""
    return await app.store_event(event, next_attempt_at=LATER)


async def outcome_of(app, event_id: str) -> tuple[str, str | None]:
    event = next(e for e in await app.stripe_events() if e.id == event_id)
    return event.status, event.outcome


@pytest_asyncio.fixture
async def subscribed(app, seller, standin) -> str:
    """A seller on pro, every event of its checkout handled, then Stripe's deliveries paused: the test hands
    each event to the worker itself."""
    subscription_id = await seller.subscribe(standin, "pro")
    customer = await app.customer_of(seller.tenant_id)
    made = {
        e["id"]
        for e in (await standin.get("/sandbox/events")).json()
        if object_id(e["data"]["object"].get("customer")) == customer
    }

    async def all_settled() -> bool:  # what the checkout made, handled by the app's worker before the test
        settled = {e.id for e in await app.stripe_events() if e.status != "pending"}
        return made <= settled

    await eventually(all_settled)
    await standin.post("/sandbox/deliveries/pause")
    return subscription_id


class TestSubscriptionSync:
    async def test_stripe_is_called_with_no_connection_held(
        self, app, seller, standin, stripe_client, subscribed
    ) -> None:
        event = await updated_to(standin, stripe_client, subscribed, cancel_at_period_end=True)
        event_id = await held_back(app, event)
        with held.strict():
            assert await webhook_service.handle(app.context, event_id) == 1, await outcome_of(app, event_id)
        assert (await seller.subscription())["cancel_at_period_end"] is True

    async def test_an_older_event_after_a_newer_one_changes_nothing(
        self, app, seller, standin, stripe_client, subscribed
    ) -> None:
        older = await held_back(
            app, await updated_to(standin, stripe_client, subscribed, cancel_at_period_end=True)
        )
        newer = await held_back(
            app, await updated_to(standin, stripe_client, subscribed, cancel_at_period_end=False)
        )
        before = len(await seller.emitted("subscription.changed"))
        assert await webhook_service.handle(app.context, newer) == 1
        assert await webhook_service.handle(app.context, older) == 1
        assert (await seller.subscription())["cancel_at_period_end"] is False
        assert (await outcome_of(app, older))[1].endswith("unchanged")
        assert len(await seller.emitted("subscription.changed")) == before

    async def test_the_same_event_twice_applies_once(
        self, app, seller, standin, stripe_client, subscribed
    ) -> None:
        event_id = await held_back(
            app, await updated_to(standin, stripe_client, subscribed, cancel_at_period_end=True)
        )
        before = len(await seller.emitted("subscription.changed"))
        settled = await asyncio.gather(*(webhook_service.handle(app.context, event_id) for _ in range(2)))
        assert await webhook_service.handle(app.context, event_id) == 0
        assert sum(settled) == 1
        assert len(await seller.emitted("subscription.changed")) == before + 1

    async def test_a_state_fetched_before_a_newer_one_was_applied_is_fetched_again(
        self, app, seller, standin, stripe_client, subscribed, monkeypatch
    ) -> None:
        """Two events at once: the first one's fetch (cancel at period end) is overtaken by the second one
        (cancellation withdrawn), which applies first; the first must not apply what it fetched."""
        first = await held_back(
            app, await updated_to(standin, stripe_client, subscribed, cancel_at_period_end=True)
        )
        stripe = app.context.stripe
        fetched, go_on = asyncio.Event(), asyncio.Event()
        fetches: list[bool] = []  # what the first event's handling fetched (not the app's own worker)
        retrieve = stripe.retrieve_subscription

        async def slow_first_fetch(subscription_id: str) -> dict[str, Any]:
            current = await retrieve(subscription_id)
            if asyncio.current_task() is handling:
                fetches.append(current["cancel_at_period_end"])
                if len(fetches) == 1:
                    fetched.set()
                    await go_on.wait()
            return current

        monkeypatch.setattr(stripe, "retrieve_subscription", slow_first_fetch)
        handling = asyncio.create_task(webhook_service.handle(app.context, first))
        await asyncio.wait_for(fetched.wait(), 10)
        second = await held_back(
            app, await updated_to(standin, stripe_client, subscribed, cancel_at_period_end=False)
        )
        assert await webhook_service.handle(app.context, second) == 1
        go_on.set()
        assert await asyncio.wait_for(handling, 10) == 1
        assert fetches == [True, False]  # fetched again: the second event applied meanwhile
        assert (await seller.subscription())["cancel_at_period_end"] is False
        assert (await seller.emitted("subscription.changed"))[-1]["cancel_at_period_end"] is False
