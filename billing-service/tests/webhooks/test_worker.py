from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from billing_service.webhooks import repository
from billing_service.webhooks.service import webhook_service
from vitrine_kit.testing.helpers import eventually


class TestWorker:
    async def test_a_failed_event_is_retried_until_it_applies(self, app, seller, standin) -> None:
        fault = {"status": 500, "count": 2, "path_prefix": "/v1/subscriptions", "method": "GET"}
        assert (await standin.post("/sandbox/faults", json=fault)).status_code == 201
        await seller.subscribe(standin, "pro")
        retried = [e for e in await app.stripe_events(seller.tenant_id) if e.attempts]
        assert retried, "some event met the fault and was retried"
        assert all(e.status == "processed" for e in retried)
        assert "500" in (retried[0].last_error or "") or "Stripe" in (retried[0].last_error or "")

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
        async with app.runtime.db.session() as db:
            await repository.store(
                db,
                {
                    "id": event["id"],
                    "type": event["type"],
                    "stripe_created": datetime.fromtimestamp(event["created"], UTC),
                    "livemode": False,
                    "payload": event,
                },
            )
            await db.commit()
        # Three workers (and the app's own loop) at once, as several replicas would be.
        settled = await asyncio.gather(*(webhook_service.handle(app.context, event["id"]) for _ in range(3)))
        assert sum(settled) <= 1
        await eventually(lambda: _processed(app, event["id"]))
        credits = await seller.credits()
        assert credits["purchased_left"] == 500
        assert len([e for e in credits["history"]["items"] if e["kind"] == "grant_purchased"]) == 1


async def _processed(app, event_id: str) -> bool:
    return any(e.id == event_id and e.status == "processed" for e in await app.stripe_events())
