"""Order lines from the adapters: stock once per line, sold at zero, delist elsewhere, oversell alerts,
quantities revised elsewhere after a partial sale, stock given back when a line is cancelled."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, TypeAdapter
from sqlalchemy.dialects.postgresql import insert
from vitrine_contracts.catalog import OrderCancelled, OrderReceived, OversellDetected, ProductSold
from vitrine_kit.db.base import utcnow
from vitrine_kit.pagination import Keyset, Page

from catalog_service.alerts.schemas import AlertKind
from catalog_service.alerts.service import alert_service
from catalog_service.models import Order, Product, Publication
from catalog_service.publications.service import publication_service
from catalog_service.revisions.service import revision_service
from catalog_service.scope import Scope

logger = logging.getLogger(__name__)


class OrderOut(BaseModel):
    """An order line a marketplace reported, and what it did to the stock (applied, oversold, unmatched)."""

    id: uuid.UUID
    marketplace: str
    order_id: str
    line_id: str
    product_id: uuid.UUID | None
    external_listing_id: str
    quantity: int
    price: Decimal
    currency: str
    outcome: str
    ordered_at: datetime
    received_at: datetime
    cancelled_at: datetime | None


class OrderPage(Page[OrderOut]):
    """Order lines, newest first (then by id); ``next_cursor`` pages to older ones."""


# Newest received first, the id breaking ties (ix_orders_received_at backs it).
ORDER = Keyset((Order.received_at, Order.id), TypeAdapter(tuple[datetime, uuid.UUID]))


def _order_view(order: Order) -> dict[str, Any]:
    return {
        "marketplace": order.marketplace,
        "order_id": order.order_id,
        "line_id": order.line_id,
        "quantity": order.quantity,
        "price": str(order.price),
        "currency": order.currency,
        "ordered_at": order.ordered_at.isoformat(),
    }


class SaleService:
    """What happens when something sells (or the sale is undone)."""

    async def on_order(self, scope: Scope, event: OrderReceived) -> None:
        """Apply an order line once; the conditional UPDATE makes the last unit go to exactly one line."""
        s = scope.session
        product_id = await self._product_for(scope, event)
        order_id = await s.scalar(
            insert(Order)
            .values(
                id=uuid.uuid4(),
                marketplace=event.marketplace.value,
                order_id=event.order_id,
                line_id=event.line_id or "",
                product_id=product_id,
                external_listing_id=event.external_listing_id,
                quantity=event.quantity,
                price=event.price.amount,
                currency=event.price.currency,
                outcome="applied" if product_id else "unmatched",
                ordered_at=event.ordered_at,
                received_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["marketplace", "order_id", "line_id"])
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
            return
        await s.execute(
            sa.update(Order).where(Order.id == order_id).values(stock_before=left + event.quantity)
        )
        if left == 0:
            await self._sold(scope, product_id, event)
        else:
            # The other marketplaces still show the old quantity.
            await revision_service.schedule(scope, product_id, now=True)

    async def _product_for(self, scope: Scope, event: OrderReceived) -> uuid.UUID | None:
        stmt = sa.select(Publication.product_id)
        if event.publication_id is not None:
            found = await scope.session.scalar(stmt.where(Publication.id == event.publication_id))
        else:
            found = None
        if found is None:
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
        sold_at = scope.envelope.occurred_at if scope.envelope else datetime.now(UTC)
        # The listing that sold: by its id, else by its listing id on the marketplace. Every other one ends,
        # the same marketplace's other sites (eBay FR when it sold on eBay GB) included.
        selling = await self._selling(scope, product_id, event)
        await publication_service.delist_live(
            scope,
            product,
            "sold_elsewhere",
            except_marketplace=event.marketplace.value,
            except_publication=selling.id if selling is not None else None,
            sold_at=sold_at,
        )
        # The listing that sold ended with the sale.
        if selling is not None and selling.status in ("pending", "listing", "listed"):
            selling.status, selling.delisted_at, selling.updated_at = "delisted", utcnow(), utcnow()
            selling.reason = "sold here"

    async def _selling(self, scope: Scope, product_id: uuid.UUID, event: OrderReceived) -> Publication | None:
        mine = sa.select(Publication).where(
            Publication.product_id == product_id, Publication.marketplace == event.marketplace.value
        )
        if event.publication_id is not None:
            found = await scope.session.scalar(mine.where(Publication.id == event.publication_id))
            if found is not None:
                return found
        found = await scope.session.scalar(mine.where(Publication.external_id == event.external_listing_id))
        if found is not None:
            return found
        # Not known by id: the marketplace's only publication of the product, if it has just one.
        only = list((await scope.session.scalars(mine)).all())
        return only[0] if len(only) == 1 else None

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
        alert = await alert_service.raise_alert(scope, AlertKind.OVERSELL, product_id, details)
        assert alert is not None
        scope.emit(OversellDetected(product_id=product_id, alert_id=alert.id, **details))

    async def on_cancelled(self, scope: Scope, event: OrderCancelled) -> None:
        """Give the line's units back once (never above the stock before the sale), and tell the seller."""
        s = scope.session
        order = await s.scalar(
            sa.select(Order)
            .where(
                Order.marketplace == event.marketplace.value,
                Order.order_id == event.order_id,
                Order.line_id == (event.line_id or ""),
            )
            .with_for_update()
        )
        if order is None or order.cancelled_at is not None:
            logger.info(
                "cancellation ignored", extra={"order_id": event.order_id, "known": order is not None}
            )
            return
        order.cancelled_at = event.cancelled_at
        restored = None
        if order.outcome == "applied" and order.product_id is not None:
            cap = (
                order.stock_before
                if order.stock_before is not None
                else Product.stock_quantity + order.quantity
            )
            restored = await s.scalar(
                sa.update(Product)
                .where(Product.id == order.product_id)
                .values(
                    # Never less than now (the seller may have added stock), never more than before the sale.
                    stock_quantity=sa.func.greatest(
                        Product.stock_quantity, sa.func.least(Product.stock_quantity + order.quantity, cap)
                    ),
                    version=Product.version + 1,
                    updated_at=utcnow(),
                )
                .returning(Product.stock_quantity)
            )
            if restored:
                await revision_service.schedule(scope, order.product_id, now=True)
        await alert_service.raise_alert(
            scope,
            AlertKind.ORDER_CANCELLED,
            order.product_id,
            {
                **_order_view(order),
                "reason": event.reason,
                "outcome": order.outcome,
                "stock_now": restored,
                "message": "The order was cancelled: the stock is back. A sold product stays sold until "
                "you list it again.",
            },
        )

    async def orders(
        self,
        scope: Scope,
        product_id: uuid.UUID | None,
        marketplace: str | None,
        limit: int,
        cursor: str | None = None,
    ) -> OrderPage:
        """The newest order lines first, optionally for one product or one marketplace."""
        stmt = sa.select(Order)
        if product_id is not None:
            stmt = stmt.where(Order.product_id == product_id)
        if marketplace is not None:
            stmt = stmt.where(Order.marketplace == marketplace)
        rows = (await scope.session.scalars(ORDER.select(stmt, limit=limit, cursor=cursor))).all()
        items, next_cursor = ORDER.page(rows, limit)
        return OrderPage(
            items=[OrderOut.model_validate(o, from_attributes=True) for o in items], next_cursor=next_cursor
        )


sale_service = SaleService()
