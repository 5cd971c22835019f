"""The plan's marketplace slots: a marketplace takes one while any of its accounts is connected.

The adapters ask before they keep a new account; the account row is locked while deciding, so two accounts
connected at once on two replicas cannot both take the last slot. A downgrade frees nothing: accounts
already connected stay, and only a new marketplace beyond the new limit is refused.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from vitrine_contracts.billing_api import MarketplaceSlots, SlotRequest

from billing_service.accounts.service import account_service
from billing_service.errors import MarketplaceLimitReached
from billing_service.models import Account, MarketplaceSlot
from billing_service.plans.service import plan_service
from billing_service.scope import Scope

logger = logging.getLogger(__name__)


class SlotService:
    async def claim(self, scope: Scope, request: SlotRequest) -> MarketplaceSlots:
        """Record the account; 402 ``marketplace-limit-reached`` if it needs a slot the plan has not."""
        account = await account_service.lock(scope)
        held = await self._marketplaces(scope)
        limit = (await plan_service.get(scope.session, account.plan)).marketplaces
        if request.marketplace not in held and limit is not None and len(held) >= limit:
            raise MarketplaceLimitReached(
                f"The {account.plan} plan connects {limit} marketplace{'s' if limit != 1 else ''} "
                f"({', '.join(held)}); upgrade the plan, or disconnect one, to connect {request.marketplace}.",
                plan=account.plan,
                limit=limit,
                connected=held,
            )
        await scope.session.execute(
            insert(MarketplaceSlot)
            .values(tenant_id=scope.tenant_id, marketplace=request.marketplace, account=request.account)
            .on_conflict_do_nothing()
        )
        logger.info("marketplace slot held", extra={"marketplace": request.marketplace})
        return await self._out(scope, account)

    async def release(self, scope: Scope, marketplace: str, account_key: str) -> MarketplaceSlots:
        """Forget the account (idempotent); its marketplace's slot is free when no account holds it."""
        account = await account_service.lock(scope)
        await scope.session.execute(
            sa.delete(MarketplaceSlot).where(
                MarketplaceSlot.tenant_id == scope.tenant_id,
                MarketplaceSlot.marketplace == marketplace,
                MarketplaceSlot.account == account_key,
            )
        )
        return await self._out(scope, account)

    async def read(self, scope: Scope) -> MarketplaceSlots:
        return await self._out(scope, await account_service.ensure(scope))

    async def _marketplaces(self, scope: Scope) -> list[str]:
        rows = await scope.session.scalars(
            sa.select(MarketplaceSlot.marketplace)
            .where(MarketplaceSlot.tenant_id == scope.tenant_id)
            .distinct()
            .order_by(MarketplaceSlot.marketplace)
        )
        return list(rows)

    async def _out(self, scope: Scope, account: Account) -> MarketplaceSlots:
        plan = await plan_service.get(scope.session, account.plan)
        return MarketplaceSlots(
            tenant_id=scope.tenant_id,
            plan=account.plan,
            limit=plan.marketplaces,
            marketplaces=await self._marketplaces(scope),
        )


slot_service = SlotService()
