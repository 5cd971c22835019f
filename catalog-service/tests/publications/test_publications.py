from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from vitrine_contracts.catalog import (
    PublicationDelisted,
    PublicationDelistFailed,
    PublicationFailed,
    PublicationStarted,
    PublicationSucceeded,
)
from vitrine_contracts.common import Marketplace


async def status_of(seller, product_id: str, marketplace: str) -> str | None:
    pubs = (await seller.get(f"/products/{product_id}/publications")).json()
    return next((p["status"] for p in pubs if p["marketplace"] == marketplace), None)


async def wait_status(seller, product_id: str, marketplace: str, expected: str) -> None:
    async def check() -> bool:
        return await status_of(seller, product_id, marketplace) == expected

    await seller.eventually(check)


def succeeded(pub: dict, external_id: str = "ext-1") -> PublicationSucceeded:
    return PublicationSucceeded(
        publication_id=pub["id"],
        product_id=pub["product_id"],
        marketplace=Marketplace(pub["marketplace"]),
        external_id=external_id,
        url=f"https://{pub['marketplace']}.example/{external_id}",
    )


class TestPrechecks:
    async def test_every_missing_piece_of_every_marketplace_at_once(self, seller) -> None:
        product = await seller.create(title="x" * 120, price="10.00")
        response = await seller.post(
            f"/products/{product['id']}/publications", json={"marketplaces": ["ebay", "etsy", "vinted"]}
        )
        assert response.status_code == 422
        missing = {(m["marketplace"], m["field"]) for m in response.json()["missing"]}
        for marketplace in ("ebay", "etsy", "vinted"):
            assert {(marketplace, f) for f in ("status", "description", "images", "category")} <= missing
        assert ("ebay", "title") in missing  # 120 > 80 characters
        assert ("etsy", "title") not in missing
        assert {("ebay", "brand"), ("ebay", "size"), ("vinted", "colours"), ("vinted", "gender")} <= missing
        assert await seller.emitted("publication.requested") == []

    async def test_a_category_without_a_mapping_for_the_gender_is_reported(self, seller) -> None:
        product = await seller.ready(category="skirts", gender="men", size_system="letter", size="M")
        response = await seller.post(
            f"/products/{product['id']}/publications", json={"marketplaces": ["ebay"]}
        )
        assert response.status_code == 422
        assert response.json()["missing"] == [
            {
                "marketplace": "ebay",
                "site": "EBAY_FR",
                "field": "category",
                "code": "unmapped",
                "message": "no ebay EBAY_FR category for skirts (men)",
            }
        ]


class TestPublish:
    async def test_a_snapshot_per_marketplace_with_mapped_ids_and_image_urls(self, seller) -> None:
        product = await seller.ready()
        pubs = await seller.publish(product["id"], "ebay", "etsy", "vinted")
        assert {p["status"] for p in pubs} == {"pending"}
        events = {e["marketplace"]: e for e in await seller.emitted("publication.requested")}
        assert set(events) == {"ebay", "etsy", "vinted"}
        ebay = events["ebay"]["snapshot"]
        assert ebay["mapping"]["category_id"] == "11483"  # men's jeans
        assert ebay["mapping"]["condition_id"] == "PRE_OWNED_EXCELLENT"
        assert ebay["mapping"]["aspects"]["Marque"] == ["Levi's"]  # EBAY_FR: French names
        media_id = product["images"][0]["media_id"]
        assert ebay["images"][0]["url"] == f"http://127.0.0.1:8003/images/{media_id}/large.jpg"
        assert ebay["images"][1]["is_label"] is True
        assert events["etsy"]["snapshot"]["mapping"]["extra"]["when_made"] == "1990s"
        vinted = events["vinted"]["snapshot"]["mapping"]
        assert (vinted["category_id"], vinted["condition_id"]) == ("257", "2")
        assert vinted["extra"]["color_ids"] == [9]
        assert vinted["extra"]["brand_id"] == 53

    async def test_requesting_twice_emits_one_request(self, seller) -> None:
        product = await seller.ready()
        first = await seller.publish(product["id"], "ebay")
        second = await seller.publish(product["id"], "ebay")
        assert first[0]["id"] == second[0]["id"]
        assert len(await seller.emitted("publication.requested.ebay")) == 1


class TestAdapterEvents:
    async def test_started_shows_listing_and_a_late_notice_changes_nothing(self, seller) -> None:
        product = await seller.ready()
        [pub] = await seller.publish(product["id"], "ebay")
        assert pub["status"] == "pending"
        started = PublicationStarted(
            publication_id=pub["id"], product_id=pub["product_id"], marketplace=Marketplace.EBAY
        )
        await seller.play(started)
        await wait_status(seller, product["id"], "ebay", "listing")
        await seller.play(succeeded(pub, "v-9"))
        await wait_status(seller, product["id"], "ebay", "listed")
        await seller.play(started.model_copy(update={"attempt": 2}))  # a retry's notice, after the fact
        await asyncio.sleep(0.5)
        assert (await seller.product(product["id"]))["publications"][0]["status"] == "listed"

    async def test_succeeded_lists_it_and_the_product(self, seller) -> None:
        product = await seller.ready()
        [pub] = await seller.publish(product["id"], "ebay")
        await seller.play(succeeded(pub, "v-123"))
        await wait_status(seller, product["id"], "ebay", "listed")
        fresh = await seller.product(product["id"])
        assert fresh["status"] == "listed"
        assert fresh["publications"][0]["url"] == "https://ebay.example/v-123"

    async def test_failed_keeps_the_reason_and_a_retry_requests_again(self, seller) -> None:
        product = await seller.ready()
        [pub] = await seller.publish(product["id"], "etsy")
        await seller.play(
            PublicationFailed(
                publication_id=pub["id"],
                product_id=product["id"],
                marketplace=Marketplace.ETSY,
                reason="No shipping profile",
                code="missing-policies",
                retryable=True,
            )
        )
        await wait_status(seller, product["id"], "etsy", "failed")
        [failed] = (await seller.get(f"/products/{product['id']}/publications")).json()
        assert (failed["reason"], failed["reason_code"], failed["retryable"]) == (
            "No shipping profile",
            "missing-policies",
            True,
        )
        [again] = await seller.publish(product["id"], "etsy")
        assert (again["id"], again["status"], again["reason"]) == (pub["id"], "pending", None)
        assert len(await seller.emitted("publication.requested.etsy")) == 2

    async def test_delist_then_delisted_makes_the_product_ready_again(self, seller) -> None:
        product = await seller.ready()
        [pub] = await seller.publish(product["id"], "vinted")
        await seller.play(succeeded(pub))
        await wait_status(seller, product["id"], "vinted", "listed")
        response = await seller.delete(f"/products/{product['id']}/publications/vinted")
        assert response.json()["status"] == "delisting"
        [request] = await seller.emitted("publication.delist_requested.vinted")
        assert (request["why"], request["external_id"]) == ("seller_request", "ext-1")
        await seller.play(
            PublicationDelisted(
                publication_id=pub["id"],
                product_id=product["id"],
                marketplace=Marketplace.VINTED,
                delisted_at=datetime.now(UTC),
            )
        )
        await wait_status(seller, product["id"], "vinted", "delisted")
        assert (await seller.product(product["id"]))["status"] == "ready"

    async def test_delist_failed_alerts_the_seller(self, seller) -> None:
        product = await seller.ready()
        [pub] = await seller.publish(product["id"], "ebay")
        await seller.play(succeeded(pub))
        await wait_status(seller, product["id"], "ebay", "listed")
        await seller.delete(f"/products/{product['id']}/publications/ebay")
        await seller.play(
            PublicationDelistFailed(
                publication_id=pub["id"],
                product_id=product["id"],
                marketplace=Marketplace.EBAY,
                reason="eBay 500",
            )
        )
        await wait_status(seller, product["id"], "ebay", "listed")
        [alert] = (await seller.get("/alerts")).json()["items"]
        assert alert["kind"] == "delist_failed"
        assert alert["details"]["reason"] == "eBay 500"

    async def test_a_listing_that_succeeds_after_archiving_is_delisted_at_once(self, seller) -> None:
        product = await seller.ready()
        [pub] = await seller.publish(product["id"], "etsy")
        await seller.post(f"/products/{product['id']}/status", json={"status": "archived"})
        assert await status_of(seller, product["id"], "etsy") == "delisting"
        await seller.play(succeeded(pub, "late-1"))

        async def second_delist() -> bool:
            return len(await seller.emitted("publication.delist_requested.etsy")) == 2

        await seller.eventually(second_delist)
        requests = await seller.emitted("publication.delist_requested.etsy")
        assert requests[-1]["external_id"] == "late-1"
        assert await status_of(seller, product["id"], "etsy") == "delisting"

    async def test_an_event_for_an_unknown_publication_is_harmless(self, seller) -> None:
        product = await seller.ready()
        await seller.play(
            PublicationFailed(
                publication_id=uuid.uuid4(),
                product_id=product["id"],
                marketplace=Marketplace.EBAY,
                reason="?",
            )
        )
        [pub] = await seller.publish(product["id"], "ebay")
        await seller.play(succeeded(pub))
        await wait_status(seller, product["id"], "ebay", "listed")
