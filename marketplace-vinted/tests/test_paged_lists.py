"""Listings, jobs and open alerts page the same way: newest first, id as tiebreak, opaque cursor, bounded limit."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from marketplace_vinted.models import Alert, AlertKind, Job, JobStatus, Listing, ListingStatus
from vitrine_contracts.relay.v1 import JobKind
from vitrine_kit.testing.paging import refusals, walk

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def listing(at: datetime) -> Listing:
    return Listing(id=uuid.uuid4(), product_id=uuid.uuid4(), status=ListingStatus.SOLD, created_at=at)


def job(at: datetime) -> Job:
    return Job(
        id=uuid.uuid4(),
        idempotency_key=f"sync_sales:{uuid.uuid4().hex}",
        kind=JobKind.SYNC_SALES,
        status=JobStatus.SUCCEEDED,
        params={},
        created_at=at,
    )


def alert(at: datetime) -> Alert:
    return Alert(
        id=uuid.uuid4(), kind=AlertKind.LINK_FAILED, message="m", subject=uuid.uuid4().hex, created_at=at
    )


LISTS: list[tuple[str, Callable[[datetime], Any]]] = [
    ("/listings", listing),
    ("/jobs", job),
    ("/alerts", alert),
]


async def insert(seller: Any, rows: list[Any]) -> None:
    async with seller.app.runtime.db.tenant_session(seller.tenant_id) as session:
        session.add_all(rows)
        await session.commit()


@pytest.mark.parametrize(("path", "make"), LISTS, ids=[p for p, _ in LISTS])
class TestPagedLists:
    async def test_pages_hold_every_row_once_while_rows_are_added(
        self, seller: Any, path: str, make: Callable[[datetime], Any]
    ) -> None:
        assert (await seller.get(path)).status_code == 200  # provisions the seller's schema
        # Three rows share a timestamp: only the id tells them apart, across a page boundary.
        times = [T0 + timedelta(minutes=n) for n in range(5)] + [T0 + timedelta(minutes=9)] * 3
        rows = [make(t) for t in times]
        await insert(seller, rows)

        async def add_a_newer_row(page: int) -> None:
            await insert(seller, [make(datetime.now(UTC) + timedelta(seconds=page))])

        pages = await walk(seller.get, path, limit=3, between=add_a_newer_row)
        seen = [item["id"] for page in pages for item in page]
        assert len(seen) == len(set(seen)), "an item came twice"
        assert seen == [str(r.id) for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]

    async def test_bad_cursor_or_limit_is_a_422_naming_it(
        self, seller: Any, path: str, make: Callable[[datetime], Any]
    ) -> None:
        await refusals(seller.get, path)
