from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

from vitrine_contracts.common import Marketplace, Money
from vitrine_contracts.marketplace import ImportedListing, ListingImported
from vitrine_contracts.vinted import VintedItemImported
from vitrine_kit.testing.helpers import eventually


def imported(import_id: uuid.UUID | None, total: int | None, n: int) -> ListingImported:
    return ListingImported(
        marketplace=Marketplace.EBAY,
        account_id=uuid.uuid4(),
        listing=ImportedListing(external_listing_id=str(n), title=f"Item {n}"),
        import_id=import_id,
        import_total=total,
    )


class TestImportProgress:
    async def test_an_import_is_told_at_its_start_now_and_then_and_at_its_end(self, app: Any) -> None:
        seller = app.seller()
        import_id = uuid.uuid4()
        await seller.play(*(imported(import_id, 30, n) for n in range(1, 16)))
        await asyncio.sleep(0.8)  # longer than import_progress_every_s (0.6 s in these tests)
        await seller.play(*(imported(import_id, 30, n) for n in range(16, 31)))

        async def finished() -> list[dict[str, Any]] | None:
            items = (await seller.history(after=0))["items"]
            return items if items and items[-1]["data"]["finished"] else None

        items = await eventually(finished)
        assert 2 <= len(items) <= 12  # not 30 (a loaded machine spreads the deliveries over more intervals)
        assert items[0]["text"] == "Importing from eBay: 1 of 30 listings"
        assert items[-1]["text"] == "Imported 30 listings from eBay"
        assert items[-1]["data"] == {
            "import": import_id.hex,
            "marketplace": "ebay",
            "done": 30,
            "total": 30,
            "finished": True,
        }
        assert [i["data"]["done"] for i in items] == sorted(i["data"]["done"] for i in items)

    async def test_a_count_within_the_interval_is_told_once_it_has_passed(self, app: Any) -> None:
        seller = app.seller()
        item = VintedItemImported(
            vinted_item_id=1, title="Jeans", price=Money(amount=Decimal("5"), currency="EUR")
        )
        await seller.play(
            item, item.model_copy(update={"vinted_item_id": 2}), item.model_copy(update={"vinted_item_id": 3})
        )
        items = await seller.wait_items(2)
        assert [i["text"] for i in items] == [
            "Importing from Vinted: 1 listing so far",
            "Importing from Vinted: 3 listings so far",
        ]
