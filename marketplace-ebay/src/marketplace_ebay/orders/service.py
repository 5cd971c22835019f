"""Polling getOrders per account: each schedule row claimed with ``FOR UPDATE SKIP LOCKED``, so any number
of replicas poll each account once per interval; each order line is reported once (unique key)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.catalog import OrderReceived
from vitrine_contracts.common import Marketplace, Money
from vitrine_kit.db.base import utcnow
from vitrine_marketplace import AuthRevoked, ExternalOrder, MarketplaceError

from marketplace_ebay.accounts import repository as accounts
from marketplace_ebay.accounts.service import account_service
from marketplace_ebay.context import EbayContext
from marketplace_ebay.ebay_api import EbaySeller
from marketplace_ebay.models import LIVE, EbayListing, ListingStatus, OrderPoll, SeenOrderLine

logger = logging.getLogger(__name__)


class OrderPoller:
    """Claims due schedules one at a time and turns new paid order lines into ``order.received``."""

    async def tick(self, ebay: EbayContext) -> int:
        """Poll every due account (up to a batch per database); returns how many were polled here."""
        polled = 0
        for database in ebay.db.names:
            here = 0
            while here < ebay.settings.order_poll_batch and await self.poll_one(ebay, database):
                here += 1
            polled += here
        return polled

    async def poll_one(self, ebay: EbayContext, database: str) -> bool:
        """Claim one due schedule of ``database`` (skipping those another replica holds) and poll it; False
        when none is due there."""
        async with ebay.db.database_session(database) as shared:
            poll = (
                await shared.execute(
                    sa.select(OrderPoll)
                    .where(OrderPoll.next_poll_at <= utcnow())
                    .order_by(OrderPoll.next_poll_at)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
            ).scalar_one_or_none()
            if poll is None:
                return False
            started = utcnow()
            try:
                since = poll.cursor - timedelta(seconds=ebay.settings.order_poll_overlap_s)

                async def fetch(seller: EbaySeller) -> Sequence[ExternalOrder]:
                    return await ebay.ebay.fetch_orders(seller, since=since)

                await self._poll(ebay, poll.tenant_id, poll.account_id, fetch)
                poll.cursor, poll.last_error = started, None
            except (MarketplaceError, AuthRevoked) as exc:
                poll.last_error = exc.message[:2000]
                logger.warning(
                    "order poll failed", extra={"account": str(poll.account_id), "error": exc.message}
                )
            poll.last_polled_at = started
            poll.next_poll_at = started + timedelta(seconds=ebay.settings.order_poll_interval_s)
            await shared.commit()  # commit: a background loop; the schedule moves on, failed or not
        return True

    async def receive(
        self, ebay: EbayContext, tenant_id: uuid.UUID, account_id: uuid.UUID, order_id: str
    ) -> int:
        """One order eBay announced (a notification): read through getOrders and reported by the poll's own
        path, so a line seen by both the notification and the poll is reported once; returns how many lines."""

        async def fetch(seller: EbaySeller) -> Sequence[ExternalOrder]:
            return await ebay.ebay.order_lines(seller, order_id)

        return await self._poll(ebay, tenant_id, account_id, fetch)

    async def _poll(
        self,
        ebay: EbayContext,
        tenant_id: uuid.UUID,
        account_id: uuid.UUID,
        fetch: Callable[[EbaySeller], Awaitable[Sequence[ExternalOrder]]],
    ) -> int:
        async with ebay.db.tenant_session(tenant_id) as session:
            account = await accounts.get(session, account_id)
            if account is None or account.status != "active":
                return 0
            lines = await account_service.call(session, ebay, tenant_id, account, fetch)
            reported = await self.record(session, ebay, tenant_id, account.id, lines)
            await session.commit()  # commit: polls and eBay notices have no request tenant of their own
        if reported:
            logger.info("orders received", extra={"account": str(account_id), "lines": reported})
        return reported

    async def record(
        self,
        session: AsyncSession,
        ebay: EbayContext,
        tenant_id: uuid.UUID,
        account_id: uuid.UUID,
        lines: Sequence[ExternalOrder],
    ) -> int:
        """``order.received`` for each line not reported before (the ``ebay_order_lines`` key decides, in the
        caller's transaction with the outbox row: concurrent callers wait on the key, one reports)."""
        reported = 0
        for line in lines:
            first = await session.scalar(
                insert(SeenOrderLine)
                .values(
                    order_id=line.order_id,
                    line_item_id=line.line_id,
                    account_id=account_id,
                    listing_id=line.external_listing_id,
                    sku=(line.sku or "")[:50] or None,
                    quantity=line.quantity,
                    seen_at=utcnow(),
                )
                .on_conflict_do_nothing()
                .returning(SeenOrderLine.order_id)
            )
            if first is None:
                continue
            listing = (
                (
                    await session.execute(
                        sa.select(EbayListing).where(
                            sa.or_(
                                EbayListing.listing_id == line.external_listing_id,
                                EbayListing.sku == line.sku,
                            )
                        )
                    )
                )
                .scalars()
                .first()
            )
            if listing is not None and listing.quantity is not None:
                # Sold out: eBay ended it; a disconnect or a reconciliation has nothing left to end.
                listing.quantity = max(listing.quantity - line.quantity, 0)
                if listing.quantity == 0 and listing.status in LIVE:
                    listing.status = ListingStatus.DELISTED.value
            ebay.outbox.add(
                session,
                OrderReceived(
                    marketplace=Marketplace.EBAY,
                    order_id=line.order_id,
                    line_id=line.line_id,
                    account_id=account_id,
                    external_listing_id=line.external_listing_id,
                    publication_id=listing.publication_id if listing else None,
                    sku=line.sku,
                    quantity=line.quantity,
                    price=Money(amount=line.price, currency=line.currency),
                    buyer=line.buyer,
                    ordered_at=line.ordered_at,
                ),
                tenant_id=tenant_id,
            )
            reported += 1
        return reported


order_poller = OrderPoller()
