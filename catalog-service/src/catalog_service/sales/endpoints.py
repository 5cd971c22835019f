"""``/orders``: what sold where, line by line, and what each line did to the stock."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from vitrine_contracts.common import Marketplace

from catalog_service.sales.service import OrderOut, sale_service
from catalog_service.scope import RequestScope

router = APIRouter(tags=["sales"])


@router.get("/orders")
async def list_orders(
    scope: RequestScope,
    product_id: uuid.UUID | None = None,
    marketplace: Marketplace | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[OrderOut]:
    """Order lines the marketplaces reported, newest first (each once per marketplace, order and line)."""
    return await sale_service.orders(scope, product_id, marketplace.value if marketplace else None, limit)
