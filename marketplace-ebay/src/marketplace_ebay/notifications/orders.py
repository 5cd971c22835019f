"""Sales learned by push: eBay's Notification API topic ``ORDER_CONFIRMATION`` (one per line item, signed as
the account-deletion notices are). The notification only names the order: it is read through getOrders and
reported by the order poll's own code, so a sale seen by the push and by the poll is reported once."""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from vitrine_marketplace import AuthRevoked, MarketplaceError

from marketplace_ebay.accounts import repository as accounts
from marketplace_ebay.context import EbayContext
from marketplace_ebay.errors import EbayUnavailable
from marketplace_ebay.orders.service import order_poller

logger = logging.getLogger(__name__)
TOPIC = "ORDER_CONFIRMATION"
REMEMBERED = 10_000


class Outcome(StrEnum):
    """What a verified notification led to."""

    REPORTED = "reported"  # new lines went out as order.received
    ALREADY_KNOWN = "already-known"  # every line was reported before (by the poll or an earlier push)
    REPLAYED = "replayed"  # this notification id was handled here before: not read again
    UNKNOWN_SELLER = "unknown-seller"  # no connected account of that eBay user
    IGNORED = "ignored"  # another topic, or no order named


@dataclass(frozen=True)
class OrderNotice:
    notification_id: str
    order_id: str
    seller_user_id: str


def parse(message: dict[str, Any]) -> OrderNotice | None:
    """The order an ORDER_CONFIRMATION names (None for another topic or a notice without an order)."""
    if (message.get("metadata") or {}).get("topic") != TOPIC:
        return None
    notification = message.get("notification") or {}
    data = notification.get("data") or {}
    order_id, seller = str(data.get("orderId") or ""), str(data.get("sellerUserId") or "")
    if not order_id or not seller:
        return None
    return OrderNotice(str(notification.get("notificationId") or ""), order_id, seller)


class OrderNotifications:
    """Handles ORDER_CONFIRMATION; ids of the notifications handled are remembered (per replica, bounded) so
    a replay costs no eBay call — the order lines' key is what keeps a line reported once everywhere."""

    def __init__(self) -> None:
        self._handled: OrderedDict[str, None] = OrderedDict()

    async def order_confirmed(self, ebay: EbayContext, message: dict[str, Any]) -> Outcome:
        notice = parse(message)
        if notice is None:
            return Outcome.IGNORED
        if notice.notification_id and notice.notification_id in self._handled:
            return Outcome.REPLAYED
        holders = await accounts.holders(ebay.db, notice.seller_user_id)
        if not holders:
            return Outcome.UNKNOWN_SELLER
        reported = 0
        for holder in holders:
            reported += await self._receive(ebay, holder.tenant_id, holder.account_id, notice.order_id)
        if notice.notification_id:
            self._handled[notice.notification_id] = None
            while len(self._handled) > REMEMBERED:
                self._handled.popitem(last=False)
        return Outcome.REPORTED if reported else Outcome.ALREADY_KNOWN

    async def _receive(
        self, ebay: EbayContext, tenant_id: uuid.UUID, account_id: uuid.UUID, order_id: str
    ) -> int:
        try:
            return await order_poller.receive(ebay, tenant_id, account_id, order_id)
        except AuthRevoked:
            # The account must be reconnected (already marked and announced): nothing to read it with.
            logger.warning("order notice for an account to reconnect", extra={"account": str(account_id)})
            return 0
        except MarketplaceError as exc:
            # Not answered 2xx: eBay delivers the notification again, and the poll reads the order anyway.
            raise EbayUnavailable("Could not read the notified order from eBay.") from exc


order_notifications = OrderNotifications()
