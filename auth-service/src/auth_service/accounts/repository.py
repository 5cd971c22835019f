"""Queries on users, tenants and memberships."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.models import (
    Membership,
    OneTimeToken,
    RefreshToken,
    RefreshTokenStatus,
    TenantAccount,
    User,
)


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return (await session.execute(sa.select(User).where(User.email == email))).scalar_one_or_none()


async def user_by_id(session: AsyncSession, user_id: uuid.UUID, *, lock: bool = False) -> User | None:
    query = sa.select(User).where(User.id == user_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def memberships_of(
    session: AsyncSession, user_id: uuid.UUID
) -> Sequence[tuple[Membership, TenantAccount]]:
    """The user's memberships with their tenants, oldest first (the first owned tenant is the default)."""
    rows = await session.execute(
        sa.select(Membership, TenantAccount)
        .join(TenantAccount, TenantAccount.id == Membership.tenant_id)
        .where(Membership.user_id == user_id)
        .order_by(Membership.created_at, TenantAccount.id)
    )
    return [(m, t) for m, t in rows.all()]


async def membership(
    session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID, *, lock: bool = False
) -> Membership | None:
    query = sa.select(Membership).where(Membership.tenant_id == tenant_id, Membership.user_id == user_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def owners_of(session: AsyncSession, tenant_id: uuid.UUID, *, lock: bool = False) -> list[uuid.UUID]:
    """The owners of a tenant (locked on request, so two demotions cannot both pass the last-owner check)."""
    query = sa.select(Membership.user_id).where(Membership.tenant_id == tenant_id, Membership.role == "owner")
    if lock:
        query = query.with_for_update()
    return list((await session.execute(query)).scalars())


async def revoke_families(
    session: AsyncSession,
    *,
    reason: str,
    now: datetime,
    user_id: uuid.UUID | None = None,
    family_id: uuid.UUID | None = None,
    tenant_id: uuid.UUID | None = None,
    keep_family: uuid.UUID | None = None,
) -> int:
    """Revoke every live refresh token matching the filters; returns how many."""
    query = sa.update(RefreshToken).where(RefreshToken.status != RefreshTokenStatus.REVOKED)
    if user_id is not None:
        query = query.where(RefreshToken.user_id == user_id)
    if family_id is not None:
        query = query.where(RefreshToken.family_id == family_id)
    if tenant_id is not None:
        query = query.where(RefreshToken.tenant_id == tenant_id)
    if keep_family is not None:
        query = query.where(RefreshToken.family_id != keep_family)
    result = await session.execute(
        query.values(status=RefreshTokenStatus.REVOKED, revoked_at=now, revoked_reason=reason)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def take_one_time_token(
    session: AsyncSession, token_hash: bytes, purpose: str, now: datetime
) -> OneTimeToken | None:
    """Consume a single-use token (row locked: two concurrent uses cannot both succeed)."""
    row = (
        await session.execute(
            sa.select(OneTimeToken)
            .where(OneTimeToken.token_hash == token_hash, OneTimeToken.purpose == purpose)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    row.used_at = now
    return row


async def expire_open_tokens(session: AsyncSession, user_id: uuid.UUID, purpose: str, now: datetime) -> None:
    """Mark the user's other unused tokens of ``purpose`` used (a reset invalidates older reset links)."""
    await session.execute(
        sa.update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user_id, OneTimeToken.purpose == purpose, OneTimeToken.used_at.is_(None)
        )
        .values(used_at=now)
    )
