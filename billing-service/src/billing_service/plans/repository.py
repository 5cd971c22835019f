"""Reading the price list (plans and packs) and the Stripe prices made for it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.models import CreditPack, Plan, StripePrice
from billing_service.models.enums import PriceKind

FREE_PLAN = "free"


async def active_plans(session: AsyncSession) -> list[Plan]:
    return list(await session.scalars(sa.select(Plan).where(Plan.active).order_by(Plan.position)))


async def active_packs(session: AsyncSession) -> list[CreditPack]:
    return list(
        await session.scalars(sa.select(CreditPack).where(CreditPack.active).order_by(CreditPack.position))
    )


async def plan(session: AsyncSession, code: str) -> Plan | None:
    """A plan by code, retired ones included (a subscriber may still be on it)."""
    return await session.get(Plan, code)


async def pack(session: AsyncSession, code: str) -> CreditPack | None:
    return await session.get(CreditPack, code)


async def price_id(session: AsyncSession, lookup_key: str) -> str | None:
    found: str | None = await session.scalar(
        sa.select(StripePrice.price_id).where(StripePrice.lookup_key == lookup_key)
    )
    return found


async def remember_price(
    session: AsyncSession, lookup_key: str, price_id: str, kind: PriceKind, code: str
) -> None:
    await session.execute(
        insert(StripePrice)
        .values(lookup_key=lookup_key, price_id=price_id, kind=kind, code=code)
        .on_conflict_do_nothing()
    )


async def code_of_price(session: AsyncSession, price_id: str, kind: PriceKind) -> str | None:
    found: str | None = await session.scalar(
        sa.select(StripePrice.code).where(StripePrice.price_id == price_id, StripePrice.kind == kind)
    )
    return found
