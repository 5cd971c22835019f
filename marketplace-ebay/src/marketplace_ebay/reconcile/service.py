"""Reconciliation of one account with what happened on eBay outside Vitrine: listings ended there (by the
seller on eBay's site, or by eBay) become ``publication.delisted``; reported order lines cancelled or
refunded become ``order.cancelled``. Runs in the caller's tenant session (the loop commits it)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.catalog import OrderCancelled, PublicationDelisted
from vitrine_contracts.common import Marketplace
from vitrine_kit.db.base import utcnow

from marketplace_ebay.accounts.service import account_service
from marketplace_ebay.context import EbayContext
from marketplace_ebay.ebay_api import EbaySeller
from marketplace_ebay.ebay_orders import CancelledLine, OfferState
from marketplace_ebay.models import LIVE, EbayAccount, EbayListing, ListingStatus, SeenOrderLine

logger = logging.getLogger(__name__)
# A listing whose product eBay's adapter never knew (imported as new): catalog finds it by its listing id.
UNKNOWN_PRODUCT = uuid.UUID(int=0)
ENDED_REASON = "The listing was ended on eBay, outside Vitrine (by you on eBay's site, or by eBay)."


def ended_outside(listing: EbayListing, state: OfferState) -> bool:
    """Whether eBay no longer shows ``listing`` live, for another reason than selling out."""
    if state.listing_status == "OUT_OF_STOCK":
        return False  # sold: the order poller reports the sale, and catalog ends the publication
    if state.published and state.listing_id == listing.listing_id:
        return state.listing_status not in (None, "ACTIVE")
    return not state.published


class Reconciler:
    async def listings(
        self, session: AsyncSession, ebay: EbayContext, tenant_id: uuid.UUID, account: EbayAccount
    ) -> int:
        """Check each live listing's offer; returns how many were found ended outside Vitrine."""
        rows: Sequence[EbayListing] = (
            await session.scalars(
                sa.select(EbayListing)
                .where(
                    EbayListing.account_id == account.id,
                    EbayListing.status.in_(LIVE),
                    EbayListing.listing_id.is_not(None),
                )
                # A listing a command is working on right now is that command's business.
                .with_for_update(skip_locked=True)
            )
        ).all()
        ended = 0
        for listing in rows:
            sku = listing.sku

            async def read(seller: EbaySeller, sku: str = sku) -> OfferState:
                return await ebay.ebay.offer_state(seller, sku)

            state = await account_service.call(session, ebay, tenant_id, account, read)
            if not ended_outside(listing, state):
                continue
            listing.status, listing.ended_at, listing.updated_at = (
                ListingStatus.ENDED.value,
                utcnow(),
                utcnow(),
            )
            ebay.outbox.add(
                session,
                PublicationDelisted(
                    publication_id=listing.publication_id
                    or uuid.uuid5(account.id, listing.listing_id or sku),
                    product_id=listing.product_id or UNKNOWN_PRODUCT,
                    marketplace=Marketplace.EBAY,
                    delisted_at=datetime.now(UTC),
                    by="marketplace",
                    reason=ENDED_REASON,
                    external_id=listing.listing_id,
                ),
                tenant_id=tenant_id,
            )
            ended += 1
        return ended

    async def cancellations(
        self,
        session: AsyncSession,
        ebay: EbayContext,
        tenant_id: uuid.UUID,
        account: EbayAccount,
        since: datetime,
    ) -> int:
        """Report each cancelled or refunded line once (only lines reported as sold); returns how many."""
        overlap = since - timedelta(seconds=ebay.settings.order_poll_overlap_s)

        async def read(seller: EbaySeller) -> Sequence[CancelledLine]:
            return await ebay.ebay.cancelled_lines(seller, since=overlap)

        reported = 0
        for line in await account_service.call(session, ebay, tenant_id, account, read):
            seen = await session.scalar(
                sa.select(SeenOrderLine)
                .where(SeenOrderLine.order_id == line.order_id, SeenOrderLine.line_item_id == line.line_id)
                .with_for_update()
            )
            if seen is None or seen.cancelled_at is not None:
                continue
            seen.cancelled_at = line.at
            ebay.outbox.add(
                session,
                OrderCancelled(
                    marketplace=Marketplace.EBAY,
                    order_id=line.order_id,
                    line_id=line.line_id,
                    account_id=account.id,
                    external_listing_id=line.listing_id,
                    sku=line.sku,
                    quantity=seen.quantity,
                    reason=line.reason,
                    cancelled_at=line.at,
                ),
                tenant_id=tenant_id,
            )
            reported += 1
        return reported


reconciler = Reconciler()
