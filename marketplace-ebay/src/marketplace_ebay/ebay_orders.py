"""eBay's Fulfillment getOrders read two ways: new paid lines (sales) and lines cancelled or refunded since
(given back); and the state of an offer, as reconciliation reads it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import httpx
from vitrine_marketplace import ExternalOrder

if TYPE_CHECKING:
    from marketplace_ebay.ebay_api import EbaySeller

# The adapter's authenticated call: (seller, method, path, what, **kwargs) → response.
Call = Callable[..., Awaitable[httpx.Response]]
PAID = ("PAID", "PARTIALLY_REFUNDED")


@dataclass(frozen=True)
class CancelledLine:
    """A line of an order eBay reports cancelled, or fully refunded (a return)."""

    order_id: str
    line_id: str
    listing_id: str
    sku: str | None
    quantity: int
    reason: Literal["cancelled", "refunded"]
    at: datetime


@dataclass(frozen=True)
class OfferState:
    """An offer as eBay shows it: published or not, its listing id, and eBay's own word for the listing's
    state (kept as eBay sends it: eBay adds values over time)."""

    published: bool
    listing_id: str | None
    listing_status: str | None


def money(amount: dict[str, Any] | None) -> tuple[Decimal, str]:
    """(value, currency) of one of eBay's amounts."""
    amount = amount or {}
    return Decimal(str(amount.get("value", "0"))), str(amount.get("currency", ""))


def when(value: str | None) -> datetime:
    """One of eBay's timestamps (``now`` when missing)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else datetime.now(UTC)


def iso(moment: datetime) -> str:
    """``moment`` as eBay's filters want it (UTC, milliseconds, ``Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def line_id_of(line: dict[str, Any]) -> str:
    """The id a line is reported (and later cancelled) under."""
    return str(line.get("lineItemId") or line.get("legacyItemId"))


async def modified_orders(call: Call, seller: EbaySeller, since: datetime) -> AsyncIterator[dict[str, Any]]:
    """Every order modified since ``since`` (every page)."""
    offset = 0
    while True:
        response = await call(
            seller, "GET", "/sell/fulfillment/v1/order", "read orders",
            params={"filter": f"lastmodifieddate:[{iso(since)}..]", "limit": 200, "offset": offset},
        )  # fmt: skip
        body = response.json()
        for order in body.get("orders", []):
            yield order
        offset += int(body.get("limit", 200))
        if not body.get("next") or offset >= int(body.get("total", 0)):
            return


async def paid_lines(call: Call, seller: EbaySeller, since: datetime) -> list[ExternalOrder]:
    """Lines of paid orders modified since ``since``."""
    lines: list[ExternalOrder] = []
    async for order in modified_orders(call, seller, since):
        lines.extend(paid_lines_of(order))
    return lines


async def order_paid_lines(call: Call, seller: EbaySeller, order_id: str) -> list[ExternalOrder]:
    """The paid lines of one order (getOrders with ``orderIds``, as a notification names it); none when the
    order is unknown, unpaid or cancelled."""
    response = await call(
        seller, "GET", "/sell/fulfillment/v1/order", "read the order", params={"orderIds": order_id}
    )
    lines: list[ExternalOrder] = []
    for order in response.json().get("orders", []):
        if str(order.get("orderId")) == order_id:
            lines.extend(paid_lines_of(order))
    return lines


def paid_lines_of(order: dict[str, Any]) -> list[ExternalOrder]:
    """The lines of ``order`` to report as sold: none unless it is paid and not cancelled."""
    if order.get("orderPaymentStatus") not in PAID or _cancelled(order):
        return []
    lines = []
    for line in order.get("lineItems", []):
        price, currency = money(line.get("total") or line.get("lineItemCost"))
        lines.append(
            ExternalOrder(
                order_id=str(order["orderId"]),
                line_id=line_id_of(line),
                external_listing_id=str(line.get("legacyItemId")),
                sku=line.get("sku"),
                quantity=int(line.get("quantity", 1)),
                price=price,
                currency=currency,
                buyer=(order.get("buyer") or {}).get("username"),
                ordered_at=when(order.get("creationDate")),
                modified_at=when(order.get("lastModifiedDate")),
            )
        )
    return lines


def _cancelled(order: dict[str, Any]) -> bool:
    return str((order.get("cancelStatus") or {}).get("cancelState")) == "CANCELED"


async def cancelled_lines(call: Call, seller: EbaySeller, since: datetime) -> list[CancelledLine]:
    """Lines of orders modified since ``since`` that are cancelled, or fully refunded."""
    lines: list[CancelledLine] = []
    async for order in modified_orders(call, seller, since):
        refunded = order.get("orderPaymentStatus") == "FULLY_REFUNDED"
        if not (_cancelled(order) or refunded):
            continue
        status = order.get("cancelStatus") or {}
        for line in order.get("lineItems", []):
            lines.append(
                CancelledLine(
                    order_id=str(order["orderId"]),
                    line_id=line_id_of(line),
                    listing_id=str(line.get("legacyItemId")),
                    sku=line.get("sku"),
                    quantity=int(line.get("quantity", 1)),
                    reason="cancelled" if _cancelled(order) else "refunded",
                    at=when(status.get("cancelledDate") or order.get("lastModifiedDate")),
                )
            )
    return lines
