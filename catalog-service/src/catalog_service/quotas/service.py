"""The product quota: one counter row per tenant, moved by conditional UPDATEs (no count-then-insert)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel

from catalog_service.errors import QuotaExceeded
from catalog_service.models import Quota
from catalog_service.scope import Scope


class QuotaOut(BaseModel):
    plan: str
    product_limit: int | None
    products: int


class QuotaService:
    """Admit or release products against the plan's limit."""

    async def admit(self, scope: Scope, count: int = 1) -> None:
        """Take ``count`` places or raise; the row lock serialises concurrent creations."""
        free = scope.context.settings.free_plan_products
        room = sa.or_(
            sa.and_(Quota.plan.is_(None), Quota.product_count + count <= free),
            sa.and_(
                Quota.plan.is_not(None),
                sa.or_(Quota.product_limit.is_(None), Quota.product_count + count <= Quota.product_limit),
            ),
        )
        taken = await scope.session.scalar(
            sa.update(Quota)
            .where(Quota.id == 1, room)
            .values(product_count=Quota.product_count + count)
            .returning(Quota.product_count)
        )
        if taken is None:
            quota = await self.read(scope)
            raise QuotaExceeded(
                f"Your plan ({quota.plan}) allows {quota.product_limit} products.",
                product_limit=quota.product_limit,
            )

    async def release(self, scope: Scope, count: int = 1) -> None:
        await scope.session.execute(
            sa.update(Quota)
            .where(Quota.id == 1)
            .values(product_count=sa.func.greatest(Quota.product_count - count, 0))
        )

    async def has_room(self, scope: Scope, count: int = 1) -> bool:
        """Whether ``count`` more products fit now (a read: :meth:`admit` decides)."""
        quota = await self.read(scope)
        return quota.product_limit is None or quota.products + count <= quota.product_limit

    async def read(self, scope: Scope) -> QuotaOut:
        quota = await scope.session.get_one(Quota, 1, populate_existing=True)
        if quota.plan is None:
            return QuotaOut(
                plan="free",
                product_limit=scope.context.settings.free_plan_products,
                products=quota.product_count,
            )
        return QuotaOut(plan=quota.plan, product_limit=quota.product_limit, products=quota.product_count)

    async def set_plan(self, scope: Scope, plan: str, limit: int | None, changed_at: datetime) -> None:
        """Apply a plan change unless a later one was already applied (events may arrive out of order)."""
        await scope.session.execute(
            sa.update(Quota)
            .where(Quota.id == 1, sa.or_(Quota.plan_changed_at.is_(None), Quota.plan_changed_at < changed_at))
            .values(plan=plan, product_limit=limit, plan_changed_at=changed_at)
        )


quota_service = QuotaService()
