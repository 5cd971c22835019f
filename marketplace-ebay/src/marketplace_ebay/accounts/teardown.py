"""Ending an account's live listings before Vitrine forgets it: on disconnect (the seller's choice), when
eBay deletes the user, and when the seller's Vitrine account (the tenant) is deleted.

eBay offers no endpoint to revoke a user token: forgetting the account deletes the only copies of its
tokens (ciphertext) Vitrine holds. ``tenant_deleted`` opens its own sessions and commits them: it runs
beside the kit's handler that drops the tenant's schema.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.catalog import PublicationDelisted
from vitrine_contracts.common import Marketplace
from vitrine_kit.db.base import utcnow
from vitrine_marketplace import AuthRevoked, MarketplaceRejected

from marketplace_ebay.accounts import repository
from marketplace_ebay.accounts.service import account_service
from marketplace_ebay.after_sale.models import AfterSalePoll
from marketplace_ebay.context import EbayContext
from marketplace_ebay.ebay_api import EbaySeller
from marketplace_ebay.models import (
    AccountDirectory,
    EbayAccount,
    EbayListing,
    ListingStatus,
    OrderPoll,
    Reconciliation,
)
from marketplace_ebay.publications.service import SKU_PREFIX

logger = logging.getLogger(__name__)
# A listing whose product eBay's adapter never knew (imported as new): catalog finds it by its listing id.
UNKNOWN_PRODUCT = uuid.UUID(int=0)


class Teardown:
    async def end_live(
        self,
        session: AsyncSession,
        ebay: EbayContext,
        tenant_id: uuid.UUID,
        account: EbayAccount,
        listings: list[EbayListing],
        *,
        reason: str,
        announce: bool = True,
        withdraw: bool = True,
    ) -> int:
        """Withdraw each listing on eBay (unless eBay ended them already: ``withdraw=False``), mark it
        delisted and (``announce``) tell catalog; returns how many.

        eBay refusing the account raises ``AuthRevoked``; eBay not answering raises ``MarketplaceError``.
        """
        for listing in listings:
            sku = listing.sku

            async def end(seller: EbaySeller, sku: str = sku) -> None:
                await ebay.ebay.delist(seller, sku)

            try:
                if withdraw:
                    await account_service.call(session, ebay, tenant_id, account, end)
            except MarketplaceRejected as exc:
                logger.warning("listing not ended on eBay", extra={"sku": sku, "error": exc.message})
            listing.status, listing.updated_at = ListingStatus.DELISTED.value, utcnow()
            if announce:
                ebay.outbox.add(
                    session,
                    PublicationDelisted(
                        publication_id=listing.publication_id
                        or uuid.uuid5(account.id, listing.listing_id or sku),
                        product_id=listing.product_id or UNKNOWN_PRODUCT,
                        marketplace=Marketplace.EBAY,
                        delisted_at=datetime.now(UTC),
                        by="vitrine" if withdraw else "marketplace",
                        reason=reason,
                        external_id=listing.listing_id,
                    ),
                    tenant_id=tenant_id,
                )
        return len(listings)

    async def tenant_deleted(self, ebay: EbayContext, tenant_id: uuid.UUID) -> int:
        """End the deleted tenant's live eBay listings, then forget its accounts; returns how many ended."""
        # The directory is colocated: a tenant session reads it in the tenant's database, even once the
        # tenant's schema is dropped.
        async with ebay.db.tenant_session(tenant_id) as session:
            directory = list(
                (
                    await session.scalars(
                        sa.select(AccountDirectory).where(AccountDirectory.tenant_id == tenant_id)
                    )
                ).all()
            )
        if not directory:
            return 0
        try:
            ended = await self._from_tenant_schema(ebay, tenant_id)
        except DBAPIError as exc:
            # The kit dropped the schema first: the directory's copy of each refresh token is what is left.
            logger.info(
                "tenant schema already dropped; ending listings from the directory",
                extra={"error": str(exc)[:200]},
            )
            ended = await self._from_directory(ebay, directory)
        async with ebay.db.tenant_session(tenant_id) as session:
            for table in (OrderPoll, Reconciliation, AfterSalePoll, AccountDirectory):
                await session.execute(sa.delete(table).where(table.tenant_id == tenant_id))
            await session.commit()
        logger.info("deleted tenant's eBay listings ended", extra={"tenant": str(tenant_id), "ended": ended})
        return ended

    async def _from_tenant_schema(self, ebay: EbayContext, tenant_id: uuid.UUID) -> int:
        ended = 0
        async with ebay.db.tenant_session(tenant_id) as session:
            # Locked rows hold the kit's DROP SCHEMA back until the listings are ended.
            accounts = list((await session.scalars(sa.select(EbayAccount).with_for_update())).all())
            for account in accounts:
                live = await repository.live_listings(session, account.id, lock=True)
                try:
                    ended += await self.end_live(
                        session, ebay, tenant_id, account, live, reason="", announce=False
                    )
                except AuthRevoked:
                    logger.warning(
                        "eBay refuses the account: its listings stay", extra={"account": str(account.id)}
                    )
            await session.commit()
        return ended

    async def _from_directory(self, ebay: EbayContext, rows: list[AccountDirectory]) -> int:
        """Vitrine's own listings (SKU ``VTR-…``) of each account, found on eBay itself."""
        ended = 0
        for row in rows:
            if row.refresh_token_enc is None or row.site is None:
                continue
            try:
                tokens = await ebay.ebay.refresh_tokens(
                    ebay.cipher.decrypt(row.refresh_token_enc), ebay.settings.scopes
                )
                seller = EbaySeller(
                    account_id=str(row.account_id), site=row.site, access_token=tokens.access_token
                )
                for sku in await ebay.ebay.skus(seller):
                    if sku.startswith(SKU_PREFIX):
                        await ebay.ebay.delist(seller, sku)
                        ended += 1
            except (AuthRevoked, MarketplaceRejected) as exc:
                logger.warning(
                    "listings of a deleted tenant not ended",
                    extra={"account": str(row.account_id), "error": exc.message},
                )
        return ended


teardown = Teardown()
