from __future__ import annotations

import sqlalchemy as sa
from marketplace_etsy.models import EtsyListing, ListingState
from vitrine_contracts.catalog import PublicationDelistRequested
from vitrine_contracts.common import Marketplace


class TestImport:
    async def test_live_listings_are_shown_linked_or_not_and_imported(self, h, etsy) -> None:
        account = await etsy.connect()
        _, known = await h.published(etsy, account, title="Veste Levi's")
        event, unknown = await h.published(etsy, account, title="Robe en soie")
        async with etsy.runtime.db.tenant_session(etsy.tenant) as session:  # as if listed on Etsy by hand
            await session.execute(
                sa.delete(EtsyListing).where(EtsyListing.publication_id == event.publication_id)
            )
            await session.commit()
        remote = await etsy.client.get("/account/remote-listings", headers=etsy.auth())
        assert remote.status_code == 200, remote.text
        linked = {r["external_listing_id"]: r["linked"] for r in remote.json()}
        assert linked == {known["external_id"]: True, unknown["external_id"]: False}
        [robe] = [r for r in remote.json() if not r["linked"]]
        assert (robe["title"], robe["price"], robe["currency"]) == ("Robe en soie", "42.50", "EUR")
        assert len(robe["image_urls"]) == 3

        done = await etsy.client.post(
            "/account/imports",
            json={
                "listings": [{"external_listing_id": unknown["external_id"]}, {"external_listing_id": "1"}]
            },
            headers=etsy.auth(),
        )
        assert done.status_code == 202, done.text
        assert done.json() == {"imported": 1, "not_found": ["1"]}
        imported = await etsy.wait_event("marketplace.listing.imported", account_id=account)
        assert imported["marketplace"] == "etsy"
        assert imported["product_id"] is None
        listing = imported["listing"]
        assert listing["external_listing_id"] == unknown["external_id"]
        assert listing["category_id"] == h.jeans
        assert listing["aspects"]["when_made"] == ["1990s"]
        assert listing["price"] == {"amount": "42.50", "currency": "EUR"}
        assert len(listing["image_urls"]) == 3
        shown = (await etsy.client.get("/listings", headers=etsy.auth())).json()["items"]
        states = {str(r["listing_id"]): r["state"] for r in shown}
        assert states == {known["external_id"]: "active", unknown["external_id"]: "imported"}

        # catalog later delists the imported listing by its Etsy id
        await etsy.send(
            PublicationDelistRequested(
                publication_id=event.publication_id,
                product_id=event.product_id,
                marketplace=Marketplace.ETSY,
                external_id=unknown["external_id"],
                why="sold_elsewhere",
            )
        )
        await etsy.wait_event("publication.delisted", publication_id=str(event.publication_id))
        gone = [v for v in await etsy.listings() if str(v["listing_id"]) == unknown["external_id"]]
        assert gone[0]["deleted"] is True
        async with etsy.runtime.db.tenant_session(etsy.tenant) as session:
            row = (
                await session.execute(
                    sa.select(EtsyListing).where(EtsyListing.listing_id == int(unknown["external_id"]))
                )
            ).scalar_one()
        assert row.state is ListingState.DELISTED

    async def test_without_a_shop_there_is_nothing_to_import(self, etsy) -> None:
        response = await etsy.client.get("/account/remote-listings", headers=etsy.auth())
        assert response.status_code == 404
