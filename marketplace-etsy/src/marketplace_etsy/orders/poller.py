"""Polling getShopReceipts once per shop: each schedule row is claimed with ``FOR UPDATE SKIP LOCKED`` (and
held while its shop is polled), so any number of replicas poll each shop once per interval; each receipt
line (transaction) is reported once, keyed by (receipt id, transaction id), in the same transaction as its
``order.received``. A reported receipt later canceled or fully refunded gives one ``order.cancelled`` per
line, marked on the same row in the same transaction.

The cursor is the newest ``updated_timestamp`` seen; each poll re-reads ``receipt_poll_overlap_s`` before it,
since an update can become visible late. Polling is background work: its calls yield to sellers' publishes.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.catalog import OrderCancelled, OrderReceived
from vitrine_contracts.common import Marketplace, Money
from vitrine_kit.db.base import utcnow
from vitrine_marketplace import AuthRevoked, MarketplaceError

from marketplace_etsy.accounts import repository as accounts
from marketplace_etsy.accounts.tokens import token_service
from marketplace_etsy.context import EtsyContext
from marketplace_etsy.etsy.adapter import order_lines
from marketplace_etsy.etsy.budget import BudgetDeferred, background
from marketplace_etsy.etsy.listing import EtsyShop
from marketplace_etsy.etsy.wire import Receipt
from marketplace_etsy.models import AccountStatus, EtsyListing, ReceiptLine, ReceiptPoll

logger = logging.getLogger(__name__)
# A shop whose account must be reconnected is looked at again this many intervals later.
IDLE_INTERVALS = 10


class ReceiptPoller:
    """Claims due shops one at a time and turns their new paid receipt lines into ``order.received``."""

    async def tick(self, ctx: EtsyContext) -> None:
        """One round (a ``BackgroundLoop`` tick): poll due shops, up to a batch per database (the poll rows
        are colocated: each database holds those of its tenants)."""
        with background():
            for database in ctx.db.names:
                polled = 0
                while polled < ctx.settings.receipt_poll_batch and await self.poll_one(ctx, database):
                    polled += 1

    async def poll_one(self, ctx: EtsyContext, database: str) -> bool:
        """Claim one due shop of ``database`` (skipping those another replica holds) and poll it; False when
        none is due there."""
        settings = ctx.settings
        async with ctx.db.database_session(database) as shared:
            poll = (
                await shared.execute(
                    sa.select(ReceiptPoll)
                    .where(ReceiptPoll.next_poll_at <= sa.func.now())
                    .order_by(ReceiptPoll.next_poll_at)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
            ).scalar_one_or_none()
            if poll is None:
                return False
            started = utcnow()
            interval = timedelta(seconds=settings.receipt_poll_interval_s)
            try:
                # The first poll starts at the connection: no overlap, so no sale from before it is reported.
                overlap = 0.0 if poll.last_polled_at is None else settings.receipt_poll_overlap_s
                cursor = await self._poll(ctx, poll.tenant_id, poll.account_id, poll.cursor, overlap)
            except BudgetDeferred as exc:
                # Sellers need Etsy's budget (or little is left today): not a failure, just later.
                poll.next_poll_at = started + timedelta(seconds=min(settings.receipt_poll_interval_s, 30.0))
                logger.info("receipt poll deferred", extra={"shop": poll.shop_id, "why": exc.message})
                await shared.commit()
                return False
            except AuthRevoked as exc:
                poll.last_error, poll.failures = exc.message[:2000], poll.failures + 1
                poll.next_poll_at = started + interval * IDLE_INTERVALS
            except MarketplaceError as exc:
                poll.last_error, poll.failures = exc.message[:2000], poll.failures + 1
                poll.next_poll_at = started + interval * min(2 ** min(poll.failures, 4), 16)
                logger.warning("receipt poll failed", extra={"shop": poll.shop_id, "error": exc.message})
            else:
                if cursor is None:  # the account is gone or must be reconnected
                    poll.next_poll_at = started + interval * IDLE_INTERVALS
                else:
                    poll.cursor, poll.last_error, poll.failures = cursor, None, 0
                    poll.next_poll_at = started + interval
            poll.last_polled_at = started
            await shared.commit()
        return True

    async def _poll(
        self,
        ctx: EtsyContext,
        tenant_id: uuid.UUID,
        account_id: uuid.UUID,
        cursor: datetime,
        overlap_s: float,
    ) -> datetime | None:
        """Report the new lines of receipts updated since ``cursor`` minus ``overlap_s``; the new cursor."""
        since = cursor - timedelta(seconds=overlap_s)
        await ctx.registry.ensure(tenant_id)
        async with ctx.db.tenant_session(tenant_id) as session:
            account = await accounts.get(session, account_id)
            if account is None or account.status is not AccountStatus.ACTIVE:
                return None

            async def read(shop: EtsyShop) -> list[Receipt]:
                return await ctx.etsy.receipts(shop, since=since)

            receipts = await token_service.call(ctx, tenant_id, account, read)
            listings = await self._publications(session, receipts)
            reported = canceled = 0
            for receipt in receipts:
                if receipt.canceled:
                    canceled += await self._canceled(ctx, session, tenant_id, account.id, receipt)
                for line in order_lines(receipt):
                    first = await session.scalar(
                        insert(ReceiptLine)
                        .values(
                            receipt_id=int(line.order_id),
                            transaction_id=int(line.line_id),
                            account_id=account.id,
                            listing_id=int(line.external_listing_id),
                            reported_at=utcnow(),
                        )
                        .on_conflict_do_nothing()
                        .returning(ReceiptLine.transaction_id)
                    )
                    if first is None:
                        continue  # reported by an earlier poll (the overlap reads it again)
                    ctx.outbox.add(
                        session,
                        OrderReceived(
                            marketplace=Marketplace.ETSY,
                            order_id=line.order_id,
                            line_id=line.line_id,
                            account_id=account.id,
                            external_listing_id=line.external_listing_id,
                            publication_id=listings.get(int(line.external_listing_id)),
                            sku=line.sku,
                            quantity=line.quantity,
                            price=Money(amount=line.price, currency=line.currency),
                            buyer=line.buyer,
                            ordered_at=line.ordered_at,
                        ),
                        tenant_id=tenant_id,
                    )
                    reported += 1
            await session.commit()
        if reported:
            logger.info("etsy orders received", extra={"account": str(account_id), "lines": reported})
        if canceled:
            logger.info("etsy orders canceled", extra={"account": str(account_id), "lines": canceled})
        newest = max((r.updated_at for r in receipts), default=cursor)
        return max(newest, cursor)

    async def _publications(
        self, session: AsyncSession, receipts: list[Receipt]
    ) -> dict[int, uuid.UUID | None]:
        """Etsy listing id → Vitrine publication id, for the listings these receipts sold."""
        ids = {t.listing_id for r in receipts for t in r.transactions if t.listing_id is not None}
        if not ids:
            return {}
        rows = await session.execute(
            sa.select(EtsyListing.listing_id, EtsyListing.publication_id).where(
                EtsyListing.listing_id.in_(ids)
            )
        )
        return {int(listing_id): publication_id for listing_id, publication_id in rows.all() if listing_id}

    async def _canceled(
        self,
        ctx: EtsyContext,
        session: AsyncSession,
        tenant_id: uuid.UUID,
        account_id: uuid.UUID,
        receipt: Receipt,
    ) -> int:
        """A receipt reported earlier no longer stands: one ``order.cancelled`` per line reported as sold.

        The conditional update marks each line once: a replica polling the same receipt waits on the row
        lock, then finds it marked and emits nothing. Lines never reported (canceled before a poll saw them
        paid) were never sales to Vitrine. A partial refund names no transaction: the sale stands.
        """
        at = receipt.updated_at
        marked = (
            await session.execute(
                sa.update(ReceiptLine)
                .where(ReceiptLine.receipt_id == receipt.receipt_id, ReceiptLine.canceled_at.is_(None))
                .values(canceled_at=at)
                .returning(ReceiptLine.transaction_id, ReceiptLine.listing_id)
            )
        ).all()
        lines = {t.transaction_id: t for t in receipt.transactions}
        reason: Literal["cancelled", "refunded"] = (
            "refunded" if receipt.status.lower() == "fully refunded" else "cancelled"
        )
        for transaction_id, listing_id in marked:
            line = lines.get(transaction_id)
            ctx.outbox.add(
                session,
                OrderCancelled(
                    marketplace=Marketplace.ETSY,
                    order_id=str(receipt.receipt_id),
                    line_id=str(transaction_id),
                    account_id=account_id,
                    external_listing_id=str(listing_id),
                    sku=(line.sku or None) if line else None,
                    quantity=line.quantity if line else 1,
                    reason=reason,
                    cancelled_at=at,
                ),
                tenant_id=tenant_id,
            )
        return len(marked)


receipt_poller = ReceiptPoller()
