"""Where each product field's value came from: an accepted AI suggestion or the seller's own edit."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.db.base import utcnow

from catalog_service.models import FieldSource, Product
from catalog_service.products.schemas import FieldOrigin, FieldSourceOut


def changed_keys(product: Product, before: Mapping[str, Any]) -> list[str]:
    """The fields whose value differs from ``before``; attributes per key (``attributes.fit``)."""
    keys: list[str] = []
    for key, old in before.items():
        new = getattr(product, key)
        if key == "attributes":
            old_attrs, new_attrs = old or {}, new or {}
            keys += [
                f"attributes.{k}"
                for k in sorted(set(old_attrs) | set(new_attrs))
                if old_attrs.get(k) != new_attrs.get(k)
            ]
        elif new != old:
            keys.append(key)
    return keys


async def record(
    session: AsyncSession,
    product_id: uuid.UUID,
    keys: Iterable[str],
    origin: FieldOrigin,
    *,
    analysis_id: uuid.UUID | None = None,
    confidence: Mapping[str, float | None] | None = None,
) -> None:
    """Mark ``keys`` of the product as last set by ``origin`` (one upsert)."""
    now = utcnow()
    rows = [
        {
            "product_id": product_id,
            "field": key,
            "source": origin.value,
            "analysis_id": analysis_id,
            "confidence": (confidence or {}).get(key),
            "set_at": now,
        }
        for key in dict.fromkeys(keys)
    ]
    if not rows:
        return
    stmt = insert(FieldSource).values(rows)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[FieldSource.product_id, FieldSource.field],
            set_={
                "source": stmt.excluded.source,
                "analysis_id": stmt.excluded.analysis_id,
                "confidence": stmt.excluded.confidence,
                "set_at": stmt.excluded.set_at,
            },
        )
    )


async def sources_of(
    session: AsyncSession, ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict[str, FieldSourceOut]]:
    out: dict[uuid.UUID, dict[str, FieldSourceOut]] = {i: {} for i in ids}
    if ids:
        rows = await session.scalars(
            sa.select(FieldSource)
            .where(FieldSource.product_id.in_(ids))
            .order_by(FieldSource.field)
            .execution_options(populate_existing=True)
        )
        for row in rows:
            out[row.product_id][row.field] = FieldSourceOut(
                source=FieldOrigin(row.source),
                analysis_id=row.analysis_id,
                confidence=row.confidence,
                set_at=row.set_at,
            )
    return out
