"""Queries on listings and the sales already seen."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.db.base import utcnow
from vitrine_kit.pagination import Keyset

from marketplace_vinted.models import Listing, ListingOrigin, ListingStatus, SeenOrder

OPEN = (ListingStatus.PUBLISHING, ListingStatus.LINKING, ListingStatus.LIVE)


# Newest first, the id breaking ties (ix_listings_created_at backs it).
NEWEST = Keyset((Listing.created_at, Listing.id), TypeAdapter(tuple[datetime, uuid.UUID]))


async def listings_page(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[Listing], str | None]:
    """One page of every listing, newest first, and the cursor of the next."""
    query = NEWEST.select(sa.select(Listing), limit=limit, cursor=cursor)
    return NEWEST.page((await session.execute(query)).scalars().all(), limit)


async def for_publication(session: AsyncSession, publication_id: uuid.UUID) -> Listing | None:
    return (
        await session.execute(
            sa.select(Listing).where(Listing.publication_id == publication_id).with_for_update()
        )
    ).scalar_one_or_none()


async def by_item(session: AsyncSession, vinted_item_id: int) -> Listing | None:
    return (
        await session.execute(
            sa.select(Listing).where(Listing.vinted_item_id == vinted_item_id).with_for_update()
        )
    ).scalar_one_or_none()


async def get(session: AsyncSession, listing_id: uuid.UUID) -> Listing | None:
    return await session.get(Listing, listing_id, with_for_update=True)


async def open_for_product(session: AsyncSession, product_id: uuid.UUID) -> Listing | None:
    """The product's item on Vinted, being listed or linked or live, if any."""
    return (
        await session.execute(
            sa.select(Listing).where(Listing.product_id == product_id, Listing.status.in_(OPEN)).limit(1)
        )
    ).scalar_one_or_none()


async def linked_for_product(session: AsyncSession, product_id: uuid.UUID) -> Listing | None:
    """The item the seller linked to the product, being checked or live."""
    return (
        await session.execute(
            sa.select(Listing)
            .where(
                Listing.product_id == product_id,
                Listing.origin == ListingOrigin.LINKED,
                Listing.status.in_((ListingStatus.LINKING, ListingStatus.LIVE)),
            )
            .limit(1)
            .with_for_update()
        )
    ).scalar_one_or_none()


async def insert_link(session: AsyncSession, product_id: uuid.UUID, vinted_item_id: int) -> uuid.UUID | None:
    """A new linked listing; None when a listing already holds the item (two links at once: one wins)."""
    return (
        await session.execute(
            insert(Listing)
            .values(
                id=uuid.uuid4(),
                product_id=product_id,
                origin=ListingOrigin.LINKED,
                vinted_item_id=vinted_item_id,
                status=ListingStatus.LINKING,
            )
            .on_conflict_do_nothing(index_elements=["vinted_item_id"])
            .returning(Listing.id)
        )
    ).scalar_one_or_none()


async def live_item_ids(session: AsyncSession) -> list[int]:
    rows = await session.execute(
        sa.select(Listing.vinted_item_id).where(
            Listing.status == ListingStatus.LIVE, Listing.vinted_item_id.is_not(None)
        )
    )
    return [i for i in rows.scalars() if i is not None]


async def count_live(session: AsyncSession) -> int:
    return int(
        (
            await session.execute(
                sa.select(sa.func.count()).select_from(Listing).where(Listing.status == ListingStatus.LIVE)
            )
        ).scalar_one()
    )


async def first_sight(session: AsyncSession, transaction_id: int, vinted_item_id: int) -> bool:
    """True the first time a Vinted transaction is seen (its orders are emitted once)."""
    fresh = (
        await session.execute(
            insert(SeenOrder)
            .values(transaction_id=transaction_id, vinted_item_id=vinted_item_id, seen_at=utcnow())
            .on_conflict_do_nothing()
            .returning(SeenOrder.transaction_id)
        )
    ).scalar()
    return fresh is not None
