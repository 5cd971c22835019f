"""Publishing, revising and ending listings on ``publication.requested`` / ``publication.delist_requested``."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.catalog import (
    PublicationDelisted,
    PublicationDelistFailed,
    PublicationDelistRequested,
    PublicationFailed,
    PublicationRequested,
    PublicationStarted,
    PublicationSucceeded,
)
from vitrine_contracts.common import Marketplace
from vitrine_kit.db.base import utcnow
from vitrine_marketplace import (
    AuthRevoked,
    ListingDraft,
    MarketplaceError,
    MarketplaceRejected,
    PublishedListing,
)

from marketplace_ebay.accounts import repository as accounts
from marketplace_ebay.accounts.service import account_service
from marketplace_ebay.context import EbayContext
from marketplace_ebay.ebay_api import POLICY_KINDS, EbaySeller
from marketplace_ebay.media import MediaUnavailable, PhotoMissing, large_jpeg_urls
from marketplace_ebay.models import LIVE, CommandAttempt, EbayAccount, EbayListing, ListingStatus
from marketplace_ebay.publications.bulk import bulk_publisher
from marketplace_ebay.publications.policies import went_out_with, with_policies
from marketplace_ebay.publications.sites import site_account, wrong_currency
from marketplace_ebay.scope import Scope
from marketplace_ebay.taxonomy.service import required_aspects_missing

logger = logging.getLogger(__name__)


class SetupIncomplete(MarketplaceRejected):
    code = "setup-incomplete"


SKU_PREFIX = "VTR-"


def sku_for(publication_id: uuid.UUID) -> str:
    """The SKU of a publication: the same on every retry, so eBay never gets a second listing."""
    return f"{SKU_PREFIX}{publication_id.hex}"


def attempt_key(publication_id: uuid.UUID, action: str, attempt: int) -> uuid.UUID:
    """The idempotency key of one attempt (publish, revise or delist) of a publication."""
    return uuid.uuid5(publication_id, f"{action}:{attempt}")


def seller_reason(exc: MarketplaceRejected) -> tuple[str, str]:
    """(code, sentence) the seller can act on, from eBay's error items."""
    if isinstance(exc, SetupIncomplete):
        return exc.code, exc.message
    items = exc.details if isinstance(exc.details, list) else []
    ids = {int(e.get("errorId", 0)) for e in items if isinstance(e, dict)}
    refs = {r for e in items if isinstance(e, dict) for r in e.get("inputRefIds") or []}
    if ids & {25007, 25008, 25009}:
        return (
            "missing-policies",
            f"{exc.message}. Run the eBay setup in Vitrine to create shipping, payment and return policies.",
        )
    if "$.merchantLocationKey" in refs:
        return "missing-location", f"{exc.message}. Add the address you ship from in the eBay setup."
    if 25005 in ids:
        return "category-invalid", f"{exc.message}. Choose another category for this product."
    if 25021 in ids:
        return "condition-invalid", f"{exc.message}. Choose a condition eBay accepts for this category."
    if ids & {25014, 25015}:
        return "images-invalid", f"{exc.message}. Add at least one photo."
    return "ebay-rejected", exc.message


class PublicationService:
    """The adapter's side of a publication: the listing row, the eBay calls, the result event."""

    async def count_attempt(
        self,
        ebay: EbayContext,
        key: uuid.UUID,
        *,
        started: tuple[Scope, PublicationRequested] | None = None,
    ) -> int:
        """Count this try of one attempt (``attempt_key``) in a transaction of its own: it survives the
        handler's rollback, and every delivery of the same attempt counts against the same key.

        With ``started``, the same transaction emits ``publication.started``, so the seller sees the listing
        under way while the eBay calls run (the handler's own events commit only when it ends).
        """
        async with ebay.db.session() as session:
            attempts = await session.scalar(
                insert(CommandAttempt)
                .values(message_id=key, attempts=1, updated_at=utcnow())
                .on_conflict_do_update(
                    index_elements=[CommandAttempt.message_id],
                    set_={"attempts": CommandAttempt.attempts + 1, "updated_at": utcnow()},
                )
                .returning(CommandAttempt.attempts)
            )
            if started is not None:
                scope, event = started
                ebay.outbox.add(
                    session,
                    PublicationStarted(
                        publication_id=event.publication_id,
                        product_id=event.product_id,
                        marketplace=Marketplace.EBAY,
                        attempt=event.attempt,
                    ),
                    tenant_id=scope.tenant_id,
                    correlation_id=scope.event.correlation_id,
                    causation_id=scope.event.id,
                )
            await session.commit()  # commit: the try is counted even when the handler rolls back
        return int(attempts or 1)

    async def publish(self, scope: Scope, event: PublicationRequested) -> None:
        """inventory item → offer → publish, then ``publication.succeeded`` or ``publication.failed``."""
        ebay = scope.context
        session, snapshot = scope.session, event.snapshot
        if event.site:
            account = await site_account(session, event.account_id, event.site)
            if account is None:
                self._failed(
                    scope,
                    event,
                    "no-account",
                    f"Connect an eBay account for {event.site} in Vitrine before publishing there.",
                )
                return
        else:
            account = await self._account(session, event.account_id, snapshot.mapping.extra.get("site"))
        if account is None:
            self._failed(
                scope, event, "no-account", "Connect an eBay account in Vitrine before publishing to eBay."
            )
            return
        mismatch = wrong_currency(account.site, snapshot.price.currency)
        if mismatch:
            self._failed(scope, event, "currency-mismatch", mismatch)
            return
        missing = [
            n
            for n, v in (
                ("category", snapshot.mapping.category_id),
                ("condition", snapshot.mapping.condition_id),
            )
            if not v
        ]
        if missing or not snapshot.images:
            what = ", ".join(missing + ([] if snapshot.images else ["photos"]))
            self._failed(scope, event, "incomplete-product", f"eBay needs the product's {what}.")
            return
        if ebay.settings.check_required_aspects:
            absent = await required_aspects_missing(ebay, account.site, snapshot.mapping)
            if absent:
                self._failed(
                    scope,
                    event,
                    "aspects-missing",
                    f"eBay requires for this category on {account.site}: {', '.join(absent)}.",
                )
                return
        listing = await self._listing(session, event, account)
        if listing is None:
            return
        tries = await self.count_attempt(
            ebay, attempt_key(event.publication_id, event.action, event.attempt), started=(scope, event)
        )
        image_urls = [image.url for image in snapshot.images]
        if ebay.media is not None:
            try:
                image_urls = await large_jpeg_urls(
                    ebay.media,
                    scope.tenant_id,
                    [i.media_id for i in snapshot.images],
                    ebay.settings.image_url_ttl_s,
                )
            except PhotoMissing as exc:
                self._give_up(listing, event)
                self._failed(
                    scope, event, "photo-missing", f"{exc} Remove it from the product or upload it again."
                )
                return
            except MediaUnavailable as exc:
                if tries < ebay.settings.command_max_attempts:
                    raise  # retried later, with a growing delay
                self._give_up(listing, event)
                self._failed(
                    scope,
                    event,
                    "photos-unavailable",
                    f"Vitrine could not prepare the photos ({exc}). Try publishing again in a few minutes.",
                    retryable=True,
                )
                return
        if event.action == "revise" and (listing.status not in LIVE or not listing.listing_id):
            listing.attempt_done = True
            self._failed(scope, event, "listing-ended", "The eBay listing is no longer live: list it again.")
            return
        draft = ListingDraft(
            sku=listing.sku,
            title=snapshot.title,
            description=snapshot.description,
            price=snapshot.price.amount,
            currency=snapshot.price.currency,
            quantity=max(snapshot.quantity, 1),
            image_urls=image_urls,
            category_id=snapshot.mapping.category_id,
            condition_id=snapshot.mapping.condition_id,
            aspects=snapshot.mapping.aspects,
            brand=snapshot.brand,
        )

        async def run(seller: EbaySeller) -> PublishedListing:
            seller = with_policies(await self._ensure_setup(ebay, account, seller), event.policies)
            if event.action == "revise" and listing.listing_id:
                return await ebay.ebay.revise(seller, draft)
            if ebay.settings.bulk_publish:
                return await bulk_publisher.publish(ebay, seller, draft)
            return await ebay.ebay.publish(seller, draft)

        try:
            result = await account_service.call(session, ebay, scope.tenant_id, account, run)
        except AuthRevoked:
            listing.attempt_done = True
            if event.action == "publish":
                listing.status, listing.last_error = "failed", "account-reconnect"
            self._failed(
                scope,
                event,
                "account-reconnect",
                "eBay no longer accepts this account: reconnect eBay in Vitrine.",
            )
            return
        except MarketplaceRejected as exc:
            code, reason = seller_reason(exc)
            listing.attempt_done = True
            if event.action == "publish":
                listing.status = "failed"
            listing.last_error = reason[:2000]
            self._failed(scope, event, code, reason)
            return
        except MarketplaceError as exc:
            if tries < ebay.settings.command_max_attempts:
                raise  # the consumer retries later, with a growing delay
            listing.attempt_done = True
            if event.action == "publish":
                listing.status = "failed"
            listing.last_error = exc.message[:2000]
            reason = f"eBay did not answer after {tries} attempts ({exc.message}). Try publishing again in a few minutes."
            self._failed(scope, event, "ebay-unavailable", reason, retryable=True)
            return
        if event.action == "publish" or listing.status != ListingStatus.IMPORTED:
            listing.status = ListingStatus.LISTED.value
        listing.offer_id, listing.listing_id = result.offer_id, result.external_id
        listing.price, listing.currency, listing.quantity = draft.price, draft.currency, draft.quantity
        went_out_with(listing, account, event.policies)
        listing.last_error, listing.updated_at, listing.attempt_done = None, utcnow(), True
        listing.ended_at = None
        scope.emit(
            PublicationSucceeded(
                publication_id=event.publication_id,
                product_id=event.product_id,
                marketplace=Marketplace.EBAY,
                external_id=result.external_id,
                url=result.url,
                listed_at=datetime.now(UTC),
                action=event.action,
                attempt=event.attempt,
            )
        )

    async def delist(self, scope: Scope, event: PublicationDelistRequested) -> None:
        """withdrawOffer, then ``publication.delisted`` (or ``publication.delist_failed``).

        A stale attempt (the publication was listed again since) and a finished one delivered again do
        nothing; a delist for a listing never made leaves a mark, so that a late publish of an older attempt
        does not list it after all.
        """
        ebay = scope.context
        stmt = sa.select(EbayListing).where(EbayListing.publication_id == event.publication_id)
        if event.external_id:
            stmt = sa.select(EbayListing).where(
                sa.or_(
                    EbayListing.publication_id == event.publication_id,
                    EbayListing.listing_id == event.external_id,
                )
            )
        listing = (await scope.session.execute(stmt.with_for_update())).scalars().first()
        if listing is not None and not self._fresh(listing, "delist", event.attempt, event.publication_id):
            return
        account = await accounts.get(scope.session, listing.account_id) if listing is not None else None
        if listing is None:
            await self._tombstone(scope, event)
            self._delisted(scope, event)  # nothing on eBay for it
            return
        listing.attempt, listing.attempt_action, listing.attempt_done = event.attempt, "delist", False
        if account is None or listing.status not in LIVE or not listing.listing_id:
            listing.attempt_done = True
            if listing.status in (ListingStatus.PUBLISHING, ListingStatus.FAILED):
                listing.status = ListingStatus.DELISTED.value
            self._delisted(scope, event)  # nothing live on eBay for it
            return
        tries = await self.count_attempt(ebay, attempt_key(event.publication_id, "delist", event.attempt))
        sku = listing.sku

        async def run(seller: EbaySeller) -> None:
            await ebay.ebay.delist(seller, sku)

        try:
            await account_service.call(scope.session, ebay, scope.tenant_id, account, run)
        except AuthRevoked:
            listing.attempt_done = True
            self._delist_failed(
                scope,
                event,
                "eBay no longer accepts this account: reconnect eBay, then end the listing.",
                False,
            )
            return
        except MarketplaceRejected as exc:
            listing.attempt_done = True
            self._delist_failed(scope, event, exc.message, False)
            return
        except MarketplaceError as exc:
            if tries < ebay.settings.command_max_attempts:
                raise
            listing.attempt_done = True
            self._delist_failed(
                scope, event, f"eBay did not answer after {tries} attempts ({exc.message}).", True
            )
            return
        listing.status, listing.updated_at, listing.attempt_done = (
            ListingStatus.DELISTED.value,
            utcnow(),
            True,
        )
        self._delisted(scope, event)

    @staticmethod
    def _give_up(listing: EbayListing, event: PublicationRequested) -> None:
        listing.attempt_done = True
        if event.action == "publish" and listing.status == ListingStatus.PUBLISHING:
            listing.status = ListingStatus.FAILED.value

    def _fresh(self, listing: EbayListing, action: str, attempt: int, publication_id: uuid.UUID) -> bool:
        """Whether ``action`` at ``attempt`` is still to be done for this listing (not stale, not done)."""
        if listing.publication_id != publication_id:
            return True  # found by its eBay listing id (an imported listing): catalog numbers its own
        repeated = attempt == listing.attempt and listing.attempt_done and listing.attempt_action == action
        if attempt < listing.attempt or repeated:
            logger.info(
                "stale or repeated attempt ignored",
                extra={"publication": str(publication_id), "attempt": attempt, "seen": listing.attempt},
            )
            return False
        return True

    async def _tombstone(self, scope: Scope, event: PublicationDelistRequested) -> None:
        account = await self._account(scope.session, event.account_id, None)
        if account is None:
            return  # no account: no publish can come either
        scope.session.add(
            EbayListing(
                id=uuid.uuid4(),
                account_id=account.id,
                publication_id=event.publication_id,
                product_id=event.product_id,
                sku=sku_for(event.publication_id),
                status=ListingStatus.DELISTED.value,
                attempts=0,
                attempt=event.attempt,
                attempt_action="delist",
                attempt_done=True,
            )
        )
        await scope.session.flush()

    # --- helpers --------------------------------------------------------------------------------------

    async def _account(
        self, session: AsyncSession, account_id: uuid.UUID | None, site: object
    ) -> EbayAccount | None:
        if account_id is not None:
            return await accounts.get(session, account_id)
        return await accounts.default_account(session, str(site) if site else None)

    async def _listing(
        self, session: AsyncSession, event: PublicationRequested, account: EbayAccount
    ) -> EbayListing | None:
        """The publication's listing row, locked, at this attempt; None when the attempt is stale or done."""
        listing = (
            await session.execute(
                sa.select(EbayListing)
                .where(EbayListing.publication_id == event.publication_id)
                .with_for_update()
            )
        ).scalar_one_or_none()
        if listing is None:
            listing = EbayListing(
                id=uuid.uuid4(),
                account_id=account.id,
                publication_id=event.publication_id,
                product_id=event.product_id,
                sku=sku_for(event.publication_id),
                status=ListingStatus.PUBLISHING.value,
                attempts=0,
            )
            session.add(listing)
        elif not self._fresh(listing, event.action, event.attempt, event.publication_id):
            return None
        listing.attempts += 1
        listing.attempt, listing.attempt_action, listing.attempt_done = event.attempt, event.action, False
        await session.flush()
        return listing

    async def _ensure_setup(self, ebay: EbayContext, account: EbayAccount, seller: EbaySeller) -> EbaySeller:
        """Policies and location known on the account, or found on eBay; else a reason for the seller."""
        found: dict[str, str | None] = {}
        for kind in POLICY_KINDS:
            current = getattr(account, f"{kind}_policy_id")
            if current is None:
                rows = await ebay.ebay.policies(seller, kind) if await ebay.ebay.opted_in(seller) else []
                current = str(rows[0][f"{kind}PolicyId"]) if rows else None
                setattr(account, f"{kind}_policy_id", current)
            found[kind] = current
        if account.location_key is None:
            rows = await ebay.ebay.locations(seller)
            account.location_key = str(rows[0]["merchantLocationKey"]) if rows else None
        missing = [f"{k} policy" for k, v in found.items() if v is None]
        missing += [] if account.location_key else ["inventory location (the address you ship from)"]
        if missing:
            raise SetupIncomplete(
                f"Your eBay account ({account.site}) is not ready to sell: missing {', '.join(missing)}. "
                "Run the eBay setup in Vitrine."
            )
        return account_service.seller(ebay, account)

    def _failed(
        self, scope: Scope, event: PublicationRequested, code: str, reason: str, *, retryable: bool = False
    ) -> None:
        logger.info("publication failed", extra={"publication": str(event.publication_id), "code": code})
        scope.emit(
            PublicationFailed(
                publication_id=event.publication_id,
                product_id=event.product_id,
                marketplace=Marketplace.EBAY,
                reason=reason,
                code=code,
                retryable=retryable,
                action=event.action,
                attempt=event.attempt,
            )
        )

    def _delisted(self, scope: Scope, event: PublicationDelistRequested) -> None:
        scope.emit(
            PublicationDelisted(
                publication_id=event.publication_id,
                product_id=event.product_id,
                marketplace=Marketplace.EBAY,
                delisted_at=datetime.now(UTC),
                external_id=event.external_id,
                attempt=event.attempt,
            )
        )

    def _delist_failed(
        self, scope: Scope, event: PublicationDelistRequested, reason: str, retryable: bool
    ) -> None:
        scope.emit(
            PublicationDelistFailed(
                publication_id=event.publication_id,
                product_id=event.product_id,
                marketplace=Marketplace.EBAY,
                reason=reason,
                retryable=retryable,
                attempt=event.attempt,
            )
        )


publication_service = PublicationService()
