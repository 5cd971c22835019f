"""CSV export (streamed, in its own session) and import (each row in its own savepoint)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from decimal import InvalidOperation

import sqlalchemy as sa
from pydantic import BaseModel, ValidationError
from vitrine_kit.db.engine import Database
from vitrine_kit.errors import ProblemError

from catalog_service.errors import InvalidCsv
from catalog_service.models import Product
from catalog_service.products.schemas import ProductCreate
from catalog_service.products.service import product_service
from catalog_service.scope import Scope
from catalog_service.transfer.csv_format import COLUMNS, from_row, line, to_row


class RowResult(BaseModel):
    row: int
    ok: bool
    id: uuid.UUID | None = None
    sku: str | None = None
    errors: list[dict[str, str]] = []


class ImportReport(BaseModel):
    created: int
    failed: int
    rows: list[RowResult]


class TransferService:
    """Products to and from CSV."""

    async def export(self, db: Database, tenant_id: uuid.UUID) -> AsyncIterator[str]:
        """Every live product, oldest first, read in batches while the response streams."""
        yield line(COLUMNS)
        async with db.tenant_session(tenant_id) as session:
            stmt = (
                sa.select(Product)
                .where(Product.deleted_at.is_(None))
                .order_by(Product.created_at, Product.id)
                .execution_options(yield_per=200)
            )
            async for product in await session.stream_scalars(stmt):
                yield line(to_row(product))

    async def import_csv(self, scope: Scope, text: str) -> ImportReport:
        """Create a draft per row; a bad row is reported and the good ones are kept."""
        results = []
        rows = csv.DictReader(io.StringIO(text, newline=""))
        try:
            for number, row in enumerate(rows, start=2):
                results.append(await self._row(scope, number, row))
        except csv.Error as exc:  # nothing is kept from a file that cannot be read to its end
            raise InvalidCsv(f"Line {rows.line_num}: {exc}. Quote fields that hold line breaks.") from exc
        created = sum(1 for r in results if r.ok)
        return ImportReport(created=created, failed=len(results) - created, rows=results)

    async def _row(self, scope: Scope, number: int, row: dict[str, str]) -> RowResult:
        sku = (row.get("sku") or "").strip() or None
        try:
            body = ProductCreate.model_validate(from_row(row))
            async with scope.session.begin_nested():
                product = await product_service.create(scope, body)
            return RowResult(row=number, ok=True, id=product.id, sku=product.sku)
        except ValidationError as exc:
            errors = [
                {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
            ]
        except (ValueError, InvalidOperation) as exc:
            errors = [{"field": "row", "message": str(exc) or "unreadable value"}]
        except ProblemError as exc:
            errors = exc.extra.get("errors") or [{"field": "row", "message": exc.detail}]
        return RowResult(row=number, ok=False, sku=sku, errors=errors)


transfer_service = TransferService()
