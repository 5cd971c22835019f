"""Linking an item already on Vinted to a product: idempotent, refused when it contradicts a link, checked
by the plugin, and told to catalog as ``marketplace.listing.imported`` (no publication id invented)."""

from __future__ import annotations

import uuid

from vitrine_contracts.catalog import PublicationDelistRequested, PublicationRequested
from vitrine_contracts.common import Marketplace

ITEM = {
    "item": {
        "id": 5001,
        "title": "Vintage denim jacket",
        "description": "Worn twice",
        "price": {"amount": "45.0", "currency_code": "EUR"},
        "catalog_id": 1206,
        "status_id": 2,
        "photos": [{"id": 1, "url": "https://images.vinted.test/1.jpg"}],
        "url": "https://www.vinted.fr/items/5001",
    }
}


async def link(seller, item_id: int, product: uuid.UUID):
    # A publication id as the old API asked for: it is ignored (catalog owns publications).
    return await seller.post(
        f"/items/{item_id}/link", json={"product_id": str(product), "publication_id": str(uuid.uuid4())}
    )


class TestLink:
    async def test_the_same_link_twice_gives_the_same_listing(self, seller) -> None:
        product = uuid.uuid4()
        first = await link(seller, 5001, product)
        assert first.status_code == 201, first.text
        again = await link(seller, 5001, product)
        assert again.status_code == 200, again.text
        assert again.json() == first.json()
        assert first.json()["publication_id"] is None
        assert (first.json()["status"], first.json()["origin"]) == ("linking", "linked")

    async def test_an_item_id_past_int64_is_refused(self, seller) -> None:
        response = await link(seller, 2**63, uuid.uuid4())
        assert response.status_code == 422, response.text
        assert "vinted_item_id" in response.text

    async def test_a_conflicting_link_is_refused_naming_it(self, seller) -> None:
        product, other = uuid.uuid4(), uuid.uuid4()
        assert (await link(seller, 5001, product)).status_code == 201
        taken = await link(seller, 5001, other)
        assert taken.status_code == 409, taken.text
        assert taken.headers["content-type"] == "application/problem+json"
        assert taken.json()["type"].endswith("/vinted-item-linked-elsewhere")
        assert str(product) in taken.json()["detail"]
        busy = await link(seller, 5002, product)
        assert busy.status_code == 409, busy.text
        assert busy.json()["type"].endswith("/vinted-product-listed-already")
        assert "5001" in busy.json()["detail"]

    async def test_the_plugin_checks_the_item_then_catalog_is_told(self, seller) -> None:
        await seller.online()
        product = uuid.uuid4()
        listing = (await link(seller, 5001, product)).json()
        check = await seller.next_job("fetch_item")
        assert check["params"] == {"item_id": 5001}
        await seller.answer(check, ITEM)
        [told] = await seller.eventually(lambda: seller.emitted("marketplace.listing.imported"))
        assert told["marketplace"] == "vinted"
        assert told["product_id"] == str(product)
        assert told["listing"]["external_listing_id"] == "5001"
        assert told["listing"]["title"] == "Vintage denim jacket"
        assert told["listing"]["price"] == {"amount": "45.00", "currency": "EUR"}
        assert told["listing"]["image_urls"] == ["https://images.vinted.test/1.jpg"]
        # The contract's way to name the publication: catalog's takes the id the adapter knows it by.
        assert told["publication_id"] == listing["id"]
        [live] = [li for li in await seller.listings() if li["id"] == listing["id"]]
        assert (live["status"], live["vinted_item_id"], live["publication_id"]) == (
            "live",
            5001,
            listing["id"],
        )
        assert not await seller.emitted("vinted.listing.linked")

    async def test_an_item_that_is_not_the_seller_s_is_not_linked(self, seller) -> None:
        await seller.online()
        product = uuid.uuid4()
        await link(seller, 5003, product)
        not_found = {"code": "not_found", "message": "not found", "http_status": 404}
        await seller.answer(await seller.next_job("fetch_item"), error=not_found)
        alerts = await seller.eventually(
            lambda: _alerts(seller, "link_failed"),
        )
        assert "5003" in alerts[0]["message"]
        assert not await seller.emitted("marketplace.listing.imported")
        again = await link(seller, 5003, product)  # the item is free to link again
        assert again.status_code == 201, again.text

    async def test_catalog_s_commands_reach_the_linked_item(self, seller) -> None:
        await seller.online()
        product = uuid.uuid4()
        listing = (await link(seller, 5001, product)).json()
        await seller.answer(await seller.next_job("fetch_item"), ITEM)
        [told] = await seller.eventually(lambda: seller.emitted("marketplace.listing.imported"))
        publication = uuid.UUID(told["publication_id"])
        revise = PublicationRequested(
            publication_id=publication,
            product_id=product,
            marketplace=Marketplace.VINTED,
            action="revise",
            attempt=2,
            external_id="5001",
            snapshot=seller.snapshot(product_id=product),
        )
        await seller.play(revise)
        update = await seller.next_job("update")
        assert update["params"]["item_id"] == 5001
        await seller.answer(update, {"item_id": 5001})
        [done] = await seller.eventually(lambda: seller.emitted("publication.succeeded"))
        assert (done["publication_id"], done["action"], done["attempt"]) == (listing["id"], "revise", 2)

    async def test_a_publication_catalog_names_otherwise_is_learnt_from_its_command(self, seller) -> None:
        await seller.online()
        product, publication = uuid.uuid4(), uuid.uuid4()
        await link(seller, 5001, product)
        await seller.answer(await seller.next_job("fetch_item"), ITEM)
        await seller.eventually(lambda: seller.emitted("marketplace.listing.imported"))
        await seller.play(
            PublicationDelistRequested(
                publication_id=publication,
                product_id=product,
                marketplace=Marketplace.VINTED,
                external_id="5001",
            )
        )
        delist = await seller.next_job("delist")
        assert delist["params"] == {"item_id": 5001}
        await seller.answer(delist, {"item_id": 5001})
        [gone] = await seller.eventually(lambda: seller.emitted("publication.delisted"))
        assert gone["publication_id"] == str(publication)
        listing = await seller.listing_of(publication)
        assert listing is not None
        assert (listing["status"], listing["origin"]) == ("delisted", "linked")


async def _alerts(seller, kind: str) -> list[dict]:
    return [a for a in await seller.every("/alerts") if a["kind"] == kind]
