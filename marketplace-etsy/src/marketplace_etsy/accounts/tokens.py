"""The shop's tokens: decrypted for a call, refreshed before they expire, one refresh at a time.

Etsy rotates refresh tokens: the one sent is dead as soon as Etsy answers. So one refresh per account runs
at a time across every replica: a short transaction holding the account row marks it ``refreshing_until`` (the
others wait, with no connection held, then find the new token), Etsy is asked with no connection held, and a
second short transaction commits the rotated pair before the new access token is used. A refused refresh marks
the account for reconnection and emits ``session_expired`` in that transaction. A mark whose holder died lapses
after ``REFRESH_CLAIM_S``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.common import Marketplace
from vitrine_contracts.marketplace import AccountSessionExpired
from vitrine_kit.db.base import utcnow
from vitrine_marketplace import AuthExpired, AuthRevoked, MarketplaceUnavailable, OAuthTokens

from marketplace_etsy.accounts import repository
from marketplace_etsy.context import EtsyContext
from marketplace_etsy.etsy.listing import EtsyShop
from marketplace_etsy.models import AccountStatus, EtsyAccount, EtsyListing, ListingState

logger = logging.getLogger(__name__)
T = TypeVar("T")
REFRESH_CLAIM_S = 60.0  # above the refresh call's longest (its retries included)
REFRESH_WAIT_S = 20.0  # a caller waiting for another's refresh gives up after this (retryable)


def store_tokens(ctx: EtsyContext, account: EtsyAccount, tokens: OAuthTokens) -> None:
    """Encrypt and keep a token pair on ``account`` (the refresh token only when one came)."""
    account.access_token_enc = ctx.cipher.encrypt(tokens.access_token)
    account.access_expires_at = tokens.access_expires_at
    if tokens.refresh_token:
        account.refresh_token_enc = ctx.cipher.encrypt(tokens.refresh_token)
        account.refresh_expires_at = tokens.refresh_expires_at
    account.scopes = tokens.scopes or account.scopes or list(ctx.settings.scopes)
    account.refreshed_at = utcnow()


def shop_of(ctx: EtsyContext, account: EtsyAccount) -> EtsyShop:
    """The call context of ``account`` with its decrypted access token."""
    if account.shop_id is None:
        raise AuthRevoked("this Etsy member has no shop")
    return EtsyShop(
        account_id=str(account.id),
        user_id=account.etsy_user_id,
        shop_id=account.shop_id,
        access_token=ctx.cipher.decrypt(account.access_token_enc),
        currency=account.currency,
        shipping_profile_id=account.shipping_profile_id,
        readiness_state_id=account.readiness_state_id,
        return_policy_id=account.return_policy_id,
    )


class TokenService:
    async def call(
        self,
        ctx: EtsyContext,
        tenant_id: uuid.UUID,
        account: EtsyAccount,
        fn: Callable[[EtsyShop], Awaitable[T]],
    ) -> T:
        """Run ``fn`` with a fresh token: refreshed before expiry, and once more after a 401."""
        shop = await self.fresh(ctx, tenant_id, account)
        try:
            return await fn(shop)
        except AuthExpired:
            logger.info("etsy refused the access token; refreshing", extra={"account": str(account.id)})
            shop = await self.refresh(ctx, tenant_id, account, refused=shop.access_token)
            return await fn(shop)

    async def fresh(self, ctx: EtsyContext, tenant_id: uuid.UUID, account: EtsyAccount) -> EtsyShop:
        """``account``'s call context, its token refreshed first when it expires within the margin."""
        if account.status is not AccountStatus.ACTIVE:
            raise AuthRevoked("the Etsy shop must be reconnected")
        expiring = OAuthTokens(access_token="-", access_expires_at=account.access_expires_at)
        if expiring.expires_within(ctx.settings.refresh_margin_s):
            return await self.refresh(ctx, tenant_id, account)
        return shop_of(ctx, account)

    async def refresh(
        self, ctx: EtsyContext, tenant_id: uuid.UUID, account: EtsyAccount, *, refused: str | None = None
    ) -> EtsyShop:
        """Refresh, one caller at a time per account, and commit the rotated pair before anyone uses it.

        ``refused``: the access token Etsy just refused; if another worker stored a different one while
        this one waited, that one is used and Etsy is not asked again.
        """
        refresh_token = await self._claim_refresh(ctx, tenant_id, account.id, refused)
        if isinstance(refresh_token, EtsyShop):
            return refresh_token  # refreshed by another caller meanwhile
        try:
            tokens = await ctx.etsy.refresh_tokens(refresh_token)  # no connection held meanwhile
        except AuthRevoked:
            async with self._locked(ctx, tenant_id, account.id) as (session, locked):
                locked.refreshing_until = None
                await self._expired(ctx, session, tenant_id, locked)
            raise
        except Exception:
            async with self._locked(ctx, tenant_id, account.id) as (session, locked):
                locked.refreshing_until = None
                await session.commit()
            raise
        async with self._locked(ctx, tenant_id, account.id) as (session, locked):
            store_tokens(ctx, locked, tokens)
            locked.refreshing_until = None
            await session.commit()
        logger.info("etsy tokens refreshed", extra={"account": str(locked.id)})
        # Never copied onto the caller's ``account``: its session would write an older pair back later.
        return shop_of(ctx, locked)

    async def _claim_refresh(
        self, ctx: EtsyContext, tenant_id: uuid.UUID, account_id: uuid.UUID, refused: str | None
    ) -> str | EtsyShop:
        """The refresh token to send, with the account marked as refreshing (committed); or the shop with
        the token another caller stored while this one waited for its refresh to end."""
        deadline = time.monotonic() + REFRESH_WAIT_S
        while True:
            async with self._locked(ctx, tenant_id, account_id) as (session, locked):
                current = ctx.cipher.decrypt(locked.access_token_enc)
                stale = OAuthTokens(access_token=current, access_expires_at=locked.access_expires_at)
                someone_refreshed = (refused is not None and current != refused) or (
                    refused is None and not stale.expires_within(ctx.settings.refresh_margin_s)
                )
                if someone_refreshed:
                    await session.commit()
                    return shop_of(ctx, locked)
                if locked.refresh_token_enc is None:
                    await self._expired(ctx, session, tenant_id, locked)
                    raise AuthRevoked("no refresh token stored")
                now = utcnow()
                if locked.refreshing_until is None or locked.refreshing_until < now:
                    locked.refreshing_until = now + timedelta(seconds=REFRESH_CLAIM_S)
                    refresh_token = ctx.cipher.decrypt(locked.refresh_token_enc)
                    await session.commit()
                    return refresh_token
                await session.commit()
            if time.monotonic() >= deadline:
                raise MarketplaceUnavailable("another refresh of the Etsy tokens is still under way")
            await asyncio.sleep(0.1)

    @asynccontextmanager
    async def _locked(
        self, ctx: EtsyContext, tenant_id: uuid.UUID, account_id: uuid.UUID
    ) -> AsyncIterator[tuple[AsyncSession, EtsyAccount]]:
        """A short transaction holding the account row (never across a call to Etsy)."""
        async with ctx.db.tenant_session(tenant_id) as session:
            # Bounded: a caller that wrote the account row in its own open transaction would wait forever.
            await session.execute(sa.select(sa.func.set_config("lock_timeout", "15s", True)))
            locked = await repository.get(session, account_id, lock=True)
            if locked is None:
                raise AuthRevoked("the Etsy shop was disconnected")
            if locked.status is not AccountStatus.ACTIVE:
                raise AuthRevoked("the Etsy shop must be reconnected")
            yield session, locked

    async def _expired(
        self, ctx: EtsyContext, session: AsyncSession, tenant_id: uuid.UUID, account: EtsyAccount
    ) -> None:
        """Etsy refuses the shop's refresh token: mark it for reconnection and tell catalog (committed)."""
        live = await session.scalar(
            sa.select(sa.func.count())
            .select_from(EtsyListing)
            .where(EtsyListing.account_id == account.id, EtsyListing.state == ListingState.ACTIVE)
        )
        account.mark_reconnect()
        ctx.outbox.add(
            session,
            AccountSessionExpired(
                marketplace=Marketplace.ETSY, account_id=account.id, live_listings=int(live or 0)
            ),
            tenant_id=tenant_id,
        )
        await session.commit()
        logger.warning("etsy refused the refresh token; reconnect needed", extra={"account": str(account.id)})


token_service = TokenService()
