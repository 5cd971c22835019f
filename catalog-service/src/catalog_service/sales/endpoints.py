"""``/orders``: what sold where, line by line, and what each line did to the stock."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from vitrine_contracts.common import Marketplace
from vitrine_kit.pagination import Cursor, Limit

from catalog_service.sales.service import OrderPage, sale_service
from catalog_service.scope import RequestScope

router = APIRouter(tags=["sales"])


@router.get("/orders")
async def list_orders(
    scope: RequestScope,
    product_id: uuid.UUID | None = None,
    marketplace: Marketplace | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> OrderPage:
    """Order lines the marketplaces reported, newest first (each once per marketplace, order and line)."""
    return await sale_service.orders(
        scope, product_id, marketplace.value if marketplace else None, limit, cursor
    )
