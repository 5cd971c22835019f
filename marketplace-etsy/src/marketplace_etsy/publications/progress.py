"""A publish's steps recorded on its listing row, each committed before the next call to Etsy."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.catalog import PublicationRequested
from vitrine_kit.db.base import utcnow

from marketplace_etsy.context import EtsyContext
from marketplace_etsy.models import EtsyAccount, EtsyListing, ListingImageRecord, ListingState


async def claim_row(
    ctx: EtsyContext, tenant_id: uuid.UUID, event: PublicationRequested, account: EtsyAccount, sku: str
) -> tuple[EtsyListing, set[int]]:
    """The publication's listing row (created on the first attempt, committed) and the ranks uploaded."""
    async with ctx.db.tenant_session(tenant_id) as session:
        await session.execute(
            insert(EtsyListing)
            .values(
                id=uuid.uuid4(),
                account_id=account.id,
                publication_id=event.publication_id,
                product_id=event.product_id,
                state=ListingState.PENDING,
                sku=sku,
                attempts=0,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=[EtsyListing.publication_id])
        )
        row = (
            await session.execute(
                sa.select(EtsyListing).where(EtsyListing.publication_id == event.publication_id)
            )
        ).scalar_one()
        if row.state is ListingState.DELISTED and event.action == "publish":
            row.start_over()
            await session.execute(
                sa.delete(ListingImageRecord).where(ListingImageRecord.listing_row_id == row.id)
            )
        row.attempts += 1
        row.account_id = account.id
        ranks = set(
            (
                await session.execute(
                    sa.select(ListingImageRecord.rank).where(ListingImageRecord.listing_row_id == row.id)
                )
            ).scalars()
        )
        await session.commit()
    return row, ranks


class StoredProgress:
    """``PublishProgress`` on a listing row: what a new attempt finds and resumes from."""

    def __init__(self, ctx: EtsyContext, tenant_id: uuid.UUID, row: EtsyListing, ranks: set[int]) -> None:
        self.ctx, self.tenant_id, self.row_id = ctx, tenant_id, row.id
        self._listing_id = row.listing_id
        # A draft asked for and never recorded may exist on Etsy: the next attempt looks for it first.
        self._requested = row.draft_requested_at if row.listing_id is None else None
        self._ranks = set(ranks)
        self.url: str | None = row.url

    @property
    def listing_id(self) -> int | None:
        return self._listing_id

    @property
    def draft_requested_at(self) -> datetime | None:
        return self._requested

    def uploaded_ranks(self) -> set[int]:
        return set(self._ranks)

    async def _write(self, change: Callable[[EtsyListing, AsyncSession], None]) -> None:
        async with self.ctx.db.tenant_session(self.tenant_id) as session:
            row = await session.get_one(EtsyListing, self.row_id)
            change(row, session)
            await session.commit()

    async def drafting(self, title: str, at: datetime) -> None:
        await self._write(lambda row, _: row.request_draft(title, at))
        self._requested = at

    async def drafted(self, listing_id: int) -> None:
        await self._write(lambda row, _: row.record_draft(listing_id))
        self._listing_id = listing_id

    async def uploaded(self, rank: int, photo: str, listing_image_id: int) -> None:
        async with self.ctx.db.tenant_session(self.tenant_id) as session:
            values = {
                "media_id": uuid.UUID(photo),
                "listing_image_id": listing_image_id,
                "uploaded_at": utcnow(),
            }
            await session.execute(
                insert(ListingImageRecord)
                .values(listing_row_id=self.row_id, rank=rank, **values)
                .on_conflict_do_update(
                    index_elements=[ListingImageRecord.listing_row_id, ListingImageRecord.rank], set_=values
                )
            )
            await session.commit()
        self._ranks.add(rank)

    async def activated(self, url: str | None) -> None:
        await self._write(lambda row, _: row.mark_active(url))
        self.url = url

    async def lost(self) -> None:
        async with self.ctx.db.tenant_session(self.tenant_id) as session:
            row = await session.get_one(EtsyListing, self.row_id)
            row.start_over()
            await session.execute(
                sa.delete(ListingImageRecord).where(ListingImageRecord.listing_row_id == self.row_id)
            )
            await session.commit()
        self._listing_id, self._requested, self._ranks = None, None, set()


async def record(
    ctx: EtsyContext, tenant_id: uuid.UUID, row_id: uuid.UUID, change: Callable[[EtsyListing], None]
) -> None:
    """Change the listing row in a transaction of its own (committed now, whatever the handler does)."""
    async with ctx.db.tenant_session(tenant_id) as session:
        row = await session.get_one(EtsyListing, row_id)
        change(row)
        row.updated_at = utcnow()
        await session.commit()
