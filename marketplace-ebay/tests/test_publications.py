from __future__ import annotations

from vitrine_contracts.catalog import (
    PublicationDelistRequested,
)
from vitrine_contracts.common import Marketplace


async def listings_for(ebay, event) -> list[dict]:
    return (
        await ebay.sandbox.get("/sandbox/listings", params={"sku": f"VTR-{event.publication_id.hex}"})
    ).json()


class TestPublish:
    async def test_publish_lists_the_product_as_given(self, h, ebay) -> None:
        account = await h.ready_account(ebay)
        event = h.request(account)
        await ebay.send(event)
        started = await ebay.wait_event("publication.started", publication_id=str(event.publication_id))
        assert started["attempt"] == 1
        done = await ebay.wait_event("publication.succeeded", publication_id=str(event.publication_id))
        [listing] = await listings_for(ebay, event)
        assert done["external_id"] == listing["listingId"]
        assert done["url"].endswith(listing["listingId"])
        assert (listing["title"], listing["price"], listing["currency"]) == (
            "Veste en jean Levi's",
            "42.50",
            "EUR",
        )
        assert (listing["condition"], listing["categoryId"], listing["marketplaceId"]) == (
            "USED_EXCELLENT",
            "57988",
            "EBAY_FR",
        )
        assert listing["imageUrls"] == ["https://media.example/1.jpg", "https://media.example/2.jpg"]

    async def test_an_expired_token_mid_publish_is_refreshed_and_the_publish_completes(self, h, ebay) -> None:
        account = await h.ready_account(ebay)
        await ebay.sandbox.post("/sandbox/tokens/expire", json={})
        event = h.request(account)
        await ebay.send(event)
        await ebay.wait_event("publication.succeeded", publication_id=str(event.publication_id))
        assert len(await listings_for(ebay, event)) == 1

    async def test_a_429_storm_delays_the_publish_but_never_duplicates_the_listing(self, h, ebay) -> None:
        account = await h.ready_account(ebay)
        await ebay.sandbox.post(
            "/sandbox/faults",
            json={"status": 429, "count": 6, "retry_after": 1, "path_prefix": "/sell/inventory"},
        )
        # and an offer created whose answer is lost: the retry must find it, not create another
        await ebay.sandbox.post(
            "/sandbox/faults",
            json={
                "status": 500,
                "count": 1,
                "after_processing": True,
                "path_prefix": "/sell/inventory/v1/offer",
            },
        )
        event = h.request(account)
        await ebay.send(event)
        await ebay.wait_event("publication.succeeded", timeout=40, publication_id=str(event.publication_id))
        assert len(await listings_for(ebay, event)) == 1
        offers = (
            await ebay.sandbox.get("/sandbox/offers", params={"sku": f"VTR-{event.publication_id.hex}"})
        ).json()
        assert len(offers) == 1
        # the same command again (a retry by catalog) changes nothing on eBay
        await ebay.send(event)
        await ebay.wait_event("publication.succeeded", publication_id=str(event.publication_id))
        assert len(await listings_for(ebay, event)) == 1

    async def test_ebay_down_retries_then_fails_with_a_reason_the_seller_can_act_on(
        self, h, ebay, proxy
    ) -> None:
        account = await h.ready_account(ebay)
        proxy.refuse()
        event = h.request(account)
        await ebay.send(event)
        failed = await ebay.wait_event(
            "publication.failed", timeout=40, publication_id=str(event.publication_id)
        )
        assert failed["retryable"] is True
        assert failed["code"] == "ebay-unavailable"
        assert "3 attempts" in failed["reason"]
        assert "Try publishing again" in failed["reason"]
        proxy.allow()

    async def test_missing_setup_and_no_account_fail_with_what_to_do(self, h, ebay) -> None:
        none = h.request(None)
        await ebay.send(none)
        no_account = await ebay.wait_event("publication.failed", publication_id=str(none.publication_id))
        assert no_account["code"] == "no-account"
        assert not no_account["retryable"]
        account = await ebay.connect()
        event = h.request(account)
        await ebay.send(event)
        failed = await ebay.wait_event("publication.failed", publication_id=str(event.publication_id))
        assert failed["code"] == "setup-incomplete"
        assert "eBay setup" in failed["reason"]

    async def test_ebay_validation_error_is_reported(self, h, ebay) -> None:
        account = await h.ready_account(ebay)
        event = h.request(account, price="0.00")
        await ebay.send(event)
        failed = await ebay.wait_event("publication.failed", publication_id=str(event.publication_id))
        assert failed["code"] == "ebay-rejected"
        assert "price" in failed["reason"].lower()

    async def test_revoked_account_asks_the_seller_to_reconnect(self, h, ebay) -> None:
        account = await h.ready_account(ebay)
        await ebay.sandbox.post("/sandbox/tokens/revoke", json={})
        event = h.request(account)
        await ebay.send(event)
        failed = await ebay.wait_event("publication.failed", publication_id=str(event.publication_id))
        assert failed["code"] == "account-reconnect"
        await ebay.wait_event("marketplace.account.session_expired", account_id=account)


class TestDelist:
    async def test_delist_withdraws_the_offer(self, h, ebay) -> None:
        account = await h.ready_account(ebay)
        event = h.request(account)
        await ebay.send(event)
        done = await ebay.wait_event("publication.succeeded", publication_id=str(event.publication_id))
        await ebay.send(
            PublicationDelistRequested(
                publication_id=event.publication_id,
                product_id=event.product_id,
                marketplace=Marketplace.EBAY,
                external_id=done["external_id"],
                why="sold_elsewhere",
            )
        )
        await ebay.wait_event("publication.delisted", publication_id=str(event.publication_id))
        [listing] = await listings_for(ebay, event)
        assert listing["status"] == "ENDED"
