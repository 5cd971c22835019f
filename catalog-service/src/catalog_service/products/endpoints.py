"""``/products``: CRUD, lifecycle, soft delete and restore, search, bulk operations."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from vitrine_kit.pagination import Cursor
from vitrine_kit.roles import Capability, needs

from catalog_service.deps import IfMatch, ProductID
from catalog_service.products.bulk import bulk_service
from catalog_service.products.repository import ProductFilters
from catalog_service.products.schemas import (
    BulkRequest,
    BulkResponse,
    ProductCreate,
    ProductOut,
    ProductPage,
    ProductStatus,
    ProductUpdate,
    StatusChange,
)
from catalog_service.products.service import etag, parse_etag, product_service
from catalog_service.scope import RequestScope

router = APIRouter(prefix="/products", tags=["products"])
Sort = Literal[
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "price",
    "-price",
    "title",
    "-title",
    "sku",
    "-sku",
]


@router.post("", status_code=201)
async def create_product(body: ProductCreate, scope: RequestScope, response: Response) -> ProductOut:
    """Create a draft (counted against the plan's product limit)."""
    product = await product_service.create(scope, body)
    response.headers["ETag"] = etag(product)
    response.headers["Location"] = f"/products/{product.id}"
    return await product_service.render(scope, product)


@router.get("")
async def list_products(
    scope: RequestScope,
    status: Annotated[list[ProductStatus] | None, Query()] = None,
    brand: Annotated[list[str] | None, Query()] = None,
    category: Annotated[list[str] | None, Query(description="Includes the categories below it")] = None,
    price_min: Annotated[Decimal | None, Query(ge=0, max_digits=12, decimal_places=2)] = None,
    price_max: Annotated[Decimal | None, Query(ge=0, max_digits=12, decimal_places=2)] = None,
    marketplace: Annotated[str | None, Query(description="Has a publication there")] = None,
    publication_status: Annotated[str | None, Query(description="…in this state")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Title, SKU or description")] = None,
    deleted: bool = False,
    sort: Sort = "-created_at",
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Cursor = None,
) -> ProductPage:
    """Filtered, sorted, cursor-paginated products with the total of the filter."""
    filters = ProductFilters(
        status=[s.value for s in status] if status else None,
        brand=brand,
        categories=category,
        price_min=price_min,
        price_max=price_max,
        marketplace=marketplace,
        publication_status=publication_status,
        q=q,
        deleted=deleted,
    )
    return await product_service.search(scope, filters, sort, limit, cursor)


@router.post("/bulk")
async def bulk(body: BulkRequest, scope: RequestScope) -> BulkResponse:
    """One action on many products, each applied or refused on its own."""
    return await bulk_service.run(scope, body)


@router.get("/{product_id}")
async def get_product(product_id: ProductID, scope: RequestScope, response: Response) -> ProductOut:
    """One product with its publications; the ETag is its version."""
    product = await product_service.get(scope, product_id, deleted_ok=True)
    response.headers["ETag"] = etag(product)
    return await product_service.render(scope, product)


@router.patch("/{product_id}")
async def update_product(
    product_id: ProductID,
    body: ProductUpdate,
    scope: RequestScope,
    response: Response,
    if_match: IfMatch = None,
) -> ProductOut:
    """Change the fields sent; ``If-Match`` (or ``version``) guards against lost updates."""
    expected = parse_etag(if_match) if if_match else body.version
    product = await product_service.update(scope, product_id, body, expected)
    response.headers["ETag"] = etag(product)
    return await product_service.render(scope, product)


@router.post("/{product_id}/status")
async def change_status(
    product_id: ProductID,
    body: StatusChange,
    scope: RequestScope,
    response: Response,
    if_match: IfMatch = None,
) -> ProductOut:
    """Move the product along draft → ready → listed → sold → archived."""
    expected = parse_etag(if_match) if if_match else body.version
    product = await product_service.change_status(scope, product_id, body.status, expected)
    response.headers["ETag"] = etag(product)
    return await product_service.render(scope, product)


@router.delete("/{product_id}", status_code=204, dependencies=needs(Capability.CATALOG_DELETE))
async def delete_product(product_id: ProductID, scope: RequestScope, if_match: IfMatch = None) -> Response:
    """Soft delete (live listings are ended); ``POST …/restore`` brings it back."""
    await product_service.delete(scope, product_id, parse_etag(if_match))
    return Response(status_code=204)


@router.post("/{product_id}/restore", dependencies=needs(Capability.CATALOG_DELETE))
async def restore_product(product_id: ProductID, scope: RequestScope, response: Response) -> ProductOut:
    """Undo a delete."""
    product = await product_service.restore(scope, product_id)
    response.headers["ETag"] = etag(product)
    return await product_service.render(scope, product)
