"""Queries on the tenant's Etsy account and its service-wide rows (shop directory, receipt poll)."""

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
    """Which tenant holds ``shop_id`` (shared session)."""
    return await session.get(ShopDirectory, shop_id)


async def register(
    session: AsyncSession, account: EtsyAccount, tenant_id: uuid.UUID, since: datetime
) -> None:
    """The directory row and the receipt-poll schedule (first poll now, orders from ``since`` on).

    A reconnected shop keeps its cursor (no order is reported twice, none is skipped) and is polled now.
    """
    if account.shop_id is None:
        return
    await session.execute(
        insert(ShopDirectory)
        .values(
            shop_id=account.shop_id,
            tenant_id=tenant_id,
            account_id=account.id,
            etsy_user_id=account.etsy_user_id,
        )
        .on_conflict_do_nothing()
    )
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
    """Delete the account and its rows everywhere (listings and receipt lines cascade)."""
    if account.shop_id is not None:
        await session.execute(sa.delete(ReceiptPoll).where(ReceiptPoll.shop_id == account.shop_id))
        await session.execute(sa.delete(ShopDirectory).where(ShopDirectory.shop_id == account.shop_id))
    await session.execute(sa.delete(EtsyAccount).where(EtsyAccount.id == account.id))
