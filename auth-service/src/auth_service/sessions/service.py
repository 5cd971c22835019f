"""Login, refresh-token rotation with reuse detection, logout."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.db.base import utcnow
from vitrine_kit.errors import ProblemError

from auth_service.accounts import repository as accounts_repo
from auth_service.context import AuthContext
from auth_service.errors import (
    InvalidCredentials,
    InvalidRefreshToken,
    NotAMember,
    RefreshInProgress,
    RefreshTokenReused,
)
from auth_service.models import Membership, RefreshToken, RefreshTokenStatus, User
from auth_service.revocations.service import revocation_service
from auth_service.security.secrets import digest, new_token
from auth_service.security.throttle import account_key, ip_key
from auth_service.sessions.schemas import TokenPair

REFRESH_PREFIX = "vrt_"


class SessionService:
    """Issues token pairs and keeps refresh-token families honest."""

    async def issue(
        self,
        session: AsyncSession,
        auth: AuthContext,
        *,
        user_id: uuid.UUID,
        tenant_id: uuid.UUID,
        role: str,
        family_id: uuid.UUID | None = None,
    ) -> tuple[TokenPair, RefreshToken]:
        """A new access token and a new refresh token (in ``family_id``, or a new family)."""
        settings = auth.settings
        family_id = family_id or uuid.uuid4()
        raw = REFRESH_PREFIX + new_token(32)
        row = RefreshToken(
            id=uuid.uuid4(),
            family_id=family_id,
            user_id=user_id,
            tenant_id=tenant_id,
            token_hash=digest(raw),
            status=RefreshTokenStatus.ACTIVE,
            expires_at=utcnow() + timedelta(seconds=settings.refresh_token_ttl_s),
        )
        session.add(row)
        await session.flush()
        access, _ = await auth.keys.sign(
            {
                "sub": str(user_id),
                "tid": str(tenant_id),
                "roles": [role],
                "scope": "user",
                "sid": str(family_id),  # the session (refresh family) this token belongs to
            },
            settings.access_token_ttl_s,
        )
        pair = TokenPair(access_token=access, refresh_token=raw, expires_in=settings.access_token_ttl_s)
        return pair, row

    async def login(
        self,
        session: AsyncSession,
        auth: AuthContext,
        *,
        email: str,
        password: str,
        tenant_id: uuid.UUID | None,
        client_ip: str,
    ) -> TokenPair:
        """Check the password (throttled per account and per IP) and open a new session."""
        email = email.strip().lower()
        keys = [account_key(email), ip_key(client_ip)]
        await auth.throttler.check(keys)
        user = await accounts_repo.user_by_email(session, email)
        if user is None:
            await auth.hasher.verify_nobody(password)
            await auth.throttler.fail(keys)
            raise InvalidCredentials()
        if not await auth.hasher.verify(user.password_hash, password):
            await auth.throttler.fail(keys)
            raise InvalidCredentials()
        await auth.throttler.clear(keys[0])
        if auth.hasher.needs_rehash(user.password_hash):
            user.password_hash = await auth.hasher.hash(password)
        membership = await self._pick_membership(session, user, tenant_id)
        pair, _ = await self.issue(
            session, auth, user_id=user.id, tenant_id=membership.tenant_id, role=membership.role
        )
        return pair

    async def _pick_membership(
        self, session: AsyncSession, user: User, tenant_id: uuid.UUID | None
    ) -> Membership:
        memberships = [m for m, _ in await accounts_repo.memberships_of(session, user.id)]
        if tenant_id is not None:
            for m in memberships:
                if m.tenant_id == tenant_id:
                    return m
            raise NotAMember()
        if not memberships:
            raise NotAMember("This account belongs to no seller account any more.")
        owned = [m for m in memberships if m.role == "owner"]
        return (owned or memberships)[0]

    async def refresh(self, auth: AuthContext, raw_token: str) -> TokenPair:
        """Rotate a refresh token.

        Runs in its own transaction: a detected reuse must revoke the family *and* answer 401, which the
        request session (rolled back on any error) could not do. ``FOR UPDATE`` on the token row makes
        concurrent refreshes of one token queue up; the second then sees it rotated. Within
        ``refresh_grace_s`` of that rotation, while the successor is unused, it gets 409 (retry with the
        token the first request received) instead of revoking the family; later it is a reuse.
        """
        outcome: TokenPair | ProblemError
        async with auth.db.session() as session, session.begin():
            outcome = await self._rotate(session, auth, raw_token)
        if isinstance(outcome, ProblemError):
            raise outcome
        return outcome

    async def _rotate(
        self, session: AsyncSession, auth: AuthContext, raw_token: str
    ) -> TokenPair | ProblemError:
        now = utcnow()
        row = (
            await session.execute(
                sa.select(RefreshToken).where(RefreshToken.token_hash == digest(raw_token)).with_for_update()
            )
        ).scalar_one_or_none()
        if row is None or row.status is RefreshTokenStatus.REVOKED:
            return InvalidRefreshToken()
        if row.status is RefreshTokenStatus.ROTATED:
            successor = (
                await session.execute(sa.select(RefreshToken).where(RefreshToken.id == row.replaced_by))
            ).scalar_one_or_none()
            within_grace = row.rotated_at is not None and (now - row.rotated_at) <= timedelta(
                seconds=auth.settings.refresh_grace_s
            )
            if within_grace and successor is not None and successor.status is RefreshTokenStatus.ACTIVE:
                return RefreshInProgress(
                    "This refresh token was just rotated by a concurrent request; use the tokens that request received."
                )
            await accounts_repo.revoke_families(session, reason="reuse", now=now, family_id=row.family_id)
            return RefreshTokenReused()
        if row.expires_at <= now:
            return InvalidRefreshToken("The refresh token has expired.")
        membership = await accounts_repo.membership(session, row.tenant_id, row.user_id)
        if membership is None:
            await accounts_repo.revoke_families(
                session, reason="membership", now=now, family_id=row.family_id
            )
            return InvalidRefreshToken("You are no longer a member of this seller account.")
        pair, successor = await self.issue(
            session,
            auth,
            user_id=row.user_id,
            tenant_id=row.tenant_id,
            role=membership.role,
            family_id=row.family_id,
        )
        row.status, row.rotated_at, row.replaced_by = RefreshTokenStatus.ROTATED, now, successor.id
        return pair

    async def logout(self, session: AsyncSession, auth: AuthContext, raw_token: str) -> None:
        """Revoke the family of a refresh token and put the session's access tokens (its ``sid``) on the
        revocation list (unknown tokens are ignored: logout is idempotent)."""
        row = (
            await session.execute(sa.select(RefreshToken).where(RefreshToken.token_hash == digest(raw_token)))
        ).scalar_one_or_none()
        if row is not None:
            await accounts_repo.revoke_families(
                session, reason="logout", now=utcnow(), family_id=row.family_id
            )
            await revocation_service.revoke_session(session, auth.settings, row.family_id)

    async def logout_all(self, session: AsyncSession, auth: AuthContext, user_id: uuid.UUID) -> None:
        """Revoke every refresh family of the user, and put their access tokens on the revocation list."""
        await accounts_repo.revoke_families(session, reason="logout-all", now=utcnow(), user_id=user_id)
        await revocation_service.revoke_user(session, auth.settings, user_id)


session_service = SessionService()
