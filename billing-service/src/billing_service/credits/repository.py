"""The balance row (locked before every change), the ledger, and reservations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit import pagination
from vitrine_kit.db.engine import schema_for

from billing_service.models import Account, Balance, LedgerEntry, Reservation
from billing_service.models.enums import LedgerKind, ReservationStatus


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
# Built once on the models' tables with named parameters (the values come at execution); the ledger is
# written through its model, sent to the tenant's schema by the translate map on the statement (the commit's
# session is bound to ``shared``). No parameter is named like a column: an UPDATE executed with a parameter
# of a column's name would also SET that column to it.
_balances = cast(sa.Table, Balance.__table__)
_reservations = cast(sa.Table, Reservation.__table__)
_ledger = cast(sa.Table, LedgerEntry.__table__)
_TENANT_ID = sa.bindparam("p_tenant_id", type_=UUID(as_uuid=True))
_AMOUNT = sa.bindparam("p_amount", type_=sa.Integer)
_KEY = sa.bindparam("p_key", type_=sa.String)
_REASON = sa.bindparam("p_reason", type_=sa.String)
_CALLER = sa.bindparam("p_caller", type_=sa.String)
_NOTE = sa.bindparam("p_note", type_=sa.String)
_NOW = sa.bindparam("p_now", type_=sa.DateTime(timezone=True))
_EXPIRES_AT = sa.bindparam("p_expires_at", type_=sa.DateTime(timezone=True))


def _on_tenant(tenant_id: uuid.UUID) -> dict[str, object]:
    """Execution options sending the tenant tables of a statement (the ledger) to ``tenant_id``'s schema."""
    return {"schema_translate_map": {None: schema_for(tenant_id)}}


# ``o`` locks the balance row (FOR NO KEY UPDATE: under READ COMMITTED it waits for a concurrent change and
# reads its result), ``b`` takes the credits only if enough are left (monthly first), ``r`` inserts the hold
# and ``l`` its ledger line, in one round trip. No row from ``b``: too few credits; none from ``r``: the key
# was taken meanwhile (the caller rolls back: the balance change must not stay).
_hold_o = (
    sa.select(
        _balances.c.tenant_id,
        _balances.c.monthly_left,
        _balances.c.purchased_left,
        _balances.c.low_notified,
        _balances.c.exhausted_notified,
        (sa.cast(_balances.c.monthly_left, sa.BigInteger) + _balances.c.purchased_left).label("total"),
    )
    .where(_balances.c.tenant_id == _TENANT_ID)
    .with_for_update(key_share=True)
    .cte("o")
)
_hold_from_monthly = sa.func.least(_hold_o.c.monthly_left, _AMOUNT, type_=sa.Integer)
_hold_b = (
    sa.update(_balances)
    .where(_balances.c.tenant_id == _hold_o.c.tenant_id, _hold_o.c.total >= _AMOUNT)
    .values(
        monthly_left=_hold_o.c.monthly_left - _hold_from_monthly,
        purchased_left=_hold_o.c.purchased_left - (_AMOUNT - _hold_from_monthly),
        exhausted_notified=sa.or_(_balances.c.exhausted_notified, _hold_o.c.total == _AMOUNT),
        low_notified=sa.or_(
            _balances.c.low_notified,
            sa.and_(
                _hold_o.c.total > _AMOUNT, (_hold_o.c.total - _AMOUNT) * 10 < _balances.c.monthly_allowance
            ),
        ),
        updated_at=_NOW,
    )
    .returning(
        _balances.c.monthly_left,
        _balances.c.purchased_left,
        _balances.c.monthly_allowance,
        _balances.c.period_start,
        _hold_from_monthly.label("from_monthly"),
    )
    .cte("b")
)
_hold_r = (
    pg.insert(_reservations)
    .from_select(
        [
            _reservations.c.key,
            _reservations.c.tenant_id,
            _reservations.c.amount,
            _reservations.c.from_monthly,
            _reservations.c.from_purchased,
            _reservations.c.period_start,
            _reservations.c.status,
            _reservations.c.reason,
            _reservations.c.caller,
            _reservations.c.expires_at,
            _reservations.c.created_at,
        ],
        sa.select(
            _KEY,
            _TENANT_ID,
            _AMOUNT,
            _hold_b.c.from_monthly,
            _AMOUNT - _hold_b.c.from_monthly,
            _hold_b.c.period_start,
            sa.literal(ReservationStatus.HELD, _reservations.c.status.type),
            _REASON,
            _CALLER,
            _EXPIRES_AT,
            _NOW,
        ),
    )
    .on_conflict_do_nothing()
    .returning(_reservations.c.key)
    .cte("r")
)
# The columns a ledger line is written with, by the hold and the commit alike.
_LEDGER_LINE = [
    _ledger.c.kind,
    _ledger.c.monthly_delta,
    _ledger.c.purchased_delta,
    _ledger.c.monthly_after,
    _ledger.c.purchased_after,
    _ledger.c.reference,
    _ledger.c.note,
    _ledger.c.created_at,
]
_hold_l = (
    sa.insert(_ledger)
    .from_select(
        _LEDGER_LINE,
        sa.select(
            sa.literal(LedgerKind.RESERVE, _ledger.c.kind.type),
            -_hold_b.c.from_monthly,
            -(_AMOUNT - _hold_b.c.from_monthly),
            _hold_b.c.monthly_left,
            _hold_b.c.purchased_left,
            _KEY,
            _NOTE,
            _NOW,
        ).select_from(_hold_b.join(_hold_r, sa.true())),
    )
    .cte("l")
)
HOLD = (
    sa.select(
        _hold_o.c.monthly_left.label("old_monthly"),
        _hold_o.c.purchased_left.label("old_purchased"),
        _hold_o.c.low_notified,
        _hold_o.c.exhausted_notified,
        _hold_b.c.monthly_left,
        _hold_b.c.purchased_left,
        _hold_b.c.monthly_allowance,
        _hold_b.c.from_monthly,
        sa.select(sa.func.count()).select_from(_hold_r).scalar_subquery().label("inserted"),
    )
    .select_from(_hold_o.outerjoin(_hold_b, sa.true()))
    .add_cte(_hold_l)  # selected by nothing: added so that it is written
)


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
            HOLD,
            {
                "p_tenant_id": tenant_id,
                "p_amount": amount,
                "p_key": key,
                "p_reason": reason,
                "p_caller": caller,
                "p_note": reason[:200],
                "p_now": now,
                "p_expires_at": expires_at,
            },
            execution_options=_on_tenant(tenant_id),
        )
    ).first()
    return HoldRow(**row._asdict()) if row is not None else None


# ``b`` locks the balance first (the order every other change takes: no deadlock with a release or the
# sweeper), ``r`` settles the hold only if it is still held and not past due, ``l`` writes the ledger line.
_commit_b = (
    sa.update(_balances)
    .where(_balances.c.tenant_id == _TENANT_ID)
    .values(updated_at=_NOW)
    .returning(_balances.c.tenant_id, _balances.c.monthly_left, _balances.c.purchased_left)
    .cte("b")
)
_commit_r = (
    sa.update(_reservations)
    .where(  # joined to ``b`` (UPDATE … FROM b): nothing is settled without the balance locked
        _reservations.c.key == _KEY,
        _reservations.c.tenant_id == _commit_b.c.tenant_id,
        _reservations.c.status == ReservationStatus.HELD,
        _reservations.c.expires_at > _NOW,
    )
    .values(status=ReservationStatus.COMMITTED, settled_at=_NOW)
    .returning(*_reservations.c)
    .cte("r")
)
_commit_l = (
    sa.insert(_ledger)
    .from_select(
        _LEDGER_LINE,
        sa.select(
            sa.literal(LedgerKind.COMMIT, _ledger.c.kind.type),
            sa.literal(0),
            sa.literal(0),
            _commit_b.c.monthly_left,
            _commit_b.c.purchased_left,
            _commit_r.c.key,
            sa.func.left(_commit_r.c.reason, 200, type_=sa.String),
            _NOW,
        ).select_from(_commit_b.join(_commit_r, sa.true())),
    )
    .cte("l")
)
COMMIT = (
    sa.select(
        _commit_r,
        _commit_b.c.monthly_left.label("balance_monthly_left"),
        _commit_b.c.purchased_left.label("balance_purchased_left"),
    )
    .select_from(_commit_b.join(_commit_r, sa.true()))
    .add_cte(_commit_l)  # selected by nothing: added so that it is written
)


async def commit_held(
    session: AsyncSession, tenant_id: uuid.UUID, key: str, now: datetime
) -> tuple[Reservation, int, int] | None:
    """Commit a hold still held and within its time, with its ledger line, in one statement: the
    reservation as it is now and the balance; ``None`` when it was not such a hold (then look closer)."""
    row = (
        await session.execute(
            COMMIT,
            {"p_tenant_id": tenant_id, "p_key": key, "p_now": now},
            execution_options=_on_tenant(tenant_id),
        )
    ).first()
    if row is None:
        return None
    values = row._asdict()
    monthly_left, purchased_left = values.pop("balance_monthly_left"), values.pop("balance_purchased_left")
    return Reservation(**values), monthly_left, purchased_left
