from __future__ import annotations

import sqlalchemy as sa
from marketplace_ebay.models import EbayAccount
from vitrine_contracts.catalog import PublicationDelistRequested
from vitrine_contracts.common import Marketplace


async def ebay_user(ebay, account: str) -> str:
    async with ebay.runtime.db.tenant_session(ebay.tenant) as session:
        return str(await session.scalar(sa.select(EbayAccount.ebay_user_id).where(EbayAccount.id == account)))


class TestImport:
    async def test_an_import_names_itself_and_each_listing_s_publication(self, h, ebay) -> None:
        account = await h.ready_account(ebay)
        user = await ebay_user(ebay, account)
        seeded = (
            await ebay.sandbox.post(f"/sandbox/sellers/{user}/listings", json={"count": 3, "photos": 2})
        ).json()
        remote = (await ebay.client.get(f"/accounts/{account}/remote-listings", headers=ebay.auth())).json()
        assert {r["external_listing_id"] for r in remote} == {s["listingId"] for s in seeded}
        body = {
            "listings": [{"external_listing_id": s["listingId"]} for s in seeded]
            + [{"external_listing_id": "404"}]
        }
        answer = await ebay.client.post(f"/accounts/{account}/imports", json=body, headers=ebay.auth())
        assert answer.status_code == 202, answer.text
        out = answer.json()
        assert (out["imported"], out["not_found"]) == (3, ["404"])
        events = await ebay.events("marketplace.listing.imported", import_id=out["import_id"])
        assert len(events) == 3
        assert {e["import_total"] for e in events} == {3}
        assert len({e["publication_id"] for e in events}) == 3
        first = next(e for e in events if e["listing"]["external_listing_id"] == seeded[0]["listingId"])
        assert first["listing"]["image_urls"] == seeded[0]["imageUrls"]

        # Catalog's publication takes that id: a delist names it, and the imported listing ends.
        await ebay.send(
            PublicationDelistRequested(
                publication_id=first["publication_id"],
                product_id=first["publication_id"],
                marketplace=Marketplace.EBAY,
                external_id=seeded[0]["listingId"],
                why="sold_elsewhere",
                attempt=1,
            )
        )
        await ebay.wait_event("publication.delisted", publication_id=first["publication_id"])
        listings = {x["listingId"]: x for x in (await ebay.sandbox.get("/sandbox/listings")).json()}
        assert listings[seeded[0]["listingId"]]["status"] == "ENDED"
        assert listings[seeded[1]["listingId"]]["status"] == "ACTIVE"
