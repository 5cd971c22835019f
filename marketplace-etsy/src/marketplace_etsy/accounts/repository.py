"""Queries on the tenant's Etsy account, its receipt-poll row (colocated) and the shop directory (shared)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace_etsy.models import EtsyAccount, ReceiptPoll, ShopDirectory


async def get(session: AsyncSession, account_id: uuid.UUID, *, lock: bool = False) -> EtsyAccount | None:
    stmt = (
        sa.select(EtsyAccount).where(EtsyAccount.id == account_id).execution_options(populate_existing=True)
    )
    return (await session.execute(stmt.with_for_update() if lock else stmt)).scalar_one_or_none()


async def current(session: AsyncSession) -> EtsyAccount | None:
    """The tenant's Etsy shop (one per tenant)."""
    return (
        await session.execute(sa.select(EtsyAccount).order_by(EtsyAccount.connected_at).limit(1))
    ).scalar_one_or_none()


async def holder_of(session: AsyncSession, shop_id: int) -> ShopDirectory | None:
    """Which tenant claimed ``shop_id`` (a session of the home database)."""
    return await session.get(ShopDirectory, shop_id)


async def holds(session: AsyncSession, shop_id: int) -> bool:
    """Whether the session's tenant has an account of ``shop_id`` (a stale claim's tenant has none)."""
    return await session.scalar(sa.select(EtsyAccount.id).where(EtsyAccount.shop_id == shop_id)) is not None


async def claim(
    session: AsyncSession, shop_id: int, tenant_id: uuid.UUID, account_id: uuid.UUID, etsy_user_id: int
) -> ShopDirectory:
    """Claim the shop for the tenant unless another tenant has it (a claim of this tenant is renewed);
    returns the claim as it stands, locked."""
    values = {"tenant_id": tenant_id, "account_id": account_id, "etsy_user_id": etsy_user_id}
    stmt = insert(ShopDirectory).values(shop_id=shop_id, claimed_at=sa.func.now(), **values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[ShopDirectory.shop_id],
            set_={**values, "claimed_at": sa.func.now()},
            where=ShopDirectory.tenant_id == tenant_id,
        )
    )
    return await session.get_one(ShopDirectory, shop_id, with_for_update=True, populate_existing=True)


async def take_over(session: AsyncSession, claim: ShopDirectory, **values: object) -> None:
    """Give a stale claim to another tenant."""
    await session.execute(
        sa.update(ShopDirectory)
        .where(ShopDirectory.shop_id == claim.shop_id)
        .values(claimed_at=sa.func.now(), **values)
    )


async def register(
    session: AsyncSession, account: EtsyAccount, tenant_id: uuid.UUID, since: datetime
) -> None:
    """The receipt-poll schedule (first poll now, orders from ``since`` on), in the tenant's transaction.

    A reconnected shop keeps its cursor (no order is reported twice, none is skipped) and is polled now.
    """
    if account.shop_id is None:
        return
    await session.execute(
        insert(ReceiptPoll)
        .values(
            shop_id=account.shop_id,
            tenant_id=tenant_id,
            account_id=account.id,
            next_poll_at=since,
            cursor=since,
            failures=0,
        )
        .on_conflict_do_update(
            index_elements=[ReceiptPoll.shop_id],
            set_={"next_poll_at": since, "failures": 0, "last_error": None},
        )
    )


async def forget(session: AsyncSession, account: EtsyAccount) -> None:
    """Delete the account and its poll row (listings and receipt lines cascade). The shop's claim in the
    directory stays: with no account behind it, it is stale, and the next tenant to connect the shop takes
    it (no write on the home database in the tenant's transaction)."""
    if account.shop_id is not None:
        await session.execute(sa.delete(ReceiptPoll).where(ReceiptPoll.shop_id == account.shop_id))
    await session.execute(sa.delete(EtsyAccount).where(EtsyAccount.id == account.id))
