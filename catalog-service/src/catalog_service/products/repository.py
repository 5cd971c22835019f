"""Queries on products: by id, the filtered and sorted page, and their publications."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit import pagination
from vitrine_kit.pagination import InvalidCursor

from catalog_service.models import Product, Publication

SORTS: dict[str, Any] = {
    "created_at": Product.created_at,
    "updated_at": Product.updated_at,
    "price": sa.func.coalesce(Product.price, -1),
    "title": Product.title,
    "sku": Product.sku,
}


@dataclass
class ProductFilters:
    status: list[str] | None = None
    brand: list[str] | None = None
    categories: list[str] | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    marketplace: str | None = None
    publication_status: str | None = None
    q: str | None = None
    deleted: bool = False


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(f: ProductFilters) -> list[Any]:
    where: list[Any] = [Product.deleted_at.is_not(None) if f.deleted else Product.deleted_at.is_(None)]
    if f.status:
        where.append(Product.status.in_(f.status))
    if f.brand:
        where.append(Product.brand.in_(f.brand))
    if f.categories is not None:
        where.append(Product.category.in_(f.categories))
    if f.price_min is not None:
        where.append(Product.price >= f.price_min)
    if f.price_max is not None:
        where.append(Product.price <= f.price_max)
    if f.marketplace or f.publication_status:
        pub = sa.select(Publication.id).where(Publication.product_id == Product.id)
        if f.marketplace:
            pub = pub.where(Publication.marketplace == f.marketplace)
        if f.publication_status:
            pub = pub.where(Publication.status == f.publication_status)
        where.append(pub.exists())
    if f.q:
        like = f"%{_escape(f.q)}%"
        where.append(
            sa.or_(Product.title.ilike(like), Product.sku.ilike(like), Product.description.ilike(like))
        )
    return where


# A page's position: the sort it belongs to, the last product's value of that column, and its id.
CURSOR = TypeAdapter(tuple[str, str | None, uuid.UUID])


def encode_cursor(sort: str, product: Product) -> str:
    value = getattr(product, sort)
    if sort == "price":
        value = str(value if value is not None else -1)
    elif isinstance(value, datetime):
        value = value.isoformat()
    return pagination.encode_cursor((sort, value, product.id))


def decode_cursor(sort: str, cursor: str) -> tuple[Any, uuid.UUID]:
    key, value, last_id = pagination.decode_cursor(cursor, CURSOR)
    if key != sort:
        raise InvalidCursor(f"The cursor belongs to the sort '{key}', not '{sort}'; start again without it.")
    try:
        if sort in ("created_at", "updated_at"):
            return datetime.fromisoformat(value or ""), last_id
        if sort == "price":
            return Decimal(value or ""), last_id
    except (ValueError, ArithmeticError) as exc:
        raise InvalidCursor("The cursor is not one this API gave; start again without it.") from exc
    return value, last_id


async def page(
    session: AsyncSession, f: ProductFilters, sort: str, descending: bool, limit: int, cursor: str | None
) -> tuple[list[Product], int, str | None]:
    """One page in keyset order (sort column, then id), the total of the filter, and the next cursor."""
    where = conditions(f)
    total = await session.scalar(sa.select(sa.func.count()).select_from(Product).where(*where)) or 0
    column = SORTS[sort]
    stmt = sa.select(Product).where(*where)
    if cursor:
        value, last_id = decode_cursor(sort, cursor)
        after = sa.tuple_(column, Product.id) < sa.tuple_(sa.literal(value), sa.literal(last_id))
        if not descending:
            after = sa.tuple_(column, Product.id) > sa.tuple_(sa.literal(value), sa.literal(last_id))
        stmt = stmt.where(after)
    order = (column.desc(), Product.id.desc()) if descending else (column.asc(), Product.id.asc())
    rows = list((await session.scalars(stmt.order_by(*order).limit(limit + 1))).all())
    next_cursor = encode_cursor(sort, rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], total, next_cursor


async def publications_of(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Publication]]:
    out: dict[uuid.UUID, list[Publication]] = {i: [] for i in ids}
    if ids:
        rows = await session.scalars(
            sa.select(Publication).where(Publication.product_id.in_(ids)).order_by(Publication.marketplace)
        )
        for pub in rows:
            out[pub.product_id].append(pub)
    return out


async def get_for_update(session: AsyncSession, product_id: uuid.UUID) -> Product | None:
    return await session.scalar(
        sa.select(Product)
        .where(Product.id == product_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
