"""The price list: plans with their quotas, and credit packs."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.billing import PlanQuotas

from billing_service.errors import PackNotFound, PlanNotFound
from billing_service.models import CreditPack, Plan
from billing_service.plans import repository
from billing_service.plans.schemas import CreditPackList, CreditPackOut, PlanList, PlanOut


def quotas_of(plan: Plan) -> PlanQuotas:
    return PlanQuotas(
        products=plan.products,
        marketplaces=plan.marketplaces,
        monthly_credits=plan.monthly_credits,
        photos_per_analysis=plan.photos_per_analysis,
    )


class PlanService:
    async def list_plans(self, session: AsyncSession) -> PlanList:
        plans = await repository.active_plans(session)
        return PlanList(
            plans=[
                PlanOut(
                    code=p.code,
                    name=p.name,
                    price_cents=p.price_cents,
                    currency=p.currency,
                    quotas=quotas_of(p),
                )
                for p in plans
            ]
        )

    async def list_packs(self, session: AsyncSession) -> CreditPackList:
        packs = await repository.active_packs(session)
        return CreditPackList(
            packs=[
                CreditPackOut(
                    code=p.code,
                    name=p.name,
                    credits=p.credits,
                    price_cents=p.price_cents,
                    currency=p.currency,
                )
                for p in packs
            ]
        )

    async def get(self, session: AsyncSession, code: str) -> Plan:
        """A plan by code, retired ones included; ``PlanNotFound`` otherwise."""
        plan = await repository.plan(session, code)
        if plan is None:
            raise PlanNotFound(f"There is no plan '{code}'.")
        return plan

    async def purchasable(self, session: AsyncSession, code: str) -> Plan:
        plan = await repository.plan(session, code)
        if plan is None or not plan.active:
            raise PlanNotFound(f"There is no plan '{code}'.")
        return plan

    async def free(self, session: AsyncSession) -> Plan:
        return await self.get(session, repository.FREE_PLAN)

    async def pack(self, session: AsyncSession, code: str) -> CreditPack:
        pack = await repository.pack(session, code)
        if pack is None or not pack.active:
            raise PackNotFound(f"There is no credit pack '{code}'.")
        return pack


plan_service = PlanService()
