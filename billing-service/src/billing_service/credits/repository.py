"""The balance row (locked before every change), the ledger, and reservations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit import pagination
from vitrine_kit.db.engine import schema_for

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


async def mark_exhausted(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """credits.exhausted was said (until the next grant or release)."""
    await session.execute(
        sa.update(Balance).where(Balance.tenant_id == tenant_id).values(exhausted_notified=True)
    )


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


async def tenant_of_reservation(session: AsyncSession, key: str) -> uuid.UUID | None:
    return await session.scalar(sa.select(Reservation.tenant_id).where(Reservation.key == key))


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


# --- the hot path: a hold and a commit, each one statement ------------------------------------------------
# ``o`` locks the balance row (FOR NO KEY UPDATE: under READ COMMITTED it waits for a concurrent change and
# reads its result), ``b`` takes the credits only if enough are left (monthly first), ``r`` inserts the hold
# and ``l`` its ledger line, in one round trip. No row from ``b``: too few credits; none from ``r``: the key
# was taken meanwhile (the caller rolls back: the balance change must not stay).
HOLD_SQL = """
WITH o AS (
    SELECT tenant_id, monthly_left, purchased_left, low_notified, exhausted_notified,
        monthly_left::bigint + purchased_left AS total
    FROM shared.balances WHERE tenant_id = :tenant_id FOR NO KEY UPDATE
), b AS (
    UPDATE shared.balances AS b SET
        monthly_left = o.monthly_left - least(o.monthly_left, :amount),
        purchased_left = o.purchased_left - (:amount - least(o.monthly_left, :amount)),
        exhausted_notified = b.exhausted_notified OR o.total = :amount,
        low_notified = b.low_notified OR (o.total > :amount AND (o.total - :amount) * 10 < b.monthly_allowance),
        updated_at = :now
    FROM o
    WHERE b.tenant_id = o.tenant_id AND o.total >= :amount
    RETURNING b.monthly_left, b.purchased_left, b.monthly_allowance, b.period_start,
        least(o.monthly_left, :amount) AS from_monthly
), r AS (
    INSERT INTO shared.reservations (key, tenant_id, amount, from_monthly, from_purchased, period_start,
        status, reason, caller, expires_at, created_at)
    SELECT :key, :tenant_id, :amount, b.from_monthly, :amount - b.from_monthly, b.period_start,
        'held', :reason, :caller, :expires_at, :now
    FROM b
    ON CONFLICT DO NOTHING
    RETURNING key
), l AS (
    INSERT INTO {schema}.credit_ledger (kind, monthly_delta, purchased_delta, monthly_after, purchased_after,
        reference, note, created_at)
    SELECT 'reserve', -b.from_monthly, -(:amount - b.from_monthly), b.monthly_left, b.purchased_left,
        :key, :note, :now
    FROM b JOIN r ON true
)
SELECT o.monthly_left AS old_monthly, o.purchased_left AS old_purchased, o.low_notified,
    o.exhausted_notified, b.monthly_left, b.purchased_left, b.monthly_allowance, b.from_monthly,
    (SELECT count(*) FROM r) AS inserted
FROM o LEFT JOIN b ON true
"""


@dataclass(frozen=True)
class HoldRow:
    """What the hold statement saw (``old_*``: before) and did (``monthly_left`` ``None``: too few credits)."""

    old_monthly: int
    old_purchased: int
    low_notified: bool
    exhausted_notified: bool
    monthly_left: int | None
    purchased_left: int | None
    monthly_allowance: int | None
    from_monthly: int | None
    inserted: int


async def hold(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    key: str,
    amount: int,
    reason: str,
    caller: str,
    now: datetime,
    expires_at: datetime,
) -> HoldRow | None:
    """Take ``amount`` credits and insert their hold and ledger line in one statement (``None``: no balance)."""
    row = (
        await session.execute(
            sa.text(HOLD_SQL.format(schema=schema_for(tenant_id))),
            {
                "tenant_id": tenant_id,
                "amount": amount,
                "key": key,
                "reason": reason,
                "caller": caller,
                "note": reason[:200],
                "now": now,
                "expires_at": expires_at,
            },
        )
    ).first()
    return HoldRow(**row._asdict()) if row is not None else None


# ``b`` locks the balance first (the order every other change takes: no deadlock with a release or the
# sweeper), ``r`` settles the hold only if it is still held and not past due, ``l`` writes the ledger line.
COMMIT_SQL = """
WITH b AS (
    UPDATE shared.balances SET updated_at = :now WHERE tenant_id = :tenant_id
    RETURNING monthly_left, purchased_left
), r AS (
    UPDATE shared.reservations AS r SET status = 'committed', settled_at = :now
    FROM b
    WHERE r.key = :key AND r.tenant_id = :tenant_id AND r.status = 'held' AND r.expires_at > :now
    RETURNING r.key, r.tenant_id, r.amount, r.from_monthly, r.from_purchased, r.period_start, r.status,
        r.released_by, r.reason, r.caller, r.expires_at, r.created_at, r.settled_at
), l AS (
    INSERT INTO {schema}.credit_ledger (kind, monthly_delta, purchased_delta, monthly_after, purchased_after,
        reference, note, created_at)
    SELECT 'commit', 0, 0, b.monthly_left, b.purchased_left, r.key, left(r.reason, 200), :now
    FROM b JOIN r ON true
)
SELECT r.*, b.monthly_left AS balance_monthly_left, b.purchased_left AS balance_purchased_left
FROM b JOIN r ON true
"""


async def commit_held(
    session: AsyncSession, tenant_id: uuid.UUID, key: str, now: datetime
) -> tuple[Reservation, int, int] | None:
    """Commit a hold still held and within its time, with its ledger line, in one statement: the
    reservation as it is now and the balance; ``None`` when it was not such a hold (then look closer)."""
    row = (
        await session.execute(
            sa.text(COMMIT_SQL.format(schema=schema_for(tenant_id))),
            {"tenant_id": tenant_id, "key": key, "now": now},
        )
    ).first()
    if row is None:
        return None
    values = row._asdict()
    monthly_left, purchased_left = values.pop("balance_monthly_left"), values.pop("balance_purchased_left")
    values["status"] = ReservationStatus(values["status"])
    values["released_by"] = None
    return Reservation(**values), monthly_left, purchased_left
