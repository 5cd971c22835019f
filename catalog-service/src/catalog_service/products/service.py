"""Products: create, read, edit with optimistic concurrency, lifecycle, soft delete and restore, search."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.exc import IntegrityError
from vitrine_kit.db.base import utcnow

from catalog_service.errors import (
    InvalidProduct,
    InvalidTransition,
    ProductDeleted,
    ProductIncomplete,
    ProductNotDeleted,
    ProductNotFound,
    SkuTaken,
    VersionMismatch,
)
from catalog_service.models import Product
from catalog_service.products import provenance
from catalog_service.products import repository as repo
from catalog_service.products.photos import photo_service
from catalog_service.products.repository import ProductFilters
from catalog_service.products.rules import SYSTEM_ONLY, can_move, merged, missing_for_ready, reference_errors
from catalog_service.products.schemas import (
    FieldOrigin,
    ProductCreate,
    ProductFields,
    ProductOut,
    ProductPage,
    ProductStatus,
    PublicationSummary,
)
from catalog_service.publications.service import publication_service
from catalog_service.quotas.service import quota_service
from catalog_service.reference.brands import brand_service
from catalog_service.revisions.service import LISTED_FIELDS, revision_service
from catalog_service.scope import Scope

NOT_NULL = frozenset({"sku", "title", "description", "currency", "stock_quantity", "notes"})
EMPTY: dict[str, type[list[Any]] | type[dict[str, Any]]] = {
    "colours": list,
    "flaws": list,
    "images": list,
    "materials": list,
    "measurements_cm": dict,
    "attributes": dict,
}


def parse_etag(if_match: str | None) -> int | None:
    """``"3"`` or ``W/"3"`` → 3; ``*`` or nothing → no check."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    try:
        return int(tag)
    except ValueError:
        return -1  # an ETag we never issued is stale by definition


def etag(product: Product | ProductOut) -> str:
    return f'"{product.version}"'


def _values(fields: ProductFields) -> dict[str, Any]:
    # Only the fields sent, but each in full (nested defaults such as is_label included).
    full = fields.model_dump(mode="json")
    data = {k: full[k] for k in fields.model_fields_set if k != "version"}
    if "price" in data and data["price"] is not None:
        data["price"] = fields.price
    return data


class ProductService:
    """The seller's products in their tenant schema."""

    async def create(self, scope: Scope, body: ProductCreate) -> Product:
        """A draft, counted against the plan's limit; 409 when the SKU is taken."""
        values = _values(body)
        await brand_service.settle(scope, values, await scope.context.reference.get())
        await self._check(scope, values)
        await photo_service.check(scope, [i["media_id"] for i in values.get("images") or []])
        await quota_service.admit(scope)
        product_id = uuid.uuid4()
        values["sku"] = values.get("sku") or f"VT-{product_id.hex[:10].upper()}"  # an explicit null too
        values["currency"] = values.get("currency") or scope.context.settings.default_currency
        values = {k: v for k, v in values.items() if v is not None}
        product = Product(id=product_id, status="draft", version=1, **values)
        async with self._unique_sku(scope, values["sku"]):
            scope.session.add(product)
        given: dict[str, Any] = {key: {} if key == "attributes" else None for key in _values(body)}
        await provenance.record(
            scope.session, product.id, provenance.changed_keys(product, given), FieldOrigin.SELLER
        )
        return product

    async def get(self, scope: Scope, product_id: uuid.UUID, *, deleted_ok: bool = False) -> Product:
        product = await scope.session.get(Product, product_id)
        if product is None:
            raise ProductNotFound()
        if product.deleted_at is not None and not deleted_ok:
            raise ProductDeleted()
        return product

    async def update(
        self,
        scope: Scope,
        product_id: uuid.UUID,
        body: ProductFields,
        expected: int | None,
        *,
        by_seller: bool = True,
    ) -> Product:
        """Change the fields sent; a stale version answers 412. The fields the seller changed are marked as
        theirs (``by_seller=False`` for a caller that records the fields' source itself)."""
        product = await self._locked(scope, product_id, expected)
        values = _values(body)
        await brand_service.settle(scope, values, await scope.context.reference.get())
        await self._check(scope, merged(product, values))
        for key, value in values.items():
            if value is None and key in NOT_NULL:
                raise InvalidProduct(
                    f"{key} cannot be emptied", errors=[{"field": key, "message": "cannot be null"}]
                )
        if values.get("images"):
            current = {str(i["media_id"]) for i in product.images}
            await photo_service.check(
                scope, [i["media_id"] for i in values["images"] if i["media_id"] not in current]
            )
        previous = {key: getattr(product, key) for key in values}
        before = {key: old for key, old in previous.items() if key in LISTED_FIELDS}
        async with self._unique_sku(scope, values.get("sku") or product.sku):
            for key, value in values.items():
                setattr(product, key, EMPTY[key]() if value is None and key in EMPTY else value)
            self._touch(product)
        if by_seller:
            changed = provenance.changed_keys(product, previous)
            await provenance.record(scope.session, product.id, changed, FieldOrigin.SELLER)
        if any(getattr(product, key) != old for key, old in before.items()):
            await revision_service.schedule(scope, product.id)
        return product

    async def change_status(
        self, scope: Scope, product_id: uuid.UUID, target: ProductStatus, expected: int | None
    ) -> Product:
        """Move along the lifecycle; 409 names the refused transition, 422 what ``ready`` lacks."""
        product = await self._locked(scope, product_id, expected)
        if target in SYSTEM_ONLY or not can_move(product.status, target):
            raise InvalidTransition(
                f"A product cannot go from {product.status} to {target.value}.",
                transition={"from": product.status, "to": target.value},
            )
        if target == ProductStatus.READY:
            lacking = missing_for_ready(product)
            if lacking:
                raise ProductIncomplete("Missing: " + ", ".join(e["field"] for e in lacking), errors=lacking)
        if target == ProductStatus.SOLD:
            # Sold outside Vitrine: nothing left, and every live listing must end.
            product.stock_quantity, product.sold_at = 0, utcnow()
            await publication_service.delist_live(scope, product, "sold_elsewhere")
        if target == ProductStatus.ARCHIVED:
            await publication_service.delist_live(scope, product, "archived")
        product.status = target.value
        self._touch(product)
        return product

    async def delete(self, scope: Scope, product_id: uuid.UUID, expected: int | None) -> None:
        """Soft delete: live listings end, the product no longer counts against the quota."""
        product = await self._locked(scope, product_id, expected)
        await publication_service.delist_live(scope, product, "seller_request")
        if product.status == ProductStatus.LISTED:
            product.status = ProductStatus.READY.value
        product.deleted_at = utcnow()
        self._touch(product)
        await quota_service.release(scope)

    async def restore(self, scope: Scope, product_id: uuid.UUID) -> Product:
        """Undo a delete (the quota and the SKU's uniqueness are checked again)."""
        product = await repo.get_for_update(scope.session, product_id)
        if product is None:
            raise ProductNotFound()
        if product.deleted_at is None:
            raise ProductNotDeleted()
        await quota_service.admit(scope)
        async with self._unique_sku(scope, product.sku):
            product.deleted_at = None
            self._touch(product)
        return product

    async def search(
        self, scope: Scope, filters: ProductFilters, sort: str, limit: int, cursor: str | None
    ) -> ProductPage:
        descending = sort.startswith("-")
        if filters.categories is not None:
            ref = await scope.context.reference.get()
            filters.categories = [c for code in filters.categories for c in ref.with_descendants(code)]
        rows, total, next_cursor = await repo.page(
            scope.session, filters, sort.lstrip("-"), descending, limit, cursor
        )
        return ProductPage(items=await self.render_many(scope, rows), total=total, next_cursor=next_cursor)

    async def render(self, scope: Scope, product: Product) -> ProductOut:
        return (await self.render_many(scope, [product]))[0]

    async def render_many(self, scope: Scope, products: list[Product]) -> list[ProductOut]:
        pubs = await repo.publications_of(scope.session, [p.id for p in products])
        sources = await provenance.sources_of(scope.session, [p.id for p in products])
        out = []
        for product in products:
            item = ProductOut.model_validate(product, from_attributes=True)
            item.publications = [
                PublicationSummary(
                    marketplace=p.marketplace,
                    site=p.site or None,
                    status=p.status,
                    url=p.url,
                    reason=p.reason,
                )
                for p in pubs[product.id]
            ]
            item.field_sources = sources[product.id]
            out.append(item)
        return out

    async def _check(self, scope: Scope, values: dict[str, Any]) -> None:
        errors = reference_errors(values, await scope.context.reference.get())
        if errors:
            raise InvalidProduct("Invalid fields: " + ", ".join(e["field"] for e in errors), errors=errors)

    async def _locked(self, scope: Scope, product_id: uuid.UUID, expected: int | None) -> Product:
        product = await repo.get_for_update(scope.session, product_id)
        if product is None:
            raise ProductNotFound()
        if product.deleted_at is not None:
            raise ProductDeleted()
        if expected is not None and expected != product.version:
            raise VersionMismatch(
                f"You have version {expected}; the product is at version {product.version}.",
                current_version=product.version,
            )
        return product

    @staticmethod
    def _touch(product: Product) -> None:
        product.version += 1
        product.updated_at = utcnow()

    @asynccontextmanager
    async def _unique_sku(self, scope: Scope, sku: str) -> AsyncIterator[None]:
        """Changes made inside are flushed in a savepoint; a SKU clash becomes a 409."""
        try:
            async with scope.session.begin_nested():
                yield
                await scope.session.flush()
        except IntegrityError as exc:
            if "uq_products_sku_live" in str(exc.orig):
                raise SkuTaken(
                    f"SKU '{sku}' is already used.", errors=[{"field": "sku", "message": "taken"}]
                ) from exc
            raise


product_service = ProductService()
