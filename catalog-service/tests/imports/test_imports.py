from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from vitrine_contracts.catalog import OrderReceived
from vitrine_contracts.common import Marketplace, Money
from vitrine_contracts.marketplace import ImportedListing, ListingImported
from vitrine_contracts.vinted import VintedItemImported


def imported(
    n: int, import_id: uuid.UUID, total: int, product_id: str | None = None, **listing: object
) -> ListingImported:
    return ListingImported(
        marketplace=Marketplace.EBAY,
        account_id=uuid.uuid4(),
        product_id=product_id,
        publication_id=uuid.uuid4(),
        import_id=import_id,
        import_total=total,
        listing=ImportedListing(
            external_listing_id=f"1100{n:08d}",
            sku=f"SELLER-{n}",
            title=f"Veste en jean Levi's {n}",
            description="Très bon état.",
            price=Money(amount="42.50", currency="EUR"),
            quantity=1,
            category_id="11483",
            condition_id="PRE_OWNED_EXCELLENT",
            aspects={"Brand": ["Levi's"]},
            url=f"https://www.ebay.fr/itm/1100{n:08d}",
            **listing,
        ),
    )


async def progress(seller, import_id: uuid.UUID) -> dict:
    response = await seller.get(f"/imports/{import_id}")
    assert response.status_code in (200, 404), response.text
    return response.json() if response.status_code == 200 else {}


class TestListingImports:
    async def test_each_listing_becomes_a_live_product_and_a_later_sale_is_matched(self, seller) -> None:
        import_id = uuid.uuid4()
        events = [imported(n, import_id, 2) for n in range(2)]
        for event in events:
            await seller.play(event)
        done = await seller.eventually(lambda: _finished(seller, import_id))
        assert (done["total"], done["done"], done["failed"], done["skipped"]) == (2, 2, 0, 0)
        created = {i["external_listing_id"]: i for i in done["items"]}
        product = await seller.product(created["110000000000"]["product_id"])
        assert (product["status"], product["sku"], product["price"]) == ("listed", "SELLER-0", "42.50")
        assert (product["category"], product["gender"], product["condition"], product["brand"]) == (
            "jeans",
            "men",
            "very_good",
            "levi-s",
        )
        [pub] = product["publications"]
        assert (pub["marketplace"], pub["status"]) == ("ebay", "listed")
        pubs = (await seller.get(f"/products/{product['id']}/publications")).json()
        assert pubs[0]["id"] == str(events[0].publication_id)  # the id eBay's adapter knows it by

        await seller.play(
            OrderReceived(
                marketplace=Marketplace.EBAY,
                order_id="I-1",
                line_id="1",
                external_listing_id="110000000000",
                price=Money(amount="42.50", currency="EUR"),
                ordered_at=datetime.now(UTC),
            )
        )

        async def sold() -> bool:
            return (await seller.product(product["id"]))["status"] == "sold"

        await seller.eventually(sold)

    async def test_a_listing_catalog_knows_is_skipped_and_a_product_can_be_linked(self, seller) -> None:
        first = uuid.uuid4()
        await seller.play(imported(7, first, 1))
        await seller.eventually(lambda: _finished(seller, first))
        existing = await seller.ready()
        again = uuid.uuid4()
        await seller.play(imported(7, again, 2))  # imported a second time
        await seller.play(imported(8, again, 2, product_id=existing["id"]))  # linked to a product
        done = await seller.eventually(lambda: _finished(seller, again))
        assert (done["done"], done["skipped"], done["failed"]) == (1, 1, 0)
        linked = await seller.product(existing["id"])
        assert linked["status"] == "listed"
        assert [(p["marketplace"], p["status"]) for p in linked["publications"]] == [("ebay", "listed")]
        listing = await seller.get("/products", params={"q": "Veste en jean Levi's 7"})
        assert listing.json()["total"] == 1

    async def test_photos_that_cannot_be_fetched_are_counted_and_alerted(self, seller) -> None:
        import_id = uuid.uuid4()
        # This app has no media-service: every photo counts as not fetched.
        await seller.play(
            imported(9, import_id, 1, image_urls=["https://i.ebayimg.com/images/g/x/s-l1600.jpg"])
        )
        done = await seller.eventually(lambda: _finished(seller, import_id))
        [item] = done["items"]
        assert (item["outcome"], item["photos"], item["photos_failed"]) == ("created", 0, 1)
        [alert] = await seller.alerts("import_failed")
        assert alert["details"]["import_id"] == str(import_id)

    async def test_a_vinted_item_is_imported_with_vinted_s_ids_mapped(self, seller) -> None:
        await seller.play(
            VintedItemImported(
                vinted_item_id=4242,
                title="Jean Levi's 501",
                description="Porté deux fois.",
                price=Money(amount="30.00", currency="EUR"),
                catalog_id=257,
                status_id=2,
                brand_id=53,
                color_ids=[9],
                url="https://www.vinted.fr/items/4242",
            )
        )

        async def found() -> dict:
            page = (await seller.get("/products", params={"q": "Jean Levi's 501"})).json()
            return page["items"][0] if page["items"] else {}

        product = await seller.eventually(found)
        assert (product["brand"], product["condition"], product["colours"]) == (
            "levi-s",
            "very_good",
            ["blue"],
        )
        assert product["publications"][0]["marketplace"] == "vinted"
        [running] = (await seller.get("/imports")).json()["items"]
        assert (running["marketplace"], running["done"], running["finished"]) == ("vinted", 1, False)
        await asyncio.sleep(0)


async def _finished(seller, import_id: uuid.UUID) -> dict:
    found = await progress(seller, import_id)
    return found if found and found["finished"] else {}
