"""The balance row (locked before every change), the ledger, and reservations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit import pagination

from billing_service.models import Account, Balance, LedgerEntry, Reservation
from billing_service.models.enums import ReservationStatus


async def lock_balance(
    session: AsyncSession, tenant_id: uuid.UUID, *, skip_locked: bool = False
) -> Balance | None:
    """The tenant's balance, locked until the transaction ends: every credit change goes through here, so
    concurrent ones for a tenant run one after the other (``skip_locked``: ``None`` if another holds it)."""
    return await session.scalar(
        sa.select(Balance)
        .where(Balance.tenant_id == tenant_id)
        .with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    )


async def read_balance(session: AsyncSession, tenant_id: uuid.UUID) -> Balance:
    return await session.get_one(Balance, tenant_id, populate_existing=True)


async def grant_seen(session: AsyncSession, grant_key: str) -> bool:
    found = await session.scalar(sa.select(LedgerEntry.seq).where(LedgerEntry.grant_key == grant_key))
    return found is not None


def add_entry(session: AsyncSession, entry: LedgerEntry) -> None:
    session.add(entry)


# A history page's position: the sequence number of its last (oldest) entry.
CURSOR = TypeAdapter(int)


def encode_cursor(seq: int) -> str:
    return pagination.encode_cursor(seq)


def decode_cursor(cursor: str) -> int:
    return pagination.decode_cursor(cursor, CURSOR)


async def history(session: AsyncSession, *, limit: int, before_seq: int | None) -> Sequence[LedgerEntry]:
    """Newest first; one more than ``limit`` to know whether a next page exists."""
    query = sa.select(LedgerEntry).order_by(LedgerEntry.seq.desc()).limit(limit + 1)
    if before_seq is not None:
        query = query.where(LedgerEntry.seq < before_seq)
    return list(await session.scalars(query))


async def reservation(session: AsyncSession, key: str, *, lock: bool = False) -> Reservation | None:
    query = sa.select(Reservation).where(Reservation.key == key).execution_options(populate_existing=True)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def insert_reservation(session: AsyncSession, values: dict[str, object]) -> bool:
    """``False`` if the key is taken (by a request racing with this one)."""
    inserted = await session.scalar(
        insert(Reservation).values(**values).on_conflict_do_nothing().returning(Reservation.key)
    )
    return inserted is not None


async def expired_holds(session: AsyncSession, now: datetime, limit: int) -> list[tuple[str, uuid.UUID]]:
    """Keys (and tenants) of holds past their expiry, oldest first; claimed one by one afterwards."""
    rows = await session.execute(
        sa.select(Reservation.key, Reservation.tenant_id)
        .where(Reservation.status == ReservationStatus.HELD, Reservation.expires_at <= now)
        .order_by(Reservation.expires_at)
        .limit(limit)
    )
    return [(key, tenant) for key, tenant in rows]


async def free_periods_due(session: AsyncSession, plan: str, now: datetime, limit: int) -> list[uuid.UUID]:
    """Tenants on ``plan`` whose credit period has ended."""
    rows = await session.scalars(
        sa.select(Balance.tenant_id)
        .join(Account, Account.tenant_id == Balance.tenant_id)
        .where(
            Account.plan == plan,
            Account.deleted_at.is_(None),
            sa.or_(Balance.period_end.is_(None), Balance.period_end <= now),
        )
        .limit(limit)
    )
    return list(rows)
