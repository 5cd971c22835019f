from __future__ import annotations

import uuid

from billing_service.models import Account, Balance
from vitrine_contracts.identity import TenantCreated, TenantDeleted
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
