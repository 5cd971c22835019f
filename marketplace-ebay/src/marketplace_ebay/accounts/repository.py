"""Queries on accounts and their colocated rows (directory, poll and reconciliation schedules)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.db.engine import Database

from marketplace_ebay.models import (
    LIVE,
    AccountDirectory,
    EbayAccount,
    EbayListing,
    OrderPoll,
    Reconciliation,
)


async def get(session: AsyncSession, account_id: uuid.UUID, *, lock: bool = False) -> EbayAccount | None:
    stmt = sa.select(EbayAccount).where(EbayAccount.id == account_id)
    return (await session.execute(stmt.with_for_update() if lock else stmt)).scalar_one_or_none()


async def by_ebay_user(session: AsyncSession, ebay_user_id: str, site: str) -> EbayAccount | None:
    stmt = sa.select(EbayAccount).where(EbayAccount.ebay_user_id == ebay_user_id, EbayAccount.site == site)
    return (await session.execute(stmt)).scalar_one_or_none()


async def all_accounts(session: AsyncSession) -> list[EbayAccount]:
    return list((await session.execute(sa.select(EbayAccount).order_by(EbayAccount.connected_at))).scalars())


async def default_account(session: AsyncSession, site: str | None) -> EbayAccount | None:
    """The tenant's account for ``site`` (or its oldest one) when an event names none."""
    accounts = [a for a in await all_accounts(session) if a.status == "active"]
    return next((a for a in accounts if a.site == site), accounts[0] if accounts else None)


async def register(
    session: AsyncSession, account: EbayAccount, tenant_id: uuid.UUID, since: datetime
) -> None:
    """The directory row (deletion notices, the tenant's deletion), the order-poll and reconciliation
    schedules (first run now): colocated, so with a tenant session they commit with the account."""
    directory = insert(AccountDirectory).values(
        account_id=account.id,
        tenant_id=tenant_id,
        ebay_user_id=account.ebay_user_id,
        site=account.site,
        refresh_token_enc=account.refresh_token_enc,
    )
    await session.execute(
        directory.on_conflict_do_update(
            index_elements=[AccountDirectory.account_id],
            set_={"site": directory.excluded.site, "refresh_token_enc": directory.excluded.refresh_token_enc},
        )
    )
    await session.execute(
        insert(OrderPoll)
        .values(account_id=account.id, tenant_id=tenant_id, next_poll_at=since, cursor=since)
        .on_conflict_do_nothing()
    )
    await session.execute(
        insert(Reconciliation)
        .values(account_id=account.id, tenant_id=tenant_id, next_at=since, cursor=since)
        .on_conflict_do_nothing()
    )


async def holders(db: Database, ebay_user_id: str) -> list[AccountDirectory]:
    """The directory rows of an eBay user, from every database (each holds those of its tenants)."""
    found: list[AccountDirectory] = []
    for database in db.names:
        async with db.database_session(database) as session:
            rows = await session.scalars(
                sa.select(AccountDirectory).where(AccountDirectory.ebay_user_id == ebay_user_id)
            )
            found.extend(rows.all())
    return found


async def forget(session: AsyncSession, account_id: uuid.UUID) -> None:
    """Delete the account and its rows everywhere (listings and order lines cascade)."""
    await session.execute(sa.delete(OrderPoll).where(OrderPoll.account_id == account_id))
    await session.execute(sa.delete(Reconciliation).where(Reconciliation.account_id == account_id))
    await session.execute(sa.delete(AccountDirectory).where(AccountDirectory.account_id == account_id))
    await session.execute(sa.delete(EbayAccount).where(EbayAccount.id == account_id))


async def live_listings(
    session: AsyncSession, account_id: uuid.UUID, *, lock: bool = False
) -> list[EbayListing]:
    """The account's listings live on eBay as far as Vitrine knows."""
    stmt = sa.select(EbayListing).where(
        EbayListing.account_id == account_id,
        EbayListing.status.in_(LIVE),
        EbayListing.listing_id.is_not(None),
    )
    return list((await session.scalars(stmt.with_for_update() if lock else stmt)).all())
