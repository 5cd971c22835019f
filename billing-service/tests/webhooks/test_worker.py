from __future__ import annotations

import asyncio

from billing_service.webhooks.service import webhook_service
from vitrine_kit.testing.helpers import eventually


class TestWorker:
    async def test_a_failed_event_is_retried_until_it_applies(self, app, seller, standin) -> None:
        await standin.post("/sandbox/deliveries/pause")
        session = await seller.checkout("subscription", "pro")
        subscription_id = (await seller.pay(standin, session["session_id"]))["subscription"]
        # Stripe fails the next two reads of this subscription: the first handling attempts fail.
        fault = {
            "status": 500,
            "count": 2,
            "path_prefix": f"/v1/subscriptions/{subscription_id}",
            "method": "GET",
        }
        assert (await standin.post("/sandbox/faults", json=fault)).status_code == 201
        await standin.post("/sandbox/deliveries/resume")
        await seller.wait_plan("pro")
        customer = await app.customer_of(seller.tenant_id)

        async def settled() -> list | None:
            mine = [
                e
                for e in await app.stripe_events()
                if e.payload["data"]["object"].get("customer") == customer
            ]
            return mine if all(e.status != "pending" for e in mine) else None

        mine = await eventually(settled)
        retried = [e for e in mine if e.attempts]
        assert retried, "the events that met the fault were tried again"
        assert all(e.status == "processed" for e in retried)
        assert all("500" in (e.last_error or "") or "error" in (e.last_error or "").lower() for e in retried)

    async def test_replicas_racing_on_one_event_apply_it_once(self, app, seller, standin) -> None:
        session = await seller.checkout("credits", "credits_500")
        await standin.post("/sandbox/deliveries/pause")
        await seller.pay(standin, session["session_id"])
        event = next(
            e
            for e in (
                await standin.get("/sandbox/events", params={"type": "checkout.session.completed"})
            ).json()
            if e["data"]["object"]["id"] == session["session_id"]
        )
        await app.store_event(event)
        # Three workers (and the app's own loop) at once, as several replicas would be.
        settled = await asyncio.gather(*(webhook_service.handle(app.context, event["id"]) for _ in range(3)))
        assert sum(settled) <= 1
        await eventually(lambda: _processed(app, event["id"]))
        credits = await seller.credits()
        assert credits["purchased_left"] == 500
        assert len([e for e in credits["history"]["items"] if e["kind"] == "grant_purchased"]) == 1


async def _processed(app, event_id: str) -> bool:
    return any(e.id == event_id and e.status == "processed" for e in await app.stripe_events())
