"""Accounts: one row per tenant, created once (``ON CONFLICT DO NOTHING``), locked to change it."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.db.base import utcnow

from billing_service.models import Account, Balance, Reservation


async def create(session: AsyncSession, tenant_id: uuid.UUID) -> bool:
    """Insert the account and its empty balance; ``False`` when they already existed."""
    created = await session.scalar(
        insert(Account).values(tenant_id=tenant_id).on_conflict_do_nothing().returning(Account.tenant_id)
    )
    if created is None:
        return False
    await session.execute(insert(Balance).values(tenant_id=tenant_id).on_conflict_do_nothing())
    return True


async def get(session: AsyncSession, tenant_id: uuid.UUID) -> Account:
    """An account known to exist (``NoResultFound`` otherwise)."""
    return await session.get_one(Account, tenant_id, populate_existing=True)


async def find(session: AsyncSession, tenant_id: uuid.UUID) -> Account | None:
    return await session.get(Account, tenant_id, populate_existing=True)


# FOR NO KEY UPDATE: the key never changes, and holds inserted meanwhile (their foreign key takes a
# KEY SHARE lock on the account) need not wait for it.
NO_KEY_UPDATE = {"key_share": True}


async def lock(session: AsyncSession, tenant_id: uuid.UUID) -> Account:
    """The account, locked until the transaction ends (serialises its changes across replicas)."""
    return await session.get_one(Account, tenant_id, with_for_update=NO_KEY_UPDATE, populate_existing=True)


async def link_customer(session: AsyncSession, tenant_id: uuid.UUID, customer_id: str) -> str:
    """Link ``customer_id`` to the account unless one is linked already (a concurrent request, a webhook:
    its update waits for theirs, then finds the column set); returns the customer linked now."""
    await session.execute(
        sa.update(Account)
        .where(Account.tenant_id == tenant_id, Account.stripe_customer_id.is_(None))
        .values(stripe_customer_id=customer_id, updated_at=utcnow())
    )
    linked = await session.scalar(sa.select(Account.stripe_customer_id).where(Account.tenant_id == tenant_id))
    return linked or customer_id


async def by_customer(session: AsyncSession, customer_id: str) -> Account | None:
    return await session.scalar(sa.select(Account).where(Account.stripe_customer_id == customer_id))


async def by_subscription(session: AsyncSession, subscription_id: str) -> Account | None:
    return await session.scalar(sa.select(Account).where(Account.stripe_subscription_id == subscription_id))


async def lock_any(session: AsyncSession, tenant_id: uuid.UUID) -> Account | None:
    return await session.get(Account, tenant_id, with_for_update=NO_KEY_UPDATE, populate_existing=True)


async def forget_credits(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """A deleted tenant's balance and holds (its ledger went with its schema)."""
    await session.execute(sa.delete(Reservation).where(Reservation.tenant_id == tenant_id))
    await session.execute(sa.delete(Balance).where(Balance.tenant_id == tenant_id))
