"""Token revocations: written with the change that causes them, read by every verifier of the fleet."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.auth.principal import TokenKind
from vitrine_kit.auth.revocation import (
    Revocation,
    RevocationPage,
    revocation_key,
    session_revocation_key,
)
from vitrine_kit.db.base import utcnow

from auth_service.config import Settings
from auth_service.models import Membership, TokenRevocation

# Beyond a token's exp, verifiers still honour it for their leeway: keep the entry a little longer.
EXPIRY_MARGIN = timedelta(seconds=60)
PAGE_LIMIT = 10_000


class RevocationService:
    async def revoke(
        self,
        session: AsyncSession,
        kind: TokenKind,
        subject: uuid.UUID,
        tenant_id: uuid.UUID | None,
        *,
        until: datetime,
    ) -> None:
        """Refuse, from now on, every token of ``subject`` in ``tenant_id`` (None: outside any tenant) issued
        before now."""
        await self._record(session, revocation_key(kind, subject, tenant_id), until=until)

    async def _record(self, session: AsyncSession, key: str, *, until: datetime) -> None:
        """Put ``key`` on the list: the tokens under it issued before now are refused until ``until``."""
        now = utcnow()
        session.add(
            TokenRevocation(
                key=key,
                not_before=now,  # tokens carry iat to the millisecond (KeyStore.sign)
                expires_at=until + EXPIRY_MARGIN,
                created_at=now,
            )
        )
        await session.execute(sa.delete(TokenRevocation).where(TokenRevocation.expires_at < now))

    async def revoke_member(
        self, session: AsyncSession, settings: Settings, user_id: uuid.UUID, tenant_id: uuid.UUID
    ) -> None:
        """The member's access tokens in this tenant stop working now (removal, role change)."""
        until = utcnow() + timedelta(seconds=settings.access_token_ttl_s)
        await self.revoke(session, TokenKind.USER, user_id, tenant_id, until=until)

    async def revoke_user(self, session: AsyncSession, settings: Settings, user_id: uuid.UUID) -> None:
        """Every access token of the user stops working now, in each of their tenants and outside any (log out
        everywhere: a stolen token must not outlive it by its 15 minutes)."""
        until = utcnow() + timedelta(seconds=settings.access_token_ttl_s)
        tenants = await session.scalars(sa.select(Membership.tenant_id).where(Membership.user_id == user_id))
        for tenant_id in [*tenants, None]:
            await self.revoke(session, TokenKind.USER, user_id, tenant_id, until=until)

    async def revoke_session(self, session: AsyncSession, settings: Settings, family_id: uuid.UUID) -> None:
        """The access tokens of one session (their ``sid``, the refresh family) stop working now (logout)."""
        until = utcnow() + timedelta(seconds=settings.access_token_ttl_s)
        await self._record(session, session_revocation_key(family_id), until=until)

    async def page(self, session: AsyncSession, since: float) -> RevocationPage:
        """The live entries recorded since ``since`` (epoch seconds), with the database's time."""
        now = (await session.execute(sa.select(sa.func.now()))).scalar_one()
        rows = await session.execute(
            sa.select(TokenRevocation)
            .where(
                TokenRevocation.created_at >= datetime.fromtimestamp(since, tz=now.tzinfo),
                TokenRevocation.expires_at > now,
            )
            .order_by(TokenRevocation.created_at)
            .limit(PAGE_LIMIT)
        )
        found = list(rows.scalars())
        entries = [Revocation(r.key, r.not_before.timestamp(), r.expires_at.timestamp()) for r in found]
        # A full page answers up to its last entry, so the next call continues from there.
        upto = found[-1].created_at if len(found) == PAGE_LIMIT else now
        return RevocationPage(entries, upto.timestamp())


revocation_service = RevocationService()
