from __future__ import annotations

import uuid

import pytest
from billing_service.accounts.service import account_service
from billing_service.models import Account, Balance
from billing_service.stripe_api import StripeCallFailed
from vitrine_contracts.identity import TenantCreated, TenantDeleted
from vitrine_kit.db import held
from vitrine_kit.testing.helpers import eventually


async def row(app, model, tenant_id: uuid.UUID):
    async with app.runtime.db.session() as session:
        return await session.get(model, tenant_id)


class TestTenantCreated:
    async def test_a_new_tenant_starts_on_free_with_its_credits(self, app) -> None:
        tenant_id = uuid.uuid4()
        await app.play(TenantCreated(tenant_id=tenant_id, owner_user_id=uuid.uuid4(), name="Shop"), tenant_id)
        balance = await eventually(lambda: row(app, Balance, tenant_id))
        account = await row(app, Account, tenant_id)
        assert (account.plan, account.status) == ("free", "active")
        assert (balance.monthly_left, balance.monthly_allowance) == (10, 10)
        granted = await eventually(lambda: app.emitted("credits.granted", tenant_id))
        assert granted == [
            {"balance": 10, "kind": "monthly", "amount": 10, "monthly_left": 10, "purchased_left": 0}
        ]
        plans = await app.emitted("subscription.changed", tenant_id)
        assert [(p["plan"], p["status"], p["quotas"]["products"]) for p in plans] == [("free", "active", 30)]


class TestTenantDeleted:
    async def test_the_subscription_is_canceled_at_stripe(self, app, seller, standin, stripe_client) -> None:
        subscription_id = await seller.subscribe(standin, "pro")
        await app.play(TenantDeleted(tenant_id=seller.tenant_id), seller.tenant_id)

        async def closed():
            account = await row(app, Account, seller.tenant_id)
            return account if account.deleted_at is not None else None

        await eventually(closed)
        subscription = await stripe_client.v1.subscriptions.retrieve_async(subscription_id)
        assert subscription.status == "canceled"
        assert await row(app, Balance, seller.tenant_id) is None

    async def test_a_tenant_without_subscription(self, app, seller) -> None:
        await seller.credits()
        await app.play(TenantDeleted(tenant_id=seller.tenant_id), seller.tenant_id)

        async def closed():
            account = await row(app, Account, seller.tenant_id)
            return account if account.deleted_at is not None else None

        await eventually(closed)

    async def test_stripe_is_called_with_no_connection_held(
        self, app, seller, standin, stripe_client
    ) -> None:
        subscription_id = await seller.subscribe(standin, "pro")
        # The consumer's tasks run outside the test's own: the whole process is strict meanwhile.
        held.set_strict(True)
        try:
            await app.play(TenantDeleted(tenant_id=seller.tenant_id), seller.tenant_id)

            async def closed():
                account = await row(app, Account, seller.tenant_id)
                return account if account.deleted_at is not None else None

            await eventually(closed, timeout=10)
        finally:
            held.set_strict(False)
        subscription = await stripe_client.v1.subscriptions.retrieve_async(subscription_id)
        assert subscription.status == "canceled"

    async def test_the_cancel_is_safe_to_repeat(self, app, seller, standin, stripe_client) -> None:
        """``prepare`` may run twice (a redelivery, a retried transaction): the second cancel is done too."""
        subscription_id = await seller.subscribe(standin, "pro")
        first = await account_service.cancel_for_deletion(app.context, seller.tenant_id)
        again = await account_service.cancel_for_deletion(app.context, seller.tenant_id)
        assert first == again == subscription_id
        assert await app.context.stripe.cancel_subscription(subscription_id) == "canceled"
        subscription = await stripe_client.v1.subscriptions.retrieve_async(subscription_id)
        assert subscription.status == "canceled"

    async def test_a_refused_cancel_of_a_live_subscription_is_raised(self, app, seller, standin) -> None:
        subscription_id = await seller.subscribe(standin, "pro")
        fault = {"status": 400, "count": 1, "path_prefix": f"/v1/subscriptions/{subscription_id}"}
        assert (await standin.post("/sandbox/faults", json={**fault, "method": "DELETE"})).status_code == 201
        with pytest.raises(StripeCallFailed):
            await account_service.cancel_for_deletion(app.context, seller.tenant_id)
