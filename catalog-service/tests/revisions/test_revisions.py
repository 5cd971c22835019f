from __future__ import annotations

import asyncio

from vitrine_contracts.catalog import PublicationFailed
from vitrine_contracts.common import Marketplace


async def revises(seller) -> list[dict]:
    return [e for e in await seller.emitted("publication.requested") if e["action"] == "revise"]


class TestRevisions:
    async def test_edits_in_quick_succession_make_one_revise_per_live_listing(self, seller) -> None:
        product = await seller.listed("ebay", "vinted")
        for price in ("36.00", "37.00", "38.00"):
            response = await seller.patch(f"/products/{product['id']}", json={"price": price})
            assert response.status_code == 200, response.text
        found = await seller.eventually(lambda: revises(seller))
        await asyncio.sleep(1.5)  # past another window: nothing more comes
        found = await revises(seller)
        assert sorted(r["marketplace"] for r in found) == ["ebay", "vinted"]
        assert {r["snapshot"]["price"]["amount"] for r in found} == {"38.00"}
        assert {r["external_id"] for r in found} == {f"ebay-{product['sku']}", f"vinted-{product['sku']}"}

    async def test_changes_marketplaces_do_not_show_are_not_sent(self, seller) -> None:
        product = await seller.listed("ebay")
        await seller.patch(f"/products/{product['id']}", json={"notes": "bought at a flea market"})
        await seller.patch(f"/products/{product['id']}", json={"price": product["price"]})  # unchanged
        await asyncio.sleep(1.5)  # past the revision window
        assert await revises(seller) == []

    async def test_a_failed_revise_keeps_the_listing_and_alerts(self, seller) -> None:
        product = await seller.listed("ebay")
        await seller.patch(f"/products/{product['id']}", json={"title": "Levi's 501 W32 straight"})
        [revise] = await seller.eventually(lambda: revises(seller))
        await seller.play(
            PublicationFailed(
                publication_id=revise["publication_id"],
                product_id=product["id"],
                marketplace=Marketplace.EBAY,
                reason="eBay refused the title",
                action="revise",
                attempt=revise["attempt"],
            )
        )
        [alert] = await seller.eventually(lambda: seller.alerts("revise_failed"))
        assert alert["details"]["reason"] == "eBay refused the title"
        [pub] = (await seller.get(f"/products/{product['id']}/publications")).json()
        assert pub["status"] == "listed"

    async def test_stock_edited_to_zero_ends_the_listings(self, seller) -> None:
        product = await seller.listed("ebay", "etsy", stock=2)
        await seller.patch(f"/products/{product['id']}", json={"stock_quantity": 0})
        requests = await seller.eventually(lambda: seller.emitted("publication.delist_requested"))
        await asyncio.sleep(0.5)
        requests = await seller.emitted("publication.delist_requested")
        assert sorted((r["marketplace"], r["why"]) for r in requests) == [
            ("ebay", "out_of_stock"),
            ("etsy", "out_of_stock"),
        ]
