"""The shop's tokens: decrypted for a call, refreshed before they expire, one refresh at a time.

Etsy rotates refresh tokens: the one sent is dead as soon as Etsy answers. So a refresh runs in a
transaction of its own that holds the account row (``FOR UPDATE``: one refresh per account across every
replica; the others wait, then find the new token), and commits the rotated pair before the new access token
is used. A refused refresh marks the account for reconnection and emits ``session_expired`` in that same
transaction.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.common import Marketplace
from vitrine_contracts.marketplace import AccountSessionExpired
from vitrine_kit.db.base import utcnow
from vitrine_marketplace import AuthExpired, AuthRevoked, OAuthTokens

from marketplace_etsy.accounts import repository
from marketplace_etsy.context import EtsyContext
from marketplace_etsy.etsy.listing import EtsyShop
from marketplace_etsy.models import AccountStatus, EtsyAccount, EtsyListing, ListingState

logger = logging.getLogger(__name__)
T = TypeVar("T")


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
        """Refresh under the account's row lock and commit the rotated pair before anyone uses it.

        ``refused``: the access token Etsy just refused; if another worker stored a different one while
        this one waited for the lock, that one is used and Etsy is not asked again.
        """
        async with ctx.db.tenant_session(tenant_id) as session:
            # Bounded: a caller that wrote the account row in its own open transaction would wait forever.
            await session.execute(sa.select(sa.func.set_config("lock_timeout", "15s", True)))
            locked = await repository.get(session, account.id, lock=True)
            if locked is None:
                raise AuthRevoked("the Etsy shop was disconnected")
            if locked.status is not AccountStatus.ACTIVE:
                raise AuthRevoked("the Etsy shop must be reconnected")
            current = ctx.cipher.decrypt(locked.access_token_enc)
            stale = OAuthTokens(access_token=current, access_expires_at=locked.access_expires_at)
            someone_refreshed = (refused is not None and current != refused) or (
                refused is None and not stale.expires_within(ctx.settings.refresh_margin_s)
            )
            if not someone_refreshed:
                if locked.refresh_token_enc is None:
                    await self._expired(ctx, session, tenant_id, locked)
                    raise AuthRevoked("no refresh token stored")
                try:
                    tokens = await ctx.etsy.refresh_tokens(ctx.cipher.decrypt(locked.refresh_token_enc))
                except AuthRevoked:
                    await self._expired(ctx, session, tenant_id, locked)
                    raise
                store_tokens(ctx, locked, tokens)
                logger.info("etsy tokens refreshed", extra={"account": str(locked.id)})
            await session.commit()
        # Never copied onto the caller's ``account``: its session would write an older pair back later.
        return shop_of(ctx, locked)

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
