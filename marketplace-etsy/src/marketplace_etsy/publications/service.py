"""Publishing and ending listings on ``publication.requested.etsy`` / ``publication.delist_requested.etsy``."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.catalog import (
    PublicationDelisted,
    PublicationDelistFailed,
    PublicationDelistRequested,
    PublicationFailed,
    PublicationRequested,
    PublicationSucceeded,
)
from vitrine_contracts.common import Marketplace
from vitrine_kit.clients.media import MediaUnavailable, PhotoMissing
from vitrine_marketplace import (
    AuthRevoked,
    MarketplaceError,
    MarketplaceRejected,
    PublishedListing,
)

from marketplace_etsy.accounts import repository as accounts
from marketplace_etsy.accounts.setup import setup_service
from marketplace_etsy.accounts.tokens import token_service
from marketplace_etsy.context import EtsyContext
from marketplace_etsy.etsy.listing import EtsyShop
from marketplace_etsy.models import AccountStatus, CommandAction, EtsyAccount, EtsyListing, ListingState
from marketplace_etsy.publications import progress as steps
from marketplace_etsy.publications.attempts import Attempt, count_attempt, lock_publication
from marketplace_etsy.publications.draft import etsy_draft, seller_reason, sku_for
from marketplace_etsy.scope import Scope

logger = logging.getLogger(__name__)


class SetupIncomplete(MarketplaceRejected):
    code = "setup-incomplete"


class PublicationService:
    """The adapter's side of a publication: the listing row and its steps, Etsy's calls, the result."""

    async def publish(self, scope: Scope, event: PublicationRequested) -> None:
        """draft → photos → active (or a revise of the live listing), then ``succeeded`` or ``failed``."""
        ctx = scope.context
        await lock_publication(scope.session, event.publication_id)
        account = await self._account(scope.session, event.account_id)
        if account is None:
            self._failed(
                scope, event, "no-account", "Connect your Etsy shop in Vitrine before publishing to Etsy."
            )
            return
        if account.status is not AccountStatus.ACTIVE:
            self._failed(
                scope, event, "account-reconnect", "Etsy no longer accepts this shop: connect Etsy again."
            )
            return
        if account.shop_id is None:
            self._failed(
                scope, event, "setup-incomplete", "Open your Etsy shop, then connect it to Vitrine again."
            )
            return
        sku = sku_for(event.publication_id)
        built = etsy_draft(event.snapshot, sku)
        if built.draft is None:
            self._failed(scope, event, "incomplete-product", f"Etsy needs {', '.join(built.missing)}.")
            return
        draft = built.draft
        if account.currency and draft.currency != account.currency:
            self._failed(
                scope,
                event,
                "currency-mismatch",
                f"Your Etsy shop sells in {account.currency}; this product is priced in {draft.currency}.",
            )
            return
        action = CommandAction.REVISE if event.action == "revise" else CommandAction.PUBLISH
        attempt = await count_attempt(
            scope, event.publication_id, action, started=(event.product_id, Marketplace.ETSY)
        )
        row, ranks = await steps.claim_row(ctx, scope.tenant_id, event, account, sku)
        if row.state is ListingState.ACTIVE and action is CommandAction.PUBLISH and row.listing_id:
            self._succeeded(scope, event, PublishedListing(external_id=str(row.listing_id), url=row.url))
            return  # listed by an earlier attempt whose result was lost: nothing to ask Etsy
        progress = steps.StoredProgress(ctx, scope.tenant_id, row, ranks)
        revising = action is CommandAction.REVISE and row.state is ListingState.ACTIVE and row.listing_id

        async def photo(media_id: str) -> bytes:
            return await ctx.media.image_bytes(
                scope.tenant_id, uuid.UUID(media_id), ctx.settings.image_rendition
            )

        async def run(shop: EtsyShop) -> PublishedListing:
            shop = await self._with_profiles(ctx, scope.tenant_id, account, shop)
            if revising:
                return await ctx.etsy.revise(shop, draft.model_copy(update={"listing_id": row.listing_id}))
            return await ctx.etsy.publish(shop, draft, progress=progress, photos=photo)

        try:
            result = await token_service.call(ctx, scope.tenant_id, account, run)
        except AuthRevoked:
            await self._record_failure(ctx, scope.tenant_id, row, "account-reconnect")
            self._failed(
                scope, event, "account-reconnect", "Etsy no longer accepts this shop: connect Etsy again."
            )
            return
        except PhotoMissing as exc:
            await self._record_failure(ctx, scope.tenant_id, row, str(exc))
            self._failed(
                scope, event, "photo-missing", f"{exc} Remove it from the product or upload it again."
            )
            return
        except MarketplaceRejected as exc:
            code, reason = seller_reason(exc)
            if code == "setup-incomplete":
                await self._forget_profiles(ctx, scope.tenant_id, account)
            await self._record_failure(ctx, scope.tenant_id, row, reason)
            self._failed(scope, event, code, reason)
            return
        except (MarketplaceError, MediaUnavailable) as exc:
            what = exc.message if isinstance(exc, MarketplaceError) else str(exc)
            if self._will_retry(ctx, attempt):
                logger.warning(
                    "etsy publish will be retried", extra={"attempt": attempt.number, "error": what}
                )
                raise  # redelivered with a growing delay; the next delivery resumes from the recorded steps
            await self._record_failure(ctx, scope.tenant_id, row, what)
            reason = f"Etsy could not be reached after {attempt.delivery} tries ({what}). Try again in a few minutes."
            self._failed(scope, event, "etsy-unavailable", reason, retryable=True)
            return

        def listed(listing: EtsyListing) -> None:
            listing.price, listing.currency, listing.quantity = draft.price, draft.currency, draft.quantity
            if result.url:
                listing.url = result.url

        await steps.record(ctx, scope.tenant_id, row.id, listed)
        self._succeeded(scope, event, result)

    async def delist(self, scope: Scope, event: PublicationDelistRequested) -> None:
        """deleteListing (or deactivate), then ``publication.delisted`` or ``publication.delist_failed``."""
        ctx = scope.context
        await lock_publication(scope.session, event.publication_id)
        row = await self._listing_of(scope.session, event)
        if row is not None and row.state is ListingState.DELISTED:
            self._delisted(scope, event)
            return
        listing_id = row.listing_id if row is not None else _external_id(event.external_id)
        account = (
            await accounts.get(scope.session, row.account_id)
            if row is not None
            else await accounts.current(scope.session)
        )
        requested_draft = row is not None and row.listing_id is None and row.draft_requested_at is not None
        if account is None or (listing_id is None and not requested_draft):
            self._delisted(scope, event)  # nothing of it on Etsy that Vitrine knows of
            return
        if account.status is not AccountStatus.ACTIVE:
            self._delist_failed(
                scope,
                event,
                "Etsy no longer accepts this shop: connect Etsy again, then end the listing.",
                False,
            )
            return
        attempt = await count_attempt(scope, event.publication_id, CommandAction.DELIST)

        async def end(shop: EtsyShop) -> None:
            target = listing_id
            if target is None and row is not None and row.draft_requested_at is not None:
                target = await ctx.etsy.find_draft(shop, row.title or "", since=row.draft_requested_at)
            if target is not None:
                await ctx.etsy.end_listing(shop, target)

        try:
            await token_service.call(ctx, scope.tenant_id, account, end)
        except AuthRevoked:
            self._delist_failed(
                scope,
                event,
                "Etsy no longer accepts this shop: connect Etsy again, then end the listing.",
                False,
            )
            return
        except MarketplaceRejected as exc:
            self._delist_failed(scope, event, exc.message, False)
            return
        except MarketplaceError as exc:
            if self._will_retry(ctx, attempt):
                raise
            self._delist_failed(
                scope,
                event,
                f"Etsy could not be reached after {attempt.delivery} tries ({exc.message}).",
                True,
            )
            return
        if row is not None:
            row.mark_delisted()
        self._delisted(scope, event)

    # --- helpers --------------------------------------------------------------------------------------

    def _will_retry(self, ctx: EtsyContext, attempt: Attempt) -> bool:
        """Whether a failure now is left to the broker's redelivery (never past the kit's own limit)."""
        last = min(ctx.settings.command_max_attempts, ctx.settings.consumer_max_attempts)
        return attempt.delivery < last

    async def _account(self, session: AsyncSession, account_id: uuid.UUID | None) -> EtsyAccount | None:
        if account_id is not None:
            return await accounts.get(session, account_id)
        return await accounts.current(session)

    async def _listing_of(
        self, session: AsyncSession, event: PublicationDelistRequested
    ) -> EtsyListing | None:
        condition = EtsyListing.publication_id == event.publication_id
        external = _external_id(event.external_id)
        if external is not None:
            condition = sa.or_(condition, EtsyListing.listing_id == external)
        rows = (await session.execute(sa.select(EtsyListing).where(condition))).scalars().all()
        return next((r for r in rows if r.publication_id == event.publication_id), rows[0] if rows else None)

    async def _with_profiles(
        self, ctx: EtsyContext, tenant_id: uuid.UUID, account: EtsyAccount, shop: EtsyShop
    ) -> EtsyShop:
        """The shop with the profiles its listings use: known on the account, or found on Etsy now (and
        kept); else ``SetupIncomplete`` naming what the seller must create."""
        known = shop.shipping_profile_id is not None and shop.readiness_state_id is not None
        if known:
            return shop
        setup = await setup_service.inspect_with(ctx, shop, account)
        if not setup.ready:
            missing = ", ".join(item.item.value.replace("_", " ") for item in setup.missing())
            raise SetupIncomplete(
                f"Your Etsy shop is not ready to sell: missing {missing}. Run the Etsy setup check in Vitrine."
            )
        async with ctx.db.tenant_session(tenant_id) as session:
            await session.execute(
                sa.update(EtsyAccount)
                .where(EtsyAccount.id == account.id)
                .values(
                    shipping_profile_id=setup.shipping_profile_id,
                    readiness_state_id=setup.readiness_state_id,
                    return_policy_id=setup.return_policy_id,
                )
            )
            await session.commit()  # commit: kept if this delivery rolls back and is retried
        return dataclasses.replace(
            shop,
            shipping_profile_id=setup.shipping_profile_id,
            readiness_state_id=setup.readiness_state_id,
            return_policy_id=setup.return_policy_id,
        )

    async def _forget_profiles(self, ctx: EtsyContext, tenant_id: uuid.UUID, account: EtsyAccount) -> None:
        """Etsy refused a profile: look them up again on the next attempt."""
        async with ctx.db.tenant_session(tenant_id) as session:
            await session.execute(
                sa.update(EtsyAccount)
                .where(EtsyAccount.id == account.id)
                .values(shipping_profile_id=None, readiness_state_id=None, return_policy_id=None)
            )
            await session.commit()  # commit: forgotten even if this delivery rolls back

    async def _record_failure(
        self, ctx: EtsyContext, tenant_id: uuid.UUID, row: EtsyListing, reason: str
    ) -> None:
        def failed(listing: EtsyListing) -> None:
            if listing.state is ListingState.ACTIVE:
                listing.last_error = reason[:2000]  # a failed revise leaves the listing live
            else:
                listing.mark_failed(reason)

        await steps.record(ctx, tenant_id, row.id, failed)

    def _succeeded(self, scope: Scope, event: PublicationRequested, result: PublishedListing) -> None:
        scope.emit(
            PublicationSucceeded(
                publication_id=event.publication_id,
                product_id=event.product_id,
                marketplace=Marketplace.ETSY,
                external_id=result.external_id,
                url=result.url,
                listed_at=datetime.now(UTC),
            )
        )

    def _failed(
        self, scope: Scope, event: PublicationRequested, code: str, reason: str, *, retryable: bool = False
    ) -> None:
        logger.info("etsy publication failed", extra={"publication": str(event.publication_id), "code": code})
        scope.emit(
            PublicationFailed(
                publication_id=event.publication_id,
                product_id=event.product_id,
                marketplace=Marketplace.ETSY,
                reason=reason,
                code=code,
                retryable=retryable,
            )
        )

    def _delisted(self, scope: Scope, event: PublicationDelistRequested) -> None:
        scope.emit(
            PublicationDelisted(
                publication_id=event.publication_id,
                product_id=event.product_id,
                marketplace=Marketplace.ETSY,
                delisted_at=datetime.now(UTC),
            )
        )

    def _delist_failed(
        self, scope: Scope, event: PublicationDelistRequested, reason: str, retryable: bool
    ) -> None:
        scope.emit(
            PublicationDelistFailed(
                publication_id=event.publication_id,
                product_id=event.product_id,
                marketplace=Marketplace.ETSY,
                reason=reason,
                retryable=retryable,
            )
        )


def _external_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


publication_service = PublicationService()
