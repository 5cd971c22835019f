from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr
from vitrine_contracts.catalog import OrderReceived
from vitrine_contracts.common import Marketplace, Money
from vitrine_contracts.marketplace import ImportedListing, ListingImported
from vitrine_contracts.media_api import FETCH_PATH, FetchRequest
from vitrine_contracts.vinted import VintedItemImported
from vitrine_kit.auth.service_client import ServiceTokenClient
from vitrine_kit.clients.media import MediaClient
from vitrine_kit.db import held


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


class FakeMedia:
    """media-service's fetch: one image per URL (the same again for the same URL, as for the same bytes)."""

    def __init__(self) -> None:
        self.fetches: list[str] = []

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 300})
        assert request.url.path == FETCH_PATH
        url = FetchRequest.model_validate_json(request.content).url
        self.fetches.append(url)
        if "refused" in url:
            return httpx.Response(422, json={"detail": "not an image"})
        now = datetime.now(UTC).isoformat()
        rendition = {"name": "original", "format": "jpeg", "width": 1, "height": 1, "bytes": 1, "url": url}
        image = {
            "id": str(self.image_id(url)),
            "filename": "photo.jpg",
            "content_hash": url,
            "source_format": "jpeg",
            "width": 1,
            "height": 1,
            "created_at": now,
            "original": rendition,
            "derivatives": [],
            "urls_expire_at": now,
        }
        return httpx.Response(201, json={"image": image, "duplicate": False})

    @staticmethod
    def image_id(url: str) -> uuid.UUID:
        return uuid.uuid5(uuid.NAMESPACE_URL, url)

    def client(self) -> MediaClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self.answer))
        tokens = ServiceTokenClient("http://auth/oauth/token", "catalog", SecretStr("s"), http=http)
        return MediaClient("http://media", tokens, http)


@pytest.fixture
def strict_connections() -> Iterator[None]:
    """A call to media-service made while a pooled connection is held fails the import (strict for this
    test: the consumer's tasks run outside the test's own, so the whole process is strict meanwhile)."""
    held.set_strict(True)
    yield
    held.set_strict(False)


@pytest.mark.usefixtures("strict_connections")
class TestImportedPhotos:
    async def test_photos_are_fetched_with_no_connection_held(self, app, seller, monkeypatch) -> None:
        media = FakeMedia()
        monkeypatch.setattr(app.runtime.context, "media", media.client())
        import_id = uuid.uuid4()
        urls = [f"https://i.ebayimg.com/images/g/{n}/s-l1600.jpg" for n in range(2)]
        await seller.play(imported(20, import_id, 2, image_urls=[*urls, "https://i.ebayimg.com/refused.jpg"]))
        await seller.play(imported(21, import_id, 2, image_urls=urls[:1]))
        done = await seller.eventually(lambda: _finished(seller, import_id))
        items = {i["external_listing_id"]: i for i in done["items"]}
        first = items["110000000020"]
        assert (first["outcome"], first["photos"], first["photos_failed"]) == ("created", 2, 1)
        product = await seller.product(first["product_id"])
        assert [i["media_id"] for i in product["images"]] == [str(media.image_id(u)) for u in urls]
        assert items["110000000021"]["photos"] == 1

    async def test_a_listing_catalog_knows_fetches_no_photo(self, app, seller, monkeypatch) -> None:
        media = FakeMedia()
        monkeypatch.setattr(app.runtime.context, "media", media.client())
        first, again = uuid.uuid4(), uuid.uuid4()
        urls = ["https://i.ebayimg.com/images/g/k/s-l1600.jpg"]
        await seller.play(imported(22, first, 1, image_urls=urls))
        await seller.eventually(lambda: _finished(seller, first))
        assert media.fetches == urls
        await seller.play(imported(22, again, 1, image_urls=urls))  # imported a second time: skipped
        done = await seller.eventually(lambda: _finished(seller, again))
        assert done["skipped"] == 1
        assert media.fetches == urls


async def _finished(seller, import_id: uuid.UUID) -> dict:
    found = await progress(seller, import_id)
    return found if found and found["finished"] else {}
