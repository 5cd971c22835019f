"""Alerts, orders and imports page the same way: newest first, id as tiebreak, opaque cursor, bounded limit."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from catalog_service.models import Alert, ListingImport, Order
from vitrine_kit.testing.paging import refusals, walk

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def alert(at: datetime) -> Alert:
    return Alert(id=uuid.uuid4(), kind="oversell", product_id=None, details={}, created_at=at)


def order(at: datetime) -> Order:
    return Order(
        id=uuid.uuid4(),
        marketplace="ebay",
        order_id=f"O-{uuid.uuid4().hex[:8]}",
        line_id="",
        external_listing_id="e-1",
        quantity=1,
        price=Decimal("10.00"),
        currency="EUR",
        ordered_at=at,
        received_at=at,
    )


def listing_import(at: datetime) -> ListingImport:
    return ListingImport(id=uuid.uuid4(), marketplace="vinted", created_at=at, updated_at=at)


LISTS: list[tuple[str, Callable[[datetime], Any], str]] = [
    ("/alerts", alert, "created_at"),
    ("/orders", order, "received_at"),
    ("/imports", listing_import, "created_at"),
]


async def insert(seller: Any, rows: list[Any]) -> None:
    async with seller.app.runtime.db.tenant_session(seller.tenant_id) as session:
        session.add_all(rows)
        await session.commit()


@pytest.mark.parametrize(("path", "make", "at"), LISTS, ids=[p for p, _, _ in LISTS])
class TestPagedLists:
    async def test_pages_hold_every_row_once_while_rows_are_added(
        self, seller: Any, path: str, make: Callable[[datetime], Any], at: str
    ) -> None:
        assert (await seller.get(path)).status_code == 200  # provisions the seller's schema
        # Three rows share a timestamp: only the id tells them apart, across a page boundary.
        times = [T0 + timedelta(minutes=n) for n in range(5)] + [T0 + timedelta(minutes=9)] * 3
        rows = [make(t) for t in times]
        await insert(seller, rows)

        async def add_a_newer_row(page: int) -> None:
            now = datetime.now(UTC)
            await insert(seller, [make(now + timedelta(seconds=page))])

        pages = await walk(seller.get, path, limit=3, between=add_a_newer_row)
        seen = [item["id"] for page in pages for item in page]
        assert len(seen) == len(set(seen)), "an item came twice"
        assert seen == [str(r.id) for r in sorted(rows, key=lambda r: (getattr(r, at), r.id), reverse=True)]
        assert [len(p) for p in pages] == [3, 3, 2]

    async def test_one_page_when_everything_fits(
        self, seller: Any, path: str, make: Callable[[datetime], Any], at: str
    ) -> None:
        assert (await seller.get(path)).status_code == 200
        await insert(seller, [make(T0), make(T0)])
        body = (await seller.get(path, params={"limit": 2})).json()
        assert (len(body["items"]), body["next_cursor"]) == (2, None)

    async def test_bad_cursor_or_limit_is_a_422_naming_it(
        self, seller: Any, path: str, make: Callable[[datetime], Any], at: str
    ) -> None:
        await refusals(seller.get, path)
