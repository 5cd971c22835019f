from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from billing_service.models import Account

# Checkout and portal call Stripe with no database connection held: any regression fails these tests.
pytestmark = pytest.mark.usefixtures("strict_connections")


async def stripe_get(standin, path: str, **params) -> dict:
    response = await standin.get(
        path, params=params, headers={"Authorization": "Bearer sk_test_local_sandbox"}
    )
    assert response.status_code == 200, response.text
    return response.json()


class TestCheckoutCredits:
    async def test_two_concurrent_first_checkouts_make_one_customer(self, app, seller, standin) -> None:
        first, second = await asyncio.gather(
            seller.post("/checkout/credits", json={"pack": "credits_500"}),
            seller.post("/checkout/credits", json={"pack": "credits_1000"}),
        )
        assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
        sessions = [
            await stripe_get(standin, f"/v1/checkout/sessions/{r.json()['session_id']}")
            for r in (first, second)
        ]
        assert sessions[0]["customer"] == sessions[1]["customer"]
        customers = await stripe_get(standin, "/v1/customers", limit=100)
        mine = [c for c in customers["data"] if c["metadata"].get("tenant_id") == str(seller.tenant_id)]
        assert [c["id"] for c in mine] == [sessions[0]["customer"]]
        async with app.runtime.db.session() as session:
            account = await session.scalar(sa.select(Account).where(Account.tenant_id == seller.tenant_id))
        assert account is not None
        assert account.stripe_customer_id == sessions[0]["customer"]

    async def test_the_session_names_the_tenant_and_the_pack(self, seller, standin) -> None:
        checkout = await seller.checkout("credits", "credits_2000")
        assert checkout["url"].startswith("http")
        session = await stripe_get(standin, f"/v1/checkout/sessions/{checkout['session_id']}")
        assert session["mode"] == "payment"
        assert session["client_reference_id"] == str(seller.tenant_id)
        assert session["metadata"] == {
            "tenant_id": str(seller.tenant_id),
            "pack": "credits_2000",
            "credits": "2000",
        }
        assert session["amount_total"] == 2500

    async def test_the_same_idempotency_key_gives_the_same_session(self, seller) -> None:
        headers = {"Idempotency-Key": "click-1234567"}
        first = await seller.post("/checkout/credits", json={"pack": "credits_500"}, headers=headers)
        again = await seller.post("/checkout/credits", json={"pack": "credits_500"}, headers=headers)
        other = await seller.post("/checkout/credits", json={"pack": "credits_500"})
        assert first.json()["session_id"] == again.json()["session_id"] != other.json()["session_id"]

    async def test_an_unknown_pack(self, seller) -> None:
        response = await seller.post("/checkout/credits", json={"pack": "credits_9"})
        assert response.status_code == 404
        assert response.json()["type"].endswith("/credit-pack-not-found")

    async def test_a_member_who_is_not_owner_or_admin_cannot_pay(self, seller) -> None:
        response = await seller.as_member("member").post("/checkout/credits", json={"pack": "credits_500"})
        assert response.status_code == 403

    async def test_nothing_is_granted_before_stripe_confirms(self, seller) -> None:
        await seller.checkout("credits", "credits_500")
        credits = await seller.credits()
        assert (credits["monthly_left"], credits["purchased_left"]) == (10, 0)


class TestCheckoutSubscription:
    async def test_two_tabs_at_once_get_one_customer_and_one_session(self, app, seller, standin) -> None:
        """No key sent: the second tab's checkout is the first's (paying both cannot make two subscriptions)."""
        first, second = await asyncio.gather(
            seller.post("/checkout/subscription", json={"plan": "pro"}),
            seller.post("/checkout/subscription", json={"plan": "pro"}),
        )
        assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
        assert first.json()["session_id"] == second.json()["session_id"]
        customers = await stripe_get(standin, "/v1/customers", limit=100)
        mine = [c["id"] for c in customers["data"] if c["metadata"].get("tenant_id") == str(seller.tenant_id)]
        assert mine == [await app.customer_of(seller.tenant_id)]
        other_plan = await seller.checkout("subscription", "starter")
        assert other_plan["session_id"] != first.json()["session_id"]

    async def test_a_customer_linked_while_stripe_answered_is_kept(
        self, app, seller, standin, monkeypatch
    ) -> None:
        """The second transaction tolerates a concurrent writer (another replica, a webhook): the customer
        it linked first stays the tenant's, and the session is made for it."""
        stripe_api = app.context.stripe
        make = stripe_api.create_customer
        other = await make(uuid.uuid4())  # a customer linked by someone else meanwhile

        async def racing(tenant_id: uuid.UUID) -> str:
            made = await make(tenant_id)
            async with app.runtime.db.session() as session:
                await session.execute(
                    sa.update(Account).where(Account.tenant_id == tenant_id).values(stripe_customer_id=other)
                )
                await session.commit()
            return made

        monkeypatch.setattr(stripe_api, "create_customer", racing)
        checkout = await seller.checkout("subscription", "pro")
        session = await stripe_get(standin, f"/v1/checkout/sessions/{checkout['session_id']}")
        assert session["customer"] == other == await app.customer_of(seller.tenant_id)

    async def test_a_subscription_session(self, seller, standin) -> None:
        checkout = await seller.checkout("subscription", "pro")
        session = await stripe_get(standin, f"/v1/checkout/sessions/{checkout['session_id']}")
        assert session["mode"] == "subscription"
        assert session["client_reference_id"] == str(seller.tenant_id)
        assert session["metadata"] == {"tenant_id": str(seller.tenant_id), "plan": "pro"}
        assert session["amount_total"] == 1999

    async def test_the_free_plan_is_not_sold(self, seller) -> None:
        response = await seller.post("/checkout/subscription", json={"plan": "free"})
        assert response.status_code == 422
        assert response.json()["type"].endswith("/plan-not-purchasable")

    async def test_an_unknown_plan(self, seller) -> None:
        response = await seller.post("/checkout/subscription", json={"plan": "gold"})
        assert response.status_code == 404
        assert response.json()["type"].endswith("/plan-not-found")

    async def test_a_subscriber_is_sent_to_the_portal(self, seller, standin) -> None:
        await seller.subscribe(standin, "starter")
        response = await seller.post("/checkout/subscription", json={"plan": "pro"})
        assert response.status_code == 409
        problem = response.json()
        assert problem["type"].endswith("/already-subscribed")
        assert problem["portal"] == "/portal"
        assert "portal" in problem["detail"]


class TestPortal:
    async def test_nothing_to_manage_before_any_payment(self, seller) -> None:
        response = await seller.post("/portal")
        assert response.status_code == 409
        assert response.json()["type"].endswith("/no-billing-account")

    async def test_the_portal_of_a_customer(self, seller) -> None:
        await seller.checkout("credits", "credits_500")
        response = await seller.post("/portal")
        assert response.status_code == 200, response.text
        assert response.json()["url"].startswith("http")

    async def test_only_owners_and_admins(self, seller) -> None:
        assert (await seller.as_member("member").post("/portal")).status_code == 403


class TestStripeWrites:
    async def test_every_write_carries_our_idempotency_key(self, seller, standin) -> None:
        await seller.checkout("credits", "credits_500")
        await seller.post("/portal")
        writes = [
            r
            for r in (await standin.get("/sandbox/requests")).json()
            if r["method"] == "POST"
            and r["path"].split("/")[2] in ("customers", "prices", "checkout", "billing_portal")
        ]
        assert writes
        prefixes = ("customer:", "price:", "checkout-", "portal:")
        assert all((r["idempotency_key"] or "").startswith(prefixes) for r in writes), writes

    async def test_stripe_down_is_a_503_naming_it(self, seller, standin) -> None:
        fault = {"status": 500, "count": 1, "path_prefix": "/v1/checkout/sessions", "method": "POST"}
        await standin.post("/sandbox/faults", json=fault)
        response = await seller.post("/checkout/credits", json={"pack": "credits_500"})
        assert response.status_code == 503
        assert response.json()["type"].endswith("/payment-provider-unavailable")
        # The failed request's customer comes back from its idempotency key: still one customer.
        assert (await seller.post("/checkout/credits", json={"pack": "credits_500"})).status_code == 201
        customers = await stripe_get(standin, "/v1/customers", limit=100)
        assert (
            len([c for c in customers["data"] if c["metadata"].get("tenant_id") == str(seller.tenant_id)])
            == 1
        )
