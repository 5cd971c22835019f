"""Each event the feed follows, as the seller reads it (played through the broker like the fleet would)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from vitrine_contracts.ai import AnalysisFailed
from vitrine_contracts.billing import (
    CreditsLow,
    PaymentFailed,
    PlanQuotas,
    SubscriptionChanged,
    SubscriptionStatus,
)
from vitrine_contracts.catalog import (
    OrderCancelled,
    OrderReceived,
    OversellDetected,
    ProductSnapshot,
    ProductSold,
    PublicationDelisted,
    PublicationDelistFailed,
    PublicationRequested,
    PublicationSucceeded,
)
from vitrine_contracts.common import Marketplace, Money
from vitrine_contracts.marketplace import AccountSessionExpired

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
EUR = Money(amount=Decimal("35.00"), currency="EUR")


def requested(product_id: uuid.UUID, title: str) -> PublicationRequested:
    snapshot = ProductSnapshot(
        product_id=product_id, sku="SKU-1", title=title, description="", price=EUR, quantity=1
    )
    return PublicationRequested(
        publication_id=uuid.uuid4(), product_id=product_id, marketplace=Marketplace.EBAY, snapshot=snapshot
    )


class TestWhatTheSellerReads:
    async def test_each_event_becomes_one_item_of_its_kind(self, app: Any) -> None:
        seller = app.seller()
        product, publication, alert = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        events = [
            requested(product, "Levi's 501 jeans"),  # no item: remembered for the titles
            PublicationSucceeded(
                publication_id=publication,
                product_id=product,
                marketplace=Marketplace.EBAY,
                external_id="v1|42|0",
                url="https://ebay.test/itm/42",
            ),
            OrderReceived(
                marketplace=Marketplace.EBAY,
                order_id="O-1",
                external_listing_id="42",
                price=EUR,
                ordered_at=NOW,
                quantity=2,
            ),
            ProductSold(product_id=product, marketplace=Marketplace.EBAY, order_id="O-1"),
            PublicationDelisted(
                publication_id=uuid.uuid4(),
                product_id=product,
                marketplace=Marketplace.VINTED,
                delisted_at=NOW,
            ),
            PublicationDelistFailed(
                publication_id=uuid.uuid4(),
                product_id=product,
                marketplace=Marketplace.ETSY,
                reason="Etsy is down",
            ),
            OversellDetected(
                product_id=product, alert_id=alert, first_order={"id": "O-1"}, second_order={"id": "O-2"}
            ),
            OrderCancelled(marketplace=Marketplace.EBAY, order_id="O-2", reason="refunded", cancelled_at=NOW),
            AccountSessionExpired(marketplace=Marketplace.VINTED, account_id=uuid.uuid4(), live_listings=3),
            CreditsLow(balance=4, monthly_allowance=50),
            SubscriptionChanged(plan="pro", status=SubscriptionStatus.ACTIVE, quotas=PlanQuotas()),
            PaymentFailed(
                plan="pro",
                invoice_id="in_1",
                amount_due=2900,
                currency="eur",
                hosted_invoice_url="https://pay.test/in_1",
            ),
            AnalysisFailed(
                analysis_id=uuid.uuid4(),
                code="provider-busy",
                reason="The AI provider is busy.",
                retryable=True,
            ),
        ]
        await seller.play(*events)
        items = await seller.wait_items(12)
        seen = [(i["kind"], i["text"], i["urgent"]) for i in items]
        assert seen == [
            ("publication.succeeded", "“Levi's 501 jeans” is live on eBay", False),
            ("order.received", "New order on eBay: 35.00 EUR for 2 items", False),
            ("product.sold", "“Levi's 501 jeans” sold on eBay; it is being removed everywhere else", False),
            ("publication.delisted", "“Levi's 501 jeans” was removed from Vinted", False),
            (
                "publication.delist_failed",
                "Could not remove “Levi's 501 jeans” from Etsy: Etsy is down. End it there, or it may sell twice",
                True,
            ),
            (
                "oversell.detected",
                "“Levi's 501 jeans” sold twice: two buyers, one item. Cancel one of the orders",
                True,
            ),
            ("order.cancelled", "Order O-2 on eBay was refunded; its stock is back", False),
            (
                "account.session_expired",
                "Your Vinted connection expired: reconnect Vinted to keep 3 listings in sync",
                True,
            ),
            ("credits.low", "AI credits are running low: 4 left of 50 a month", False),
            ("plan.changed", "Your plan is now Pro", False),
            ("payment.failed", "The payment of 29.00 EUR for your Pro plan failed: update your card", True),
            ("ai.analysis.failed", "Photo analysis failed: The AI provider is busy.", False),
        ]
        succeeded = items[0]["data"]
        assert succeeded["url"] == "https://ebay.test/itm/42"
        assert succeeded["product_id"] == str(product)
        assert succeeded["title"] == "Levi's 501 jeans"
        assert items[5]["data"]["alert_id"] == str(alert)
        assert items[10]["data"]["url"] == "https://pay.test/in_1"

    async def test_an_event_delivered_twice_is_one_item(self, app: Any) -> None:
        seller = app.seller()
        envelope = seller.envelope(CreditsLow(balance=1, monthly_allowance=50))
        await app.publish(envelope)
        await app.publish(envelope)
        await seller.play(CreditsLow(balance=0, monthly_allowance=50))
        items = await seller.wait_items(2)
        assert [i["data"]["balance"] for i in items] == [1, 0]
