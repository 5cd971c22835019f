"""Queries on the tenant's ``images`` table (the session is bound to one tenant)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from media_service.models import Image


async def get(session: AsyncSession, image_id: uuid.UUID) -> Image | None:
    return await session.get(Image, image_id)


async def by_hash(session: AsyncSession, content_hash: str) -> Image | None:
    result = await session.execute(sa.select(Image).where(Image.content_hash == content_hash))
    return result.scalar_one_or_none()


async def many(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Image]:
    result = await session.execute(sa.select(Image).where(Image.id.in_(list(ids))))
    return list(result.scalars())


async def insert_unless_duplicate(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the image; False when a concurrent upload of the same bytes got there first."""
    statement = insert(Image).values(**values).on_conflict_do_nothing(index_elements=[Image.content_hash])
    result = await session.execute(statement.returning(Image.id))
    return result.scalar_one_or_none() is not None


async def delete(session: AsyncSession, image: Image) -> None:
    await session.delete(image)
    await session.flush()
