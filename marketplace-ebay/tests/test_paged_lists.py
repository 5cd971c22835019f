"""Listings and after-sale cases page with the kit's envelope: stable order, id as tiebreak, bounded limit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from marketplace_ebay.after_sale.models import AfterSaleCase, CaseKind, CaseStatus
from marketplace_ebay.models import EbayListing
from vitrine_kit.testing.paging import refusals, walk

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def insert(ebay: Any, rows: list[Any]) -> None:
    async with ebay.runtime.db.tenant_session(ebay.tenant) as session:
        session.add_all(rows)
        await session.commit()


def get(ebay: Any) -> Any:
    async def call(path: str, **kwargs: Any) -> Any:
        return await ebay.client.get(path, headers=ebay.auth(), **kwargs)

    return call


class TestListings:
    async def test_pages_hold_every_listing_once_while_listings_are_added(self, h, ebay) -> None:
        account = uuid.UUID(await h.ready_account(ebay))

        def listing(at: datetime) -> EbayListing:
            return EbayListing(
                id=uuid.uuid4(), account_id=account, sku=f"VTR-{uuid.uuid4().hex}", created_at=at
            )

        times = [T0 + timedelta(minutes=n) for n in range(5)] + [T0 + timedelta(minutes=9)] * 3
        rows = [listing(t) for t in times]
        await insert(ebay, rows)

        async def add_a_newer_one(page: int) -> None:
            await insert(ebay, [listing(datetime.now(UTC) + timedelta(seconds=page))])

        pages = await walk(get(ebay), "/listings", limit=3, between=add_a_newer_one)
        seen = [item["id"] for page in pages for item in page]
        assert seen == [str(r.id) for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]

    async def test_bad_cursor_or_limit_is_a_422_naming_it(self, ebay) -> None:
        await refusals(get(ebay), "/listings")


class TestAfterSaleActions:
    async def test_waiting_cases_first_nearest_deadline_first_across_pages(self, h, ebay) -> None:
        account = uuid.UUID(await h.ready_account(ebay))

        def case(status: CaseStatus, respond_by: datetime | None, opened_at: datetime = T0) -> AfterSaleCase:
            return AfterSaleCase(
                id=uuid.uuid4(),
                account_id=account,
                kind=CaseKind.RETURN,
                external_id=uuid.uuid4().hex[:12],
                status=status,
                ebay_status="OPEN",
                respond_by=respond_by,
                actions=[],
                opened_at=opened_at,
            )

        waiting = CaseStatus.AWAITING_SELLER
        soon, later = T0 + timedelta(days=1), T0 + timedelta(days=3)
        expected = [
            case(waiting, soon),
            case(waiting, soon),  # same deadline, same opening: the id decides
            case(waiting, soon, T0 + timedelta(hours=1)),
            case(waiting, later),
            case(waiting, None),
            case(waiting, None, T0 + timedelta(hours=2)),
            case(CaseStatus.AWAITING_BUYER, soon),
            case(CaseStatus.CLOSED, None),
        ]
        expected[:2] = sorted(expected[:2], key=lambda c: c.id)
        await insert(ebay, expected)

        async def add_a_case(page: int) -> None:  # due after every case already shown
            await insert(ebay, [case(CaseStatus.CLOSED, None, datetime.now(UTC) + timedelta(seconds=page))])

        pages = await walk(
            get(ebay), "/after-sale/actions", limit=3, params={"include_closed": "true"}, between=add_a_case
        )
        seen = [item["id"] for page in pages for item in page]
        assert seen[: len(expected)] == [str(c.id) for c in expected]
        assert len(seen) == len(set(seen)) == len(expected) + len(pages) - 1

        open_only = await walk(get(ebay), "/after-sale/actions", limit=2)
        assert [i["id"] for p in open_only for i in p] == [str(c.id) for c in expected[:6]]

    async def test_bad_cursor_or_limit_is_a_422_naming_it(self, ebay) -> None:
        await refusals(get(ebay), "/after-sale/actions")
