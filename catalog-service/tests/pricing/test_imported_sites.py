"""An imported eBay listing is the publication of its account's site."""

from __future__ import annotations

import uuid

from vitrine_contracts.common import Marketplace, Money
from vitrine_contracts.marketplace import ImportedListing, ListingImported

from .conftest import connect_ebay


def imported(account_id: str | uuid.UUID, listing_id: str, aspects: dict[str, list[str]]) -> ListingImported:
    return ListingImported(
        marketplace=Marketplace.EBAY,
        account_id=account_id,
        publication_id=uuid.uuid4(),
        import_id=uuid.uuid4(),
        import_total=1,
        listing=ImportedListing(
            external_listing_id=listing_id,
            sku=f"S-{listing_id}",
            title=f"Levi's jeans {listing_id}",
            price=Money(amount="30.00", currency="GBP"),
            quantity=1,
            category_id="11483",
            condition_id="PRE_OWNED_EXCELLENT",
            aspects=aspects,
        ),
    )


async def imported_product(seller, listing_id: str) -> dict:
    async def found() -> dict:
        page = (await seller.get("/products", params={"q": f"Levi's jeans {listing_id}"})).json()
        return page["items"][0] if page["items"] else {}

    return await seller.eventually(found)


class TestImportedSites:
    async def test_the_accounts_site(self, seller, ecb_rates) -> None:
        accounts = await connect_ebay(seller, "EBAY_GB")
        await seller.play(imported(accounts["EBAY_GB"], "120000000001", {"Brand": ["Levi's"]}))
        product = await imported_product(seller, "120000000001")
        assert [(p["marketplace"], p["site"], p["status"]) for p in product["publications"]] == [
            ("ebay", "EBAY_GB", "listed")
        ]
        assert product["brand"] == "levi-s"
        ended = await seller.delete(
            f"/products/{product['id']}/publications/ebay", params={"site": "EBAY_GB"}
        )
        assert ended.status_code == 202, ended.text
        assert (ended.json()["site"], ended.json()["status"]) == ("EBAY_GB", "delisting")
        [delist] = await seller.emitted("publication.delist_requested")
        assert (delist["site"], delist["external_id"]) == ("EBAY_GB", "120000000001")

    async def test_an_account_catalog_does_not_know_takes_the_configured_site(self, seller) -> None:
        await seller.play(imported(uuid.uuid4(), "120000000002", {"Marque": ["Levi's"]}))
        product = await imported_product(seller, "120000000002")
        assert [(p["site"], p["status"]) for p in product["publications"]] == [("EBAY_FR", "listed")]
        assert product["brand"] == "levi-s"  # read from the French aspect name
