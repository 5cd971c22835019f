"""Publishing and ending listings on ``publication.requested.etsy`` / ``publication.delist_requested.etsy``."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts import Event
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
from vitrine_kit.db.base import utcnow
from vitrine_kit.events.consumer import Preparing
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
from marketplace_etsy.etsy.listing import EtsyDraft, EtsyShop
from marketplace_etsy.models import AccountStatus, CommandAction, EtsyAccount, EtsyListing, ListingState
from marketplace_etsy.publications import progress as steps
from marketplace_etsy.publications.attempts import (
    Attempt,
    already_handled,
    claimed,
    count_attempt,
    release_now,
    release_publication,
)
from marketplace_etsy.publications.draft import etsy_draft, seller_reason, sku_for
from marketplace_etsy.scope import Scope

logger = logging.getLogger(__name__)


class SetupIncomplete(MarketplaceRejected):
    code = "setup-incomplete"


@dataclass(frozen=True)
class Outcome:
    """What a command came to at Etsy (worked out by ``prepare_*`` with no connection held): recorded on the
    listing row, the publication's claim released and the event emitted, all in the message's transaction."""

    event: Event | None  # None: nothing left to do (the message was handled meanwhile)
    claim: uuid.UUID | None = None
    row_id: uuid.UUID | None = None
    change: Callable[[EtsyListing], None] | None = None


class PublicationService:
    """The adapter's side of a publication: the listing row and its steps, Etsy's calls, the result.

    Etsy and media-service are called in ``prepare_publish`` / ``prepare_delist``, before the message's
    transaction, each step committed in a short transaction of its own; :meth:`finish` records the outcome
    in the message's transaction."""

    async def prepare_publish(
        self, preparing: Preparing[EtsyContext], event: PublicationRequested
    ) -> Outcome:
        """draft → photos → active (or a revise of the live listing): ``succeeded`` or ``failed``."""
        return await self._claimed(
            preparing, event.publication_id, lambda claim: self._publish(preparing, event, claim)
        )

    async def _publish(
        self, preparing: Preparing[EtsyContext], event: PublicationRequested, claim: uuid.UUID
    ) -> Outcome:
        ctx, tenant_id, envelope = preparing.context, preparing.tenant_id, preparing.envelope
        async with ctx.db.tenant_session(tenant_id) as session:
            account = await self._account(session, event.account_id)
        if account is None:
            reason = "Connect your Etsy shop in Vitrine before publishing to Etsy."
            return Outcome(self._failed(event, "no-account", reason), claim)
        if account.status is not AccountStatus.ACTIVE:
            reason = "Etsy no longer accepts this shop: connect Etsy again."
            return Outcome(self._failed(event, "account-reconnect", reason), claim)
        if account.shop_id is None:
            reason = "Open your Etsy shop, then connect it to Vitrine again."
            return Outcome(self._failed(event, "setup-incomplete", reason), claim)
        sku = sku_for(event.publication_id)
        built = etsy_draft(event.snapshot, sku)
        if built.draft is None:
            reason = f"Etsy needs {', '.join(built.missing)}."
            return Outcome(self._failed(event, "incomplete-product", reason), claim)
        draft = built.draft
        if account.currency and draft.currency != account.currency:
            reason = (
                f"Your Etsy shop sells in {account.currency}; this product is priced in {draft.currency}."
            )
            return Outcome(self._failed(event, "currency-mismatch", reason), claim)
        action = CommandAction.REVISE if event.action == "revise" else CommandAction.PUBLISH
        attempt = await count_attempt(
            ctx,
            envelope,
            tenant_id,
            event.publication_id,
            action,
            started=(event.product_id, Marketplace.ETSY),
        )
        row, ranks = await steps.claim_row(ctx, tenant_id, event, account, sku)
        if row.state is ListingState.ACTIVE and action is CommandAction.PUBLISH and row.listing_id:
            # listed by an earlier attempt whose result was lost: nothing to ask Etsy
            listed = PublishedListing(external_id=str(row.listing_id), url=row.url)
            return Outcome(self._succeeded(event, listed), claim, row.id, _listed(draft, listed))
        progress = steps.StoredProgress(ctx, tenant_id, row, ranks)
        revising = action is CommandAction.REVISE and row.state is ListingState.ACTIVE and row.listing_id

        async def photo(media_id: str) -> bytes:
            return await ctx.media.image_bytes(tenant_id, uuid.UUID(media_id), ctx.settings.image_rendition)

        async def run(shop: EtsyShop) -> PublishedListing:
            shop = await self._with_profiles(ctx, tenant_id, account, shop)
            if revising:
                return await ctx.etsy.revise(shop, draft.model_copy(update={"listing_id": row.listing_id}))
            return await ctx.etsy.publish(shop, draft, progress=progress, photos=photo)

        def failed(code: str, reason: str, *, retryable: bool = False, error: str | None = None) -> Outcome:
            event_failed = self._failed(event, code, reason, retryable=retryable)
            return Outcome(event_failed, claim, row.id, self._failure(error or reason))

        try:
            result = await token_service.call(ctx, tenant_id, account, run)
        except AuthRevoked:
            reason = "Etsy no longer accepts this shop: connect Etsy again."
            return failed("account-reconnect", reason, error="account-reconnect")
        except PhotoMissing as exc:
            return failed(
                "photo-missing", f"{exc} Remove it from the product or upload it again.", error=str(exc)
            )
        except MarketplaceRejected as exc:
            code, reason = seller_reason(exc)
            if code == "setup-incomplete":
                await self._forget_profiles(ctx, tenant_id, account)
            return failed(code, reason)
        except (MarketplaceError, MediaUnavailable) as exc:
            what = exc.message if isinstance(exc, MarketplaceError) else str(exc)
            if self._will_retry(ctx, attempt):
                logger.warning(
                    "etsy publish will be retried", extra={"attempt": attempt.number, "error": what}
                )
                raise  # redelivered with a growing delay; the next delivery resumes from the recorded steps
            reason = f"Etsy could not be reached after {attempt.delivery} tries ({what}). Try again in a few minutes."
            return failed("etsy-unavailable", reason, retryable=True, error=what)

        return Outcome(self._succeeded(event, result), claim, row.id, _listed(draft, result))

    async def prepare_delist(
        self, preparing: Preparing[EtsyContext], event: PublicationDelistRequested
    ) -> Outcome:
        """deleteListing (or deactivate): ``publication.delisted`` or ``publication.delist_failed``."""
        return await self._claimed(
            preparing, event.publication_id, lambda claim: self._delist(preparing, event, claim)
        )

    async def _delist(
        self, preparing: Preparing[EtsyContext], event: PublicationDelistRequested, claim: uuid.UUID
    ) -> Outcome:
        ctx, tenant_id, envelope = preparing.context, preparing.tenant_id, preparing.envelope
        async with ctx.db.tenant_session(tenant_id) as session:
            row = await self._listing_of(session, event)
            listing_id = row.listing_id if row is not None else _external_id(event.external_id)
            account = (
                await accounts.get(session, row.account_id)
                if row is not None
                else await accounts.current(session)
            )
        if row is not None and row.state is ListingState.DELISTED:
            return Outcome(self._delisted(event), claim)
        requested_draft = row is not None and row.listing_id is None and row.draft_requested_at is not None
        if account is None or (listing_id is None and not requested_draft):
            return Outcome(self._delisted(event), claim)  # nothing of it on Etsy that Vitrine knows of
        reconnect = "Etsy no longer accepts this shop: connect Etsy again, then end the listing."
        if account.status is not AccountStatus.ACTIVE:
            return Outcome(self._delist_failed(event, reconnect, False), claim)
        attempt = await count_attempt(ctx, envelope, tenant_id, event.publication_id, CommandAction.DELIST)

        async def end(shop: EtsyShop) -> None:
            target = listing_id
            if target is None and row is not None and row.draft_requested_at is not None:
                target = await ctx.etsy.find_draft(shop, row.title or "", since=row.draft_requested_at)
            if target is not None:
                await ctx.etsy.end_listing(shop, target)

        try:
            await token_service.call(ctx, tenant_id, account, end)
        except AuthRevoked:
            return Outcome(self._delist_failed(event, reconnect, False), claim)
        except MarketplaceRejected as exc:
            return Outcome(self._delist_failed(event, exc.message, False), claim)
        except MarketplaceError as exc:
            if self._will_retry(ctx, attempt):
                raise
            reason = f"Etsy could not be reached after {attempt.delivery} tries ({exc.message})."
            return Outcome(self._delist_failed(event, reason, True), claim)
        row_id = row.id if row is not None else None
        return Outcome(self._delisted(event), claim, row_id, EtsyListing.mark_delisted)

    async def _claimed(
        self,
        preparing: Preparing[EtsyContext],
        publication_id: uuid.UUID,
        command: Callable[[uuid.UUID], Awaitable[Outcome]],
    ) -> Outcome:
        """``command(claim)`` run holding the publication's claim, unless a copy of the message delivered at
        the same time was handled while this one waited for the claim."""
        ctx, tenant_id, message_id = preparing.context, preparing.tenant_id, preparing.envelope.id
        async with claimed(ctx, tenant_id, publication_id, message_id) as claim:
            if await already_handled(ctx, tenant_id, message_id):
                await release_now(ctx, tenant_id, publication_id, claim)
                return Outcome(None)
            return await command(claim)

    async def finish(self, scope: Scope, publication_id: uuid.UUID, outcome: Outcome) -> None:
        """In the message's transaction: the outcome recorded on the listing row, the claim released, the
        event emitted (so a crash before the commit leaves all three to the redelivery)."""
        held = True
        if outcome.claim is not None:
            held = await release_publication(scope.session, publication_id, outcome.claim)
        if held and outcome.row_id is not None and outcome.change is not None:
            # Not when the claim lapsed and another command took it: that one records its own.
            row = await scope.session.get(EtsyListing, outcome.row_id)
            if row is not None:
                outcome.change(row)
                row.updated_at = utcnow()
        if outcome.event is not None:
            scope.emit(outcome.event)

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

    def _failure(self, reason: str) -> Callable[[EtsyListing], None]:
        def failed(listing: EtsyListing) -> None:
            if listing.state is ListingState.ACTIVE:
                listing.last_error = reason[:2000]  # a failed revise leaves the listing live
            else:
                listing.mark_failed(reason)

        return failed

    def _succeeded(self, event: PublicationRequested, result: PublishedListing) -> Event:
        return PublicationSucceeded(
            publication_id=event.publication_id,
            product_id=event.product_id,
            marketplace=Marketplace.ETSY,
            external_id=result.external_id,
            url=result.url,
            listed_at=datetime.now(UTC),
        )

    def _failed(
        self, event: PublicationRequested, code: str, reason: str, *, retryable: bool = False
    ) -> Event:
        logger.info("etsy publication failed", extra={"publication": str(event.publication_id), "code": code})
        return PublicationFailed(
            publication_id=event.publication_id,
            product_id=event.product_id,
            marketplace=Marketplace.ETSY,
            reason=reason,
            code=code,
            retryable=retryable,
        )

    def _delisted(self, event: PublicationDelistRequested) -> Event:
        return PublicationDelisted(
            publication_id=event.publication_id,
            product_id=event.product_id,
            marketplace=Marketplace.ETSY,
            delisted_at=datetime.now(UTC),
        )

    def _delist_failed(self, event: PublicationDelistRequested, reason: str, retryable: bool) -> Event:
        return PublicationDelistFailed(
            publication_id=event.publication_id,
            product_id=event.product_id,
            marketplace=Marketplace.ETSY,
            reason=reason,
            retryable=retryable,
        )


def _listed(draft: EtsyDraft, result: PublishedListing) -> Callable[[EtsyListing], None]:
    """The listing row's change once live: the price, currency and quantity it went out with, its URL."""

    def listed(listing: EtsyListing) -> None:
        listing.price, listing.currency, listing.quantity = draft.price, draft.currency, draft.quantity
        if result.url:
            listing.url = result.url

    return listed


def _external_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


publication_service = PublicationService()
