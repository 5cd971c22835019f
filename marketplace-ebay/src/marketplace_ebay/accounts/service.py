"""Connecting eBay accounts: state, code exchange, encrypted tokens, refresh, disconnect, setup."""

from __future__ import annotations

import hmac
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.common import Marketplace
from vitrine_contracts.marketplace import AccountConnected, AccountDisconnected, AccountSessionExpired
from vitrine_kit.auth.principal import Principal
from vitrine_kit.db.base import utcnow
from vitrine_kit.db.tenancy import TenantRegistry
from vitrine_marketplace import AuthExpired, AuthRevoked, MarketplaceError, MarketplaceRejected, OAuthTokens
from vitrine_marketplace.oauth import new_state, state_digest

from marketplace_ebay.accounts import repository
from marketplace_ebay.accounts.schemas import SetupIn, SetupItem, SetupOut
from marketplace_ebay.context import EbayContext
from marketplace_ebay.ebay_api import CURRENCIES, POLICY_KINDS, SITES, EbaySeller
from marketplace_ebay.errors import (
    AccountHasLiveListings,
    AccountNeedsReconnect,
    AccountNotFound,
    ConnectionRefused,
    EbayRejected,
    EbayUnavailable,
    InvalidState,
    OtherBrowser,
    UnknownSite,
)
from marketplace_ebay.models import AccountStatus, EbayAccount, OAuthState

logger = logging.getLogger(__name__)
T = TypeVar("T")


def slot_key(site: str, ebay_user_id: str) -> str:
    """The account as billing counts it: one per eBay user and site (all of them one marketplace)."""
    return f"{site}:{ebay_user_id}"


class AccountService:
    """Everything about an account's connection and its tokens."""

    async def start_connect(
        self, session: AsyncSession, ctx: EbayContext, principal: Principal, site: str | None
    ) -> tuple[str, str]:
        """``(consent URL, browser cookie value)``: the ``state`` is stored hashed, single-use, expiring, bound
        to tenant, user and the browser holding the cookie (a victim finishing an attacker's link connects
        nothing)."""
        site = site or ctx.settings.default_site
        if site not in SITES:
            raise UnknownSite(f"{site} is not one of {', '.join(sorted(SITES))}.")
        if ctx.slots is not None:
            await ctx.slots.check(principal.tenant)  # refused before the consent page, naming the plan
        state, browser = new_state(), secrets.token_urlsafe(32)
        session.add(
            OAuthState(
                state_hash=state_digest(state),
                tenant_id=principal.tenant,
                user_id=principal.user_id,
                site=site,
                browser_hash=state_digest(browser),
                expires_at=utcnow() + timedelta(seconds=ctx.settings.oauth_state_ttl_s),
            )
        )
        return ctx.ebay.authorize_url(state=state, site=site), browser

    async def _claim_state(self, ctx: EbayContext, state: str, browser: str | None) -> OAuthState:
        """Use the state up, whatever happens next (a replay finds it used), then check the browser."""
        async with ctx.db.session() as session:
            found = (
                await session.execute(
                    sa.select(OAuthState)
                    .where(OAuthState.state_hash == state_digest(state))
                    .with_for_update()
                )
            ).scalar_one_or_none()
            if found is None or found.used_at is not None or found.expires_at <= utcnow():
                raise InvalidState("Start the eBay connection again from Vitrine.")
            found.used_at = utcnow()
            await session.commit()  # commit: the state is used up even if the exchange then fails
        expected = found.browser_hash
        if expected is None or browser is None or not hmac.compare_digest(state_digest(browser), expected):
            logger.warning(
                "ebay callback from another browser refused", extra={"tenant": str(found.tenant_id)}
            )
            raise OtherBrowser("Finish connecting eBay in the browser where you started it.")
        return found

    async def complete_connect(
        self, ctx: EbayContext, tenants: TenantRegistry, code: str, state: str, browser: str | None
    ) -> EbayAccount:
        """The OAuth callback: check the state and the browser, exchange the code, store the tokens encrypted."""
        claimed = await self._claim_state(ctx, state, browser)
        try:
            tokens = await ctx.ebay.exchange_code(code)
            probe = EbaySeller(account_id="connect", site=claimed.site, access_token=tokens.access_token)
            me = await ctx.ebay.identity(probe)
        except MarketplaceError as exc:
            raise ConnectionRefused(exc.message) from exc
        await tenants.ensure(claimed.tenant_id)
        if ctx.slots is not None:
            await ctx.slots.claim(claimed.tenant_id, slot_key(claimed.site, str(me["userId"])))
        async with ctx.db.tenant_session(claimed.tenant_id) as session:
            account = await repository.by_ebay_user(session, str(me["userId"]), claimed.site)
            if account is None:
                account = EbayAccount(
                    id=uuid.uuid4(),
                    connected_by=claimed.user_id,
                    site=claimed.site,
                    ebay_user_id=str(me["userId"]),
                )
                session.add(account)
            account.ebay_username = me.get("username")
            account.status = AccountStatus.ACTIVE
            self._store_tokens(ctx, account, tokens)
            await session.flush()
            await repository.register(session, account, claimed.tenant_id, utcnow())
            ctx.outbox.add(
                session,
                AccountConnected(
                    marketplace=Marketplace.EBAY,
                    account_id=account.id,
                    display_name=account.ebay_username,
                    site=account.site,
                ),
                tenant_id=claimed.tenant_id,
            )
            await session.commit()  # commit: the public callback has no request tenant: the state's own
        logger.info("ebay account connected", extra={"account": str(account.id), "site": account.site})
        return account

    def _store_tokens(self, ctx: EbayContext, account: EbayAccount, tokens: OAuthTokens) -> None:
        account.access_token_enc = ctx.cipher.encrypt(tokens.access_token)
        account.access_expires_at = tokens.access_expires_at
        if tokens.refresh_token:
            account.refresh_token_enc = ctx.cipher.encrypt(tokens.refresh_token)
        if tokens.refresh_expires_at:
            account.refresh_expires_at = tokens.refresh_expires_at
        account.scopes = tokens.scopes or account.scopes or list(ctx.settings.scopes)

    async def refresh(
        self, session: AsyncSession, ctx: EbayContext, tenant_id: uuid.UUID, account: EbayAccount
    ) -> None:
        """A new access token from the stored refresh token; a refused one marks the account for reconnection."""
        if account.refresh_token_enc is None:
            raise AuthRevoked("no refresh token stored")
        try:
            tokens = await ctx.ebay.refresh_tokens(
                ctx.cipher.decrypt(account.refresh_token_enc), account.scopes
            )
        except AuthRevoked:
            await self.mark_reconnect(ctx, tenant_id, account)
            raise
        self._store_tokens(ctx, account, tokens)
        await session.flush()

    async def mark_reconnect(self, ctx: EbayContext, tenant_id: uuid.UUID, account: EbayAccount) -> None:
        """eBay refuses the account's tokens: tell catalog once, in a transaction of its own."""
        async with ctx.db.tenant_session(tenant_id) as own:
            flagged = await own.execute(
                sa.update(EbayAccount)
                .where(EbayAccount.id == account.id, EbayAccount.status == AccountStatus.ACTIVE)
                .values(status=AccountStatus.RECONNECT, updated_at=utcnow())
            )
            if flagged.rowcount:  # type: ignore[attr-defined]
                live = len(await repository.live_listings(own, account.id))
                ctx.outbox.add(
                    own,
                    AccountSessionExpired(
                        marketplace=Marketplace.EBAY, account_id=account.id, live_listings=live
                    ),
                    tenant_id=tenant_id,
                )
            await own.commit()  # commit: kept even when the caller rolls back its failed call
        account.status = AccountStatus.RECONNECT

    def seller(self, ctx: EbayContext, account: EbayAccount) -> EbaySeller:
        """The call context of ``account`` with its decrypted access token."""
        return EbaySeller(
            account_id=str(account.id),
            site=account.site,
            access_token=ctx.cipher.decrypt(account.access_token_enc),
            fulfillment_policy_id=account.fulfillment_policy_id,
            payment_policy_id=account.payment_policy_id,
            return_policy_id=account.return_policy_id,
            location_key=account.location_key,
        )

    async def call(
        self,
        session: AsyncSession,
        ctx: EbayContext,
        tenant_id: uuid.UUID,
        account: EbayAccount,
        fn: Callable[[EbaySeller], Awaitable[T]],
    ) -> T:
        """Run ``fn`` with a fresh token: refreshed before expiry, and once more after a 401."""
        if account.status is not AccountStatus.ACTIVE:
            raise AuthRevoked("the account must be reconnected")
        if OAuthTokens(access_token="-", access_expires_at=account.access_expires_at).expires_within(
            ctx.settings.refresh_margin_s
        ):
            await self.refresh(session, ctx, tenant_id, account)
        try:
            return await fn(self.seller(ctx, account))
        except AuthExpired:
            logger.info("access token refused; refreshing", extra={"account": str(account.id)})
            await self.refresh(session, ctx, tenant_id, account)
            return await fn(self.seller(ctx, account))

    async def get(self, session: AsyncSession, account_id: uuid.UUID) -> EbayAccount:
        account = await repository.get(session, account_id)
        if account is None:
            raise AccountNotFound()
        return account

    async def disconnect(
        self,
        session: AsyncSession,
        ctx: EbayContext,
        tenant_id: uuid.UUID,
        account_id: uuid.UUID,
        *,
        end_listings: bool,
    ) -> int:
        """End the account's live listings (409 listing them unless ``end_listings``), then forget the
        account and its tokens (eBay offers no token revocation endpoint); returns how many ended."""
        from marketplace_ebay.accounts.teardown import teardown  # it calls this service: imported on use

        account = await repository.get(session, account_id, lock=True)
        if account is None:
            raise AccountNotFound()
        live = await repository.live_listings(session, account_id, lock=True)
        if live and not end_listings:
            raise AccountHasLiveListings(
                f"{len(live)} listing(s) of this account are live on eBay: end them first "
                "(disconnect with end_listings=true), or they stay on eBay unmanaged.",
                listings=[
                    {"listing_id": x.listing_id, "publication_id": str(x.publication_id or ""), "sku": x.sku}
                    for x in live
                ],
            )
        try:
            ended = await teardown.end_live(
                session,
                ctx,
                tenant_id,
                account,
                live,
                reason="The eBay account was disconnected from Vitrine.",
            )
        except AuthRevoked as exc:
            raise AccountNeedsReconnect(
                "Reconnect eBay first: its listings can only be ended with a valid token."
            ) from exc
        except MarketplaceError as exc:
            raise EbayUnavailable(exc.message) from exc
        await repository.forget(session, account_id)
        ctx.outbox.add(
            session,
            AccountDisconnected(marketplace=Marketplace.EBAY, account_id=account_id, reason="seller"),
            tenant_id=tenant_id,
        )
        if ctx.slots is not None:
            await ctx.slots.release(tenant_id, slot_key(account.site, account.ebay_user_id))
        return ended

    # --- setup ----------------------------------------------------------------------------------------

    async def check_setup(
        self, session: AsyncSession, ctx: EbayContext, tenant_id: uuid.UUID, account: EbayAccount
    ) -> SetupOut:
        """The checklist eBay requires before publishing; ids found are remembered on the account."""

        async def run(seller: EbaySeller) -> list[SetupItem]:
            items = [SetupItem(item="business_policies_opt_in", ok=await ctx.ebay.opted_in(seller))]
            for kind in POLICY_KINDS:
                policies = await ctx.ebay.policies(seller, kind) if items[0].ok else []
                chosen = _pick(policies, f"{kind}PolicyId", getattr(account, f"{kind}_policy_id"))
                setattr(account, f"{kind}_policy_id", chosen)
                items.append(SetupItem(item=f"{kind}_policy", ok=chosen is not None, detail=chosen))
            locations = await ctx.ebay.locations(seller)
            account.location_key = _pick(locations, "merchantLocationKey", account.location_key)
            items.append(
                SetupItem(
                    item="inventory_location",
                    ok=account.location_key is not None,
                    detail=account.location_key,
                )
            )
            return items

        checklist = await self.guarded(session, ctx, tenant_id, account, run)
        await session.flush()
        return SetupOut(account_id=account.id, ready=all(i.ok for i in checklist), checklist=checklist)

    async def guided_setup(
        self,
        session: AsyncSession,
        ctx: EbayContext,
        tenant_id: uuid.UUID,
        account: EbayAccount,
        body: SetupIn,
    ) -> SetupOut:
        """Create what is missing with sensible defaults: opt-in, three policies, the inventory location."""
        currency = CURRENCIES.get(account.site, "EUR")

        async def run(seller: EbaySeller) -> None:
            if not await ctx.ebay.opted_in(seller):
                await ctx.ebay.opt_in(seller)
            defaults = _default_policies(account.site, currency, body)
            for kind in POLICY_KINDS:
                if not await ctx.ebay.policies(seller, kind):
                    await ctx.ebay.create_policy(seller, kind, defaults[kind])
            if not await ctx.ebay.locations(seller) and body.address is not None:
                await ctx.ebay.create_location(seller, "vitrine-default", _location_body(body))

        await self.guarded(session, ctx, tenant_id, account, run)
        return await self.check_setup(session, ctx, tenant_id, account)

    async def guarded(
        self,
        session: AsyncSession,
        ctx: EbayContext,
        tenant_id: uuid.UUID,
        account: EbayAccount,
        fn: Callable[[EbaySeller], Awaitable[T]],
    ) -> T:
        """``call`` for an endpoint: a reconnect needed is a 409, eBay's refusal a 422, eBay down a 503."""
        try:
            return await self.call(session, ctx, tenant_id, account, fn)
        except AuthRevoked as exc:
            raise AccountNeedsReconnect() from exc
        except MarketplaceRejected as exc:
            raise EbayRejected(exc.message) from exc
        except MarketplaceError as exc:
            raise EbayUnavailable(exc.message) from exc


def _pick(rows: list[dict[str, object]], key: str, current: str | None) -> str | None:
    ids = [str(r[key]) for r in rows if r.get(key) is not None]
    return current if current in ids else (ids[0] if ids else None)


def _default_policies(site: str, currency: str, body: SetupIn) -> dict[str, dict[str, object]]:
    category = [{"name": "ALL_EXCLUDING_MOTORS_VEHICLES", "default": True}]
    return {
        "fulfillment": {
            "name": "Vitrine - standard shipping",
            "marketplaceId": site,
            "categoryTypes": category,
            "handlingTime": {"value": body.handling_days, "unit": "DAY"},
            "shippingOptions": [
                {
                    "optionType": "DOMESTIC",
                    "costType": "FLAT_RATE",
                    "shippingServices": [
                        {
                            "sortOrder": 1,
                            "shippingServiceCode": "Other",
                            "shippingCost": {"value": "0.00", "currency": currency},
                            "freeShipping": True,
                        }
                    ],
                }
            ],
        },
        "payment": {
            "name": "Vitrine - immediate payment",
            "marketplaceId": site,
            "categoryTypes": category,
            "immediatePay": True,
        },
        "return": {
            "name": f"Vitrine - {body.return_days}-day returns",
            "marketplaceId": site,
            "categoryTypes": category,
            "returnsAccepted": True,
            "returnPeriod": {"value": body.return_days, "unit": "DAY"},
            "returnShippingCostPayer": "BUYER",
            "refundMethod": "MONEY_BACK",
        },
    }


def _location_body(body: SetupIn) -> dict[str, object]:
    assert body.address is not None
    address = {
        "country": body.address.country,
        "postalCode": body.address.postal_code,
        "city": body.address.city,
        "stateOrProvince": body.address.state_or_province,
        "addressLine1": body.address.address_line1,
    }
    return {
        "location": {"address": {k: v for k, v in address.items() if v}},
        "locationTypes": ["WAREHOUSE"],
        "name": "Vitrine - ships from",
        "merchantLocationStatus": "ENABLED",
    }


account_service = AccountService()
