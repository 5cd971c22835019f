"""``subscription.changed``: the tenant's photo cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from ai_service.analyses.service import analysis_service
from ai_service.models import TenantPlan
from vitrine_contracts.billing import PlanQuotas, SubscriptionChanged
from vitrine_kit.scope import Scope


class TestSubscriptionChanged:
    async def test_the_plan_sets_the_photo_cap(self, seller) -> None:
        await seller.plan("starter", 10)
        assert (await seller.get("/analyses/limits")).json() == {"plan": "starter", "photos_per_analysis": 10}

    async def test_a_canceled_subscription_goes_back_to_the_free_cap(self, seller) -> None:
        await seller.plan("pro", 20)
        await seller.play(
            SubscriptionChanged(plan="pro", status="canceled", quotas=PlanQuotas(photos_per_analysis=20))
        )

        async def free_cap() -> bool:
            return (await seller.get("/analyses/limits")).json()["photos_per_analysis"] == 5

        await seller.eventually(free_cap)

    async def test_an_older_change_arriving_late_is_ignored(self, seller) -> None:
        await seller.plan("pro", 20)
        async with seller.app.runtime.db.tenant_session(seller.tenant_id) as session:
            stale = datetime.now(UTC) - timedelta(hours=1)
            scope = Scope(session=session, tenant_id=seller.tenant_id, context=seller.app.runtime.context)
            await analysis_service.set_plan(scope, "starter", 10, stale)
            await session.commit()
            plan = await session.scalar(sa.select(TenantPlan))
        assert (plan.plan, plan.photos_per_analysis) == ("pro", 20)
