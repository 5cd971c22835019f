"""Publishes of one account pending at the same time go to eBay together: the Inventory bulk calls, 25 drafts
per call, each draft answered on its own. A draft alone goes through the single calls.

Like a group commit: the first publish of an account waits ``bulk_window_s`` for others to join, and those
arriving while a batch is at eBay form the next one. Each caller gets its own listing or its own error, so the
publication's attempt, retry and failure handling stay per publication.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from vitrine_marketplace import ListingDraft, MarketplaceError, PublishedListing

from marketplace_ebay.context import EbayContext
from marketplace_ebay.ebay_api import EbaySeller
from marketplace_ebay.ebay_bulk import BULK_MAX

logger = logging.getLogger(__name__)


@dataclass
class _Pending:
    seller: EbaySeller
    draft: ListingDraft
    done: asyncio.Future[PublishedListing] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


# The account and the policies (fulfillment, payment, return) its batch goes out with.
_Key = tuple[str, str | None, str | None, str | None]


class BulkPublisher:
    """Per account and set of policies: the drafts waiting to go, and whether a batch is on its way."""

    def __init__(self) -> None:
        self._forming: dict[_Key, list[_Pending]] = {}
        self._draining: set[_Key] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.calls = {"bulk": 0, "single": 0}

    async def publish(self, ebay: EbayContext, seller: EbaySeller, draft: ListingDraft) -> PublishedListing:
        """Publish ``draft`` with whatever else of the account is pending; its own listing or its own error."""
        pending = _Pending(seller, draft)
        # One batch goes out with one set of policies: listings choosing their own wait in their own batch.
        key = (
            seller.account_id,
            seller.fulfillment_policy_id,
            seller.payment_policy_id,
            seller.return_policy_id,
        )
        self._forming.setdefault(key, []).append(pending)
        if key not in self._draining:
            self._draining.add(key)
            task = asyncio.get_running_loop().create_task(self._drain(ebay, key))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await asyncio.shield(pending.done)

    async def _drain(self, ebay: EbayContext, key: _Key) -> None:
        try:
            await asyncio.sleep(ebay.settings.bulk_window_s)
            size = max(1, min(ebay.settings.bulk_max, BULK_MAX))
            while pending := self._forming.pop(key, []):
                for start in range(0, len(pending), size):
                    await self._flush(ebay, pending[start : start + size])
        finally:
            self._draining.discard(key)

    async def _flush(self, ebay: EbayContext, batch: list[_Pending]) -> None:
        seller = batch[-1].seller  # the latest token any of the callers holds
        try:
            if len(batch) == 1:
                self.calls["single"] += 1
                batch[0].done.set_result(await ebay.ebay.publish(seller, batch[0].draft))
                return
            self.calls["bulk"] += 1
            results = await ebay.ebay.bulk_publish(seller, [p.draft for p in batch])
            for pending, result in zip(batch, results, strict=True):
                if isinstance(result, MarketplaceError):
                    pending.done.set_exception(result)
                else:
                    pending.done.set_result(result)
            logger.info("bulk publish", extra={"account": str(seller.account_id), "drafts": len(batch)})
        except Exception as exc:  # the whole call failed: every caller's attempt failed the same way
            for pending in batch:
                if not pending.done.done():
                    pending.done.set_exception(exc)


bulk_publisher = BulkPublisher()
