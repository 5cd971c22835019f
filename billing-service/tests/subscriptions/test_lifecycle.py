from __future__ import annotations

from vitrine_kit.testing.helpers import eventually


def transitions(changes: list[dict]) -> list[tuple[str, str]]:
    """(plan, status) of each subscription.changed, repeats folded."""
    seen: list[tuple[str, str]] = []
    for change in changes:
        step = (change["plan"], change["status"])
        if not seen or seen[-1] != step:
            seen.append(step)
    return seen


async def change_plan(
    app, stripe_client, subscription_id: str, plan: str, proration: str = "always_invoice"
) -> None:
    """What the portal's plan change does: the subscription's item moves to the new plan's price."""
    sub = await stripe_client.v1.subscriptions.retrieve_async(subscription_id)
    await stripe_client.v1.subscriptions.update_async(
        subscription_id,
        {
            "items": [{"id": sub["items"]["data"][0]["id"], "price": await app.price_of(plan)}],
            "proration_behavior": proration,
        },
    )


class TestSubscriptionLifecycle:
    async def test_created_paid_changed_failed_canceled_and_back_to_free(
        self, app, seller, standin, stripe_client
    ) -> None:
        assert (await seller.subscription())["plan"] == "free"
        subscription_id = await seller.subscribe(standin, "starter")
        current = await seller.subscription()
        assert current["quotas"] == {
            "products": 200,
            "marketplaces": 2,
            "monthly_credits": 40,
            "photos_per_analysis": 10,
        }
        assert current["period_end"] is not None
        assert current["cancel_at_period_end"] is False
        await seller.wait_credits(monthly_left=40, monthly_allowance=40)

        await change_plan(app, stripe_client, subscription_id, "pro")
        await seller.wait_plan("pro")
        # The upgrade was paid at once: this period's credits are topped up to pro's allowance.
        await seller.wait_credits(monthly_left=100, monthly_allowance=100)

        failed = await standin.post(f"/sandbox/subscriptions/{subscription_id}/fail_payment")
        assert failed.status_code == 200, failed.text
        await seller.wait_plan("pro", "past_due")
        alerts = await eventually(lambda: seller.emitted("billing.payment_failed"))
        assert alerts[-1]["plan"] == "pro"
        assert alerts[-1]["amount_due"] == 1999
        assert alerts[-1]["hosted_invoice_url"]
        # An unpaid renewal grants nothing.
        assert (await seller.credits())["monthly_left"] == 100

        assert (await standin.post(f"/sandbox/subscriptions/{subscription_id}/cancel")).status_code == 200
        back = await seller.wait_plan("free")
        assert back["quotas"]["monthly_credits"] == 10
        assert back["period_end"] is None
        # Back on free: its allowance starts now.
        await seller.wait_credits(monthly_left=10, monthly_allowance=10)

        changes = await seller.emitted("subscription.changed")
        assert transitions(changes) == [
            ("free", "active"),
            ("starter", "active"),
            ("pro", "active"),
            ("pro", "past_due"),
            ("free", "active"),
        ]
        assert changes[1]["quotas"]["products"] == 200
        assert changes[-1]["quotas"] == {
            "products": 30,
            "marketplaces": 1,
            "monthly_credits": 10,
            "photos_per_analysis": 5,
        }

    async def test_a_cancellation_at_period_end_keeps_the_plan_until_then(
        self, app, seller, standin, stripe_client
    ) -> None:
        subscription_id = await seller.subscribe(standin, "business")
        await stripe_client.v1.subscriptions.update_async(subscription_id, {"cancel_at_period_end": True})

        async def ending():
            current = await seller.subscription()
            return current if current["cancel_at_period_end"] else None

        current = await eventually(ending)
        assert current["plan"] == "business"
        changes = await seller.emitted("subscription.changed")
        assert changes[-1]["cancel_at_period_end"] is True
        await standin.post(f"/sandbox/subscriptions/{subscription_id}/advance", json={"outcome": "paid"})
        await seller.wait_plan("free")

    async def test_a_renewal_resets_the_monthly_credits(self, app, seller, standin) -> None:
        subscription_id = await seller.subscribe(standin, "starter")
        await seller.wait_credits(monthly_left=40)
        reserved = await app.client.post(
            "/internal/credits/reservations",
            json={
                "tenant_id": str(seller.tenant_id),
                "amount": 15,
                "key": "renewal-spend-1",
                "reason": "analysis",
            },
            headers=app.service_headers(),
        )
        assert reserved.status_code == 201
        commit = await app.client.post(
            "/internal/credits/reservations/renewal-spend-1/commit", headers=app.service_headers()
        )
        assert commit.status_code == 200
        before = await seller.credits()
        assert before["monthly_left"] == 25
        await standin.post(f"/sandbox/subscriptions/{subscription_id}/advance", json={"outcome": "paid"})
        after = await seller.wait_credits(monthly_left=40)
        assert after["period_start"] > before["period_start"]
        kinds = [e["kind"] for e in after["history"]["items"][:2]]
        assert kinds == ["grant_monthly", "expire"]


class TestOutOfOrderEvents:
    async def test_the_last_state_wins_whatever_the_order(self, app, seller, standin, stripe_client) -> None:
        subscription_id = await seller.subscribe(standin, "starter")
        await standin.post("/sandbox/deliveries/pause")
        await change_plan(app, stripe_client, subscription_id, "pro", proration="create_prorations")
        await standin.post(f"/sandbox/subscriptions/{subscription_id}/cancel")
        events = (await standin.get("/sandbox/events", params={"type": "customer.subscription.*"})).json()
        mine = [e["id"] for e in events if e["data"]["object"]["id"] == subscription_id]
        # Newest first from the stand-in: the deletion arrives before the upgrade.
        delivered = await standin.post("/sandbox/events/deliver", json={"event_ids": mine})
        assert delivered.status_code == 200, delivered.text

        async def all_handled() -> bool:
            stored = {e.id: e.status for e in await app.stripe_events(seller.tenant_id)}
            return all(stored.get(i) == "processed" for i in mine)

        await eventually(all_handled)
        current = await seller.subscription()
        assert (current["plan"], current["status"]) == ("free", "active")


class TestPortalPlanChange:
    async def test_a_plan_changed_in_the_portal_applies_and_its_credits_come_with_the_next_invoice(
        self, app, seller, standin
    ) -> None:
        subscription_id = await seller.subscribe(standin, "starter")
        portal = (await seller.post("/portal")).json()["url"]
        token = portal.rstrip("/").rsplit("/", 1)[-1]
        # What the portal page's "change plan" button posts (prorations wait for the next invoice).
        changed = await standin.post(
            f"/p/session/{token}/subscriptions/{subscription_id}/update",
            data={"price": await app.price_of("pro")},
        )
        assert changed.status_code in (200, 303), changed.text
        await seller.wait_plan("pro")
        assert (await seller.credits())["monthly_allowance"] == 40
        await standin.post(f"/sandbox/subscriptions/{subscription_id}/advance", json={"outcome": "paid"})
        await seller.wait_credits(monthly_left=100, monthly_allowance=100)
