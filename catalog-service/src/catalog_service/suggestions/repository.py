"""Queries on a product's last analysis and its pending suggestions."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_service.models import ProductAnalysis, Suggestion
from catalog_service.suggestions.fields import Suggested


async def analysis_of(session: AsyncSession, product_id: uuid.UUID) -> ProductAnalysis | None:
    return await session.scalar(
        sa.select(ProductAnalysis)
        .where(ProductAnalysis.product_id == product_id)
        .execution_options(populate_existing=True)
    )


async def pending(session: AsyncSession, product_id: uuid.UUID) -> list[Suggestion]:
    stmt = (
        sa.select(Suggestion)
        .where(Suggestion.product_id == product_id)
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(stmt)).all())


async def replace(session: AsyncSession, analysis: ProductAnalysis, suggested: Iterable[Suggested]) -> None:
    """The product's pending suggestions become ``suggested`` (from ``analysis``), the older ones go."""
    await session.execute(sa.delete(Suggestion).where(Suggestion.product_id == analysis.product_id))
    rows = [
        {
            "product_id": analysis.product_id,
            "field": s.field,
            "value": s.value,
            "confidence": s.confidence,
            "analysis_id": analysis.analysis_id,
        }
        for s in suggested
    ]
    # Core statements: a batch may replace the same product's suggestions twice in one session.
    if rows:
        await session.execute(sa.insert(Suggestion), rows)


async def remove(session: AsyncSession, product_id: uuid.UUID, fields: list[str]) -> None:
    if fields:
        await session.execute(
            sa.delete(Suggestion).where(Suggestion.product_id == product_id, Suggestion.field.in_(fields))
        )
