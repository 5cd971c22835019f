"""The listings page with the kit's envelope: newest first, id as tiebreak, opaque cursor, bounded limit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from marketplace_etsy.models import EtsyListing
from vitrine_kit.testing.paging import refusals, walk

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def get(etsy: Any) -> Any:
    async def call(path: str, **kwargs: Any) -> Any:
        return await etsy.client.get(path, headers=etsy.auth(), **kwargs)

    return call


class TestListings:
    async def test_pages_hold_every_listing_once_while_listings_are_added(self, etsy) -> None:
        account = uuid.UUID(await etsy.connect())

        async def insert(*times: datetime) -> list[EtsyListing]:
            rows = [EtsyListing(id=uuid.uuid4(), account_id=account, created_at=at) for at in times]
            async with etsy.runtime.db.tenant_session(etsy.tenant) as session:
                session.add_all(rows)
                await session.commit()
            return rows

        rows = await insert(*[T0 + timedelta(minutes=n) for n in range(5)], *[T0 + timedelta(minutes=9)] * 3)

        async def add_a_newer_one(page: int) -> None:
            await insert(datetime.now(UTC) + timedelta(seconds=page))

        pages = await walk(get(etsy), "/listings", limit=3, between=add_a_newer_one)
        seen = [item["id"] for page in pages for item in page]
        assert seen == [str(r.id) for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]

    async def test_bad_cursor_or_limit_is_a_422_naming_it(self, etsy) -> None:
        await refusals(get(etsy), "/listings")
