"""Brands: the shared list searched by the tens of thousands, and brands a seller types that it lacks.

A typed brand the list does not know is kept on the product as free text and recorded once per account
as pending; it joins the shared list only when an admin of that account accepts it (then the account's
products carry the new code), and stays free text if rejected.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.db.base import utcnow
from vitrine_kit.pagination import decode_cursor, encode_cursor

from catalog_service.errors import PendingBrandNotFound, PendingBrandReviewed
from catalog_service.models import Brand, PendingBrand, Product
from catalog_service.reference.catalog import ReferenceCatalog
from catalog_service.reference.schemas import (
    BrandOut,
    BrandPage,
    PendingBrandOut,
    PendingBrandPage,
    PendingBrandStatus,
)
from catalog_service.reference.seed import brand_row, normalise, unique_code
from catalog_service.reference.vinted import bump_revision
from catalog_service.scope import Scope

_BRAND_CURSOR: TypeAdapter[tuple[int, str, str]] = TypeAdapter(tuple[int, str, str])
_PENDING_CURSOR: TypeAdapter[tuple[datetime, uuid.UUID]] = TypeAdapter(tuple[datetime, uuid.UUID])


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _pending_out(row: PendingBrand) -> PendingBrandOut:
    return PendingBrandOut(
        id=row.id,
        name=row.name,
        status=PendingBrandStatus(row.status),
        code=row.code,
        created_at=row.created_at,
        reviewed_at=row.reviewed_at,
    )


class BrandService:
    async def search(self, session: AsyncSession, q: str | None, limit: int, cursor: str | None) -> BrandPage:
        """Brands whose name or an alias contains ``q`` (accents, case and punctuation aside), names that
        start with it first; a trigram index keeps ``%q%`` fast over tens of thousands of brands. Retired
        brands are left out."""
        needle = normalise(q) if q else ""
        rank: sa.ColumnElement[int]
        if needle:
            rank = sa.case((Brand.search_text.ilike(f"{_escape(needle)}%"), 0), else_=1)
            stmt = sa.select(Brand, rank).where(Brand.search_text.ilike(f"%{_escape(needle)}%"))
        else:
            rank = sa.literal(0)
            stmt = sa.select(Brand, rank)
        stmt = stmt.where(Brand.retired_at.is_(None))  # Vinted dropped it: products keep it, nobody picks it
        if cursor:
            after = decode_cursor(cursor, _BRAND_CURSOR)
            stmt = stmt.where(sa.tuple_(rank, Brand.name, Brand.code) > sa.tuple_(*after))
        rows = (await session.execute(stmt.order_by(rank, Brand.name, Brand.code).limit(limit + 1))).all()
        items = [BrandOut(code=b.code, name=b.name, aliases=list(b.aliases)) for b, _ in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last, last_rank = rows[limit - 1]
            next_cursor = encode_cursor((last_rank, last.name, last.code))
        return BrandPage(items=items, next_cursor=next_cursor)

    async def settle(self, scope: Scope, values: dict[str, Any], ref: ReferenceCatalog) -> None:
        """``values["brand"]`` as a known code when its text names one (code, name or alias); otherwise
        kept as the seller typed it, and recorded as pending for this account (once per name)."""
        typed = values.get("brand")
        if not typed or typed in ref.brands:
            return
        text = " ".join(str(typed).split())
        code = ref.brand_named(text)
        if code is not None:
            values["brand"] = code
            return
        key = normalise(text)[:200]
        await scope.session.execute(
            insert(PendingBrand)
            .values(id=uuid.uuid4(), name=text, normalised=key, status="pending", created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["normalised"])
        )
        # Accepted a moment ago (before this process reloaded the list): its code already.
        reviewed = await scope.session.scalar(
            sa.select(PendingBrand.code).where(
                PendingBrand.normalised == key, PendingBrand.status == PendingBrandStatus.ACCEPTED.value
            )
        )
        values["brand"] = reviewed or text

    async def pending(
        self, scope: Scope, status: PendingBrandStatus | None, limit: int, cursor: str | None
    ) -> PendingBrandPage:
        stmt = sa.select(PendingBrand)
        if status is not None:
            stmt = stmt.where(PendingBrand.status == status.value)
        if cursor:
            after = decode_cursor(cursor, _PENDING_CURSOR)
            stmt = stmt.where(sa.tuple_(PendingBrand.created_at, PendingBrand.id) > sa.tuple_(*after))
        stmt = stmt.order_by(PendingBrand.created_at, PendingBrand.id).limit(limit + 1)
        rows = list((await scope.session.scalars(stmt)).all())
        next_cursor = None
        if len(rows) > limit:
            next_cursor = encode_cursor((rows[limit - 1].created_at, rows[limit - 1].id))
        return PendingBrandPage(items=[_pending_out(r) for r in rows[:limit]], next_cursor=next_cursor)

    async def accept(self, scope: Scope, pending_id: uuid.UUID) -> PendingBrandOut:
        """Add the brand to the shared list (or find it there, if it arrived since) and give the account's
        products that carry the typed name its code."""
        row = await self._unreviewed(scope, pending_id)
        ref = await scope.context.reference.get()
        code = ref.brand_named(row.name)
        if code is None:
            code = unique_code(row.name, set(), "")
            if await scope.session.get(Brand, code) is not None:  # a different brand with that code
                code = unique_code(row.name, {code}, row.id.hex[:6])
            await scope.session.execute(
                insert(Brand)
                .values(brand_row(code, row.name, []))
                .on_conflict_do_nothing(index_elements=["code"])
            )
            await bump_revision(scope.session, utcnow())
            scope.context.reference.invalidate()
        await scope.session.execute(sa.update(Product).where(Product.brand == row.name).values(brand=code))
        self._review(scope, row, PendingBrandStatus.ACCEPTED, code)
        return _pending_out(row)

    async def reject(self, scope: Scope, pending_id: uuid.UUID) -> PendingBrandOut:
        """Keep it out of the shared list; the products keep the typed name as free text."""
        row = await self._unreviewed(scope, pending_id)
        self._review(scope, row, PendingBrandStatus.REJECTED, None)
        return _pending_out(row)

    async def _unreviewed(self, scope: Scope, pending_id: uuid.UUID) -> PendingBrand:
        row = await scope.session.get(PendingBrand, pending_id, with_for_update=True)
        if row is None:
            raise PendingBrandNotFound()
        if row.status != PendingBrandStatus.PENDING:
            raise PendingBrandReviewed(f"'{row.name}' was {row.status} already.")
        return row

    def _review(self, scope: Scope, row: PendingBrand, status: PendingBrandStatus, code: str | None) -> None:
        row.status = status.value
        row.code = code
        row.reviewed_at = utcnow()
        principal = scope.principal
        row.reviewed_by = uuid.UUID(principal.subject) if principal and _is_uuid(principal.subject) else None


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


brand_service = BrandService()
