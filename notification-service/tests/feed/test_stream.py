from __future__ import annotations

import uuid
from typing import Any

from vitrine_contracts.catalog import PublicationStarted
from vitrine_contracts.common import Marketplace


def started(n: int = 1) -> PublicationStarted:
    return PublicationStarted(
        publication_id=uuid.uuid4(), product_id=uuid.uuid4(), marketplace=Marketplace.EBAY, attempt=n
    )


class TestLive:
    async def test_items_arrive_in_order_with_their_ids(self, app: Any) -> None:
        seller = app.seller()
        async with seller.feed() as feed:
            await seller.connected()
            await seller.play(*(started(n) for n in range(1, 6)))
            items = await feed.items(5)
        assert [i["id"] for i in items] == [1, 2, 3, 4, 5]
        assert [i["data"]["attempt"] for i in items] == [1, 2, 3, 4, 5]
        assert {i["kind"] for i in items} == {"publication.started"}
        assert items[0]["text"] == "Listing an item on eBay…"
        assert items[0]["urgent"] is False
