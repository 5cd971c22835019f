"""Orders from the adapters: stock once per order, sold at zero, delist elsewhere, oversell alerts."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.dialects.postgresql import insert
from vitrine_contracts.catalog import OrderReceived, OversellDetected, ProductSold
from vitrine_kit.db.base import utcnow

from catalog_service.errors import AlertNotFound
from catalog_service.models import Alert, Order, Product, Publication
from catalog_service.publications.service import publication_service
from catalog_service.scope import Scope

logger = logging.getLogger(__name__)


class AlertOut(BaseModel):
    id: uuid.UUID
    kind: str
    product_id: uuid.UUID | None
    details: dict[str, Any]
    created_at: Any
    acknowledged_at: Any


class OrderOut(BaseModel):
    """An order a marketplace reported, and what it did to the stock (applied, oversold, unmatched)."""

    id: uuid.UUID
    marketplace: str
    order_id: str
    product_id: uuid.UUID | None
    external_listing_id: str
    quantity: int
    price: Decimal
    currency: str
    outcome: str
    ordered_at: datetime
    received_at: datetime


def _order_view(order: Order) -> dict[str, Any]:
    return {
        "marketplace": order.marketplace,
        "order_id": order.order_id,
        "quantity": order.quantity,
        "price": str(order.price),
        "currency": order.currency,
        "ordered_at": order.ordered_at.isoformat(),
    }


class SaleService:
    """What happens when something sells."""

    async def on_order(self, scope: Scope, event: OrderReceived) -> None:
        """Apply an order once; the conditional UPDATE makes the last unit go to exactly one order."""
        s = scope.session
        product_id = await self._product_for(scope, event)
        order_id = await s.scalar(
            insert(Order)
            .values(
                id=uuid.uuid4(),
                marketplace=event.marketplace.value,
                order_id=event.order_id,
                product_id=product_id,
                external_listing_id=event.external_listing_id,
                quantity=event.quantity,
                price=event.price.amount,
                currency=event.price.currency,
                outcome="applied" if product_id else "unmatched",
                ordered_at=event.ordered_at,
                received_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["marketplace", "order_id"])
            .returning(Order.id)
        )
        if order_id is None or product_id is None:
            logger.info("order ignored", extra={"order_id": event.order_id, "duplicate": order_id is None})
            return
        left = await s.scalar(
            sa.update(Product)
            .where(Product.id == product_id, Product.stock_quantity >= event.quantity)
            .values(
                stock_quantity=Product.stock_quantity - event.quantity,
                version=Product.version + 1,
                updated_at=utcnow(),
            )
            .returning(Product.stock_quantity)
        )
        if left is None:
            await self._oversold(scope, product_id, order_id)
        elif left == 0:
            await self._sold(scope, product_id, event)

    async def _product_for(self, scope: Scope, event: OrderReceived) -> uuid.UUID | None:
        stmt = sa.select(Publication.product_id)
        if event.publication_id is not None:
            found = await scope.session.scalar(stmt.where(Publication.id == event.publication_id))
        else:
            found = await scope.session.scalar(
                stmt.where(
                    Publication.marketplace == event.marketplace.value,
                    Publication.external_id == event.external_listing_id,
                )
            )
        if found is None and event.sku:
            found = await scope.session.scalar(
                sa.select(Product.id).where(Product.sku == event.sku, Product.deleted_at.is_(None))
            )
        return found

    async def _sold(self, scope: Scope, product_id: uuid.UUID, event: OrderReceived) -> None:
        product = await scope.session.get_one(
            Product, product_id, with_for_update=True, populate_existing=True
        )
        product.status, product.sold_at = "sold", utcnow()
        scope.emit(ProductSold(product_id=product_id, marketplace=event.marketplace, order_id=event.order_id))
        await publication_service.delist_live(
            scope, product, "sold_elsewhere", except_marketplace=event.marketplace.value
        )
        # The listing that sold ended with the sale.
        selling = await scope.session.scalar(
            sa.select(Publication).where(
                Publication.product_id == product_id, Publication.marketplace == event.marketplace.value
            )
        )
        if selling is not None and selling.status in ("pending", "listing", "listed"):
            selling.status, selling.delisted_at, selling.updated_at = "delisted", utcnow(), utcnow()
            selling.reason = "sold here"

    async def _oversold(self, scope: Scope, product_id: uuid.UUID, order_id: uuid.UUID) -> None:
        s = scope.session
        second = await s.get_one(Order, order_id)
        second.outcome = "oversold"
        first = await s.scalar(
            sa.select(Order)
            .where(Order.product_id == product_id, Order.outcome == "applied")
            .order_by(Order.received_at.desc())
            .limit(1)
        )
        details = {"first_order": _order_view(first) if first else {}, "second_order": _order_view(second)}
        alert = Alert(id=uuid.uuid4(), kind="oversell", product_id=product_id, details=details)
        s.add(alert)
        scope.emit(OversellDetected(product_id=product_id, alert_id=alert.id, **details))

    async def orders(
        self, scope: Scope, product_id: uuid.UUID | None, marketplace: str | None, limit: int
    ) -> list[OrderOut]:
        """The newest orders first, optionally for one product or one marketplace."""
        stmt = sa.select(Order).order_by(Order.received_at.desc()).limit(limit)
        if product_id is not None:
            stmt = stmt.where(Order.product_id == product_id)
        if marketplace is not None:
            stmt = stmt.where(Order.marketplace == marketplace)
        return [OrderOut.model_validate(o, from_attributes=True) for o in await scope.session.scalars(stmt)]

    async def alerts(self, scope: Scope, acknowledged: bool | None) -> list[AlertOut]:
        stmt = sa.select(Alert).order_by(Alert.created_at.desc())
        if acknowledged is not None:
            stmt = stmt.where(
                Alert.acknowledged_at.is_not(None) if acknowledged else Alert.acknowledged_at.is_(None)
            )
        return [AlertOut.model_validate(a, from_attributes=True) for a in await scope.session.scalars(stmt)]

    async def acknowledge(self, scope: Scope, alert_id: uuid.UUID) -> AlertOut:
        alert = await scope.session.get(Alert, alert_id, with_for_update=True)
        if alert is None:
            raise AlertNotFound()
        alert.acknowledged_at = alert.acknowledged_at or utcnow()
        return AlertOut.model_validate(alert, from_attributes=True)


sale_service = SaleService()
