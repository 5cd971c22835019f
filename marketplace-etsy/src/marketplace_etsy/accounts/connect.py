"""Connecting a shop: authorization code with PKCE (S256), the state and verifier kept server-side.

The state row is single-use, expires, and is bound to the tenant and user who started the connection and
to their browser (a random cookie set on the start response, stored hashed): a seller tricked into finishing
someone else's consent link has no matching cookie, so their shop never lands in the other tenant.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from datetime import timedelta
from enum import StrEnum

import sqlalchemy as sa
from vitrine_contracts.common import Marketplace
from vitrine_contracts.marketplace import AccountConnected
from vitrine_kit.auth.principal import Principal
from vitrine_kit.db.base import utcnow
from vitrine_kit.db.tenancy import TenantGone, TenantNotFound
from vitrine_kit.errors import Forbidden
from vitrine_marketplace import MarketplaceError
from vitrine_marketplace.oauth import new_state, pkce_pair, state_digest
from vitrine_marketplace.slots import MarketplaceLimitReached

from marketplace_etsy.accounts import repository
from marketplace_etsy.accounts.tokens import store_tokens
from marketplace_etsy.context import EtsyContext
from marketplace_etsy.models import EtsyAccount, OAuthState
from marketplace_etsy.scope import Scope

logger = logging.getLogger(__name__)


# A claim younger than this may belong to a connection still completing: never taken over.
CLAIM_SETTLE = timedelta(minutes=5)


class ConnectFailure(StrEnum):
    """Why a callback did not connect a shop (sent back to the app as ``reason``)."""

    DECLINED = "declined"
    INVALID_STATE = "invalid-state"
    STATE_USED = "state-used"
    STATE_EXPIRED = "state-expired"
    OTHER_BROWSER = "other-browser"
    ETSY_REFUSED = "etsy-refused"
    SHOP_ELSEWHERE = "shop-connected-elsewhere"
    ANOTHER_SHOP = "another-shop-connected"
    PLAN_LIMIT = "marketplace-limit-reached"


class ConnectFailed(Exception):
    def __init__(self, reason: ConnectFailure, detail: str = "") -> None:
        super().__init__(detail or reason.value)
        self.reason = reason


def browser_digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


class ConnectService:
    async def start(self, scope: Scope, principal: Principal) -> tuple[str, str]:
        """``(consent URL, browser cookie value)``; the state and verifier are stored, never returned."""
        if principal.kind != "user":
            raise Forbidden("Connect Etsy from your Vitrine account (a user's sign-in), not from the plugin.")
        ctx = scope.context
        if ctx.slots is not None:
            await ctx.slots.check(scope.tenant_id)  # refused before the consent page, naming the plan
        state, (verifier, challenge) = new_state(), pkce_pair()
        browser = secrets.token_urlsafe(32)
        scope.session.add(
            OAuthState(
                state_hash=state_digest(state),
                tenant_id=scope.tenant_id,
                user_id=principal.user_id,
                browser_hash=browser_digest(browser),
                verifier_enc=ctx.cipher.encrypt(verifier),
                expires_at=utcnow() + timedelta(seconds=ctx.settings.oauth_state_ttl_s),
            )
        )
        return ctx.etsy.authorize_url(state=state, code_challenge=challenge), browser

    async def _claim(self, ctx: EtsyContext, state: str, browser: str | None) -> OAuthState:
        """Use the state up, whatever happens next (a replay finds it used), then check its bindings."""
        async with ctx.db.session() as session:
            found = (
                await session.execute(
                    sa.select(OAuthState)
                    .where(OAuthState.state_hash == state_digest(state))
                    .with_for_update()
                )
            ).scalar_one_or_none()
            if found is None:
                raise ConnectFailed(ConnectFailure.INVALID_STATE)
            if found.used_at is not None:
                raise ConnectFailed(ConnectFailure.STATE_USED)
            now = utcnow()
            found.use(now)
            await session.commit()
        if found.expires_at <= now:
            raise ConnectFailed(ConnectFailure.STATE_EXPIRED)
        if browser is None or not hmac.compare_digest(browser_digest(browser), found.browser_hash):
            logger.warning(
                "etsy callback from another browser refused", extra={"tenant": str(found.tenant_id)}
            )
            raise ConnectFailed(ConnectFailure.OTHER_BROWSER)
        return found

    async def complete(self, ctx: EtsyContext, code: str, state: str, browser: str | None) -> EtsyAccount:
        """The callback: check the state, trade the code (with the verifier), store the shop."""
        claimed = await self._claim(ctx, state, browser)
        try:
            tokens = await ctx.etsy.exchange_code(
                code, code_verifier=ctx.cipher.decrypt(claimed.verifier_enc)
            )
            me = await ctx.etsy.me(tokens.access_token)
            shop = await ctx.etsy.shop(tokens.access_token, me.shop_id) if me.shop_id else None
        except MarketplaceError as exc:
            raise ConnectFailed(ConnectFailure.ETSY_REFUSED, exc.message) from exc
        tenant_id = claimed.tenant_id
        await ctx.registry.ensure(tenant_id)
        if ctx.slots is not None:
            try:
                await ctx.slots.claim(tenant_id, str(me.user_id))
            except MarketplaceLimitReached as exc:
                raise ConnectFailed(ConnectFailure.PLAN_LIMIT, exc.detail) from exc
        async with ctx.db.tenant_session(tenant_id) as session:
            known = await repository.current(session)
        if known is not None and known.etsy_user_id != me.user_id:
            raise ConnectFailed(ConnectFailure.ANOTHER_SHOP)
        account_id = known.id if known is not None else uuid.uuid4()
        if me.shop_id is not None:
            await self._claim_shop(ctx, me.shop_id, tenant_id, account_id, me.user_id)
        async with ctx.db.tenant_session(tenant_id) as session:
            account = await repository.current(session)
            if account is not None and account.etsy_user_id != me.user_id:
                raise ConnectFailed(ConnectFailure.ANOTHER_SHOP)
            if account is None:
                account = EtsyAccount(id=account_id, connected_by=claimed.user_id, etsy_user_id=me.user_id)
                session.add(account)
            account.shop_id = me.shop_id
            if shop is not None:
                account.shop_name, account.shop_url = shop.shop_name, shop.url
                account.currency, account.country = shop.currency_code, shop.country
            account.mark_active()
            store_tokens(ctx, account, tokens)
            await session.flush()
            await repository.register(session, account, tenant_id, utcnow())
            ctx.outbox.add(
                session,
                AccountConnected(
                    marketplace=Marketplace.ETSY,
                    account_id=account.id,
                    display_name=account.shop_name,
                    site=account.country,
                    currency=account.currency,  # catalog prices this shop's listings in it
                ),
                tenant_id=tenant_id,
            )
            await session.commit()
        logger.info("etsy shop connected", extra={"account": str(account.id), "shop": account.shop_id})
        return account

    async def _claim_shop(
        self, ctx: EtsyContext, shop_id: int, tenant_id: uuid.UUID, account_id: uuid.UUID, user_id: int
    ) -> None:
        """Claim the shop in the directory (home database), in a transaction of its own before the tenant's
        (which may be on another database): a shop is connected to one tenant only. A claim of another
        tenant that holds no account of the shop any more (it disconnected, or its connection failed after
        claiming) and was not renewed for ``CLAIM_SETTLE`` is stale: this tenant takes it over."""
        async with ctx.db.session() as shared:
            holder = await repository.claim(shared, shop_id, tenant_id, account_id, user_id)
            if holder.tenant_id != tenant_id:
                if holder.claimed_at > utcnow() - CLAIM_SETTLE or not await self._stale(
                    ctx, holder.tenant_id, shop_id
                ):
                    raise ConnectFailed(ConnectFailure.SHOP_ELSEWHERE)
                logger.info("stale etsy shop claim taken over", extra={"shop": shop_id})
                await repository.take_over(
                    shared, holder, tenant_id=tenant_id, account_id=account_id, etsy_user_id=user_id
                )
            await shared.commit()  # commit: the claim comes first; the tenant's transaction may fail after it

    async def _stale(self, ctx: EtsyContext, holder: uuid.UUID, shop_id: int) -> bool:
        """Whether the claiming tenant holds no account of the shop (or is deleted)."""
        try:
            await ctx.registry.ensure(holder, provision=False)
        except (TenantGone, TenantNotFound):
            return True
        async with ctx.db.tenant_session(holder) as session:
            return not await repository.holds(session, shop_id)


connect_service = ConnectService()
