from __future__ import annotations

import asyncio
from decimal import Decimal

from vitrine_contracts.catalog import PublicationDelistRequested, PublicationRequested
from vitrine_contracts.common import Marketplace


def delist(
    event: PublicationRequested, attempt: int, external_id: str | None = None
) -> PublicationDelistRequested:
    return PublicationDelistRequested(
        publication_id=event.publication_id,
        product_id=event.product_id,
        marketplace=Marketplace.EBAY,
        external_id=external_id,
        why="seller_request",
        attempt=attempt,
    )


async def withdrawals(ebay, event: PublicationRequested) -> list[dict]:
    [offer] = (
        await ebay.sandbox.get("/sandbox/offers", params={"sku": f"VTR-{event.publication_id.hex}"})
    ).json()
    return (
        await ebay.sandbox.get(
            "/sandbox/calls", params={"path_contains": f"/offer/{offer['offerId']}/withdraw"}
        )
    ).json()


async def listings_of(ebay, event: PublicationRequested) -> list[dict]:
    return (
        await ebay.sandbox.get("/sandbox/listings", params={"sku": f"VTR-{event.publication_id.hex}"})
    ).json()


async def count_of(ebay, event_type: str, publication_id: str, n: int) -> None:
    for _ in range(200):
        if len(await ebay.events(event_type, publication_id=publication_id)) >= n:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"fewer than {n} {event_type}")


class TestAttempts:
    async def test_list_delist_relist_delist_withdraws_once_per_listing_and_a_stale_delist_does_nothing(
        self, h, ebay
    ) -> None:
        account = await h.ready_account(ebay)
        first = h.request(account)
        pub = str(first.publication_id)
        await ebay.send(first)
        await ebay.wait_event("publication.succeeded", publication_id=pub)
        await ebay.send(delist(first, 2))
        await ebay.wait_event("publication.delisted", publication_id=pub)
        again = first.model_copy(update={"attempt": 3})
        await ebay.send(again)
        await count_of(ebay, "publication.succeeded", pub, 2)
        await ebay.send(delist(first, 2))  # attempt 2 delivered again, after the re-list
        await asyncio.sleep(1.5)
        listings = await listings_of(ebay, first)
        assert sorted(x["status"] for x in listings) == ["ACTIVE", "ENDED"]
        assert len(await withdrawals(ebay, first)) == 1
        await ebay.send(delist(first, 4))
        await count_of(ebay, "publication.delisted", pub, 2)
        assert [x["status"] for x in await listings_of(ebay, first)] == ["ENDED", "ENDED"]
        assert len(await withdrawals(ebay, first)) == 2  # one per listing
        delisted = await ebay.events("publication.delisted", publication_id=pub)
        assert [d["attempt"] for d in delisted] == [2, 4]

    async def test_a_publish_that_fails_then_is_retried_lists_once(self, h, ebay) -> None:
        account = await h.ready_account(ebay)
        # eBay publishes, but every answer is lost: the attempt fails after its tries.
        await ebay.sandbox.post(
            "/sandbox/faults",
            json={
                "status": 500,
                "seconds": 8,
                "after_processing": True,
                "path_prefix": "/sell/inventory/v1/offer/",
            },
        )
        event = h.request(account)
        pub = str(event.publication_id)
        await ebay.send(event)
        failed = await ebay.wait_event("publication.failed", timeout=40, publication_id=pub)
        assert (failed["retryable"], failed["attempt"]) == (True, 1)
        await ebay.sandbox.delete("/sandbox/faults")
        await ebay.send(event.model_copy(update={"attempt": 2}))  # the seller retries
        done = await ebay.wait_event("publication.succeeded", timeout=30, publication_id=pub)
        assert done["attempt"] == 2
        listings = await listings_of(ebay, event)
        assert [x["status"] for x in listings] == ["ACTIVE"]
        assert listings[0]["listingId"] == done["external_id"]

    async def test_a_delist_before_the_publish_keeps_the_late_publish_from_listing(self, h, ebay) -> None:
        account = await h.ready_account(ebay)
        event = h.request(account)
        pub = str(event.publication_id)
        await ebay.send(delist(event, 2))
        await ebay.wait_event("publication.delisted", publication_id=pub)
        await ebay.send(event)  # attempt 1, arriving late
        await asyncio.sleep(1.5)
        assert await listings_of(ebay, event) == []
        assert await ebay.events("publication.succeeded", publication_id=pub) == []


class TestRevise:
    async def test_a_revise_changes_the_live_listing_in_place(self, h, ebay) -> None:
        account = await h.ready_account(ebay)
        event = h.request(account)
        pub = str(event.publication_id)
        await ebay.send(event)
        listed = await ebay.wait_event("publication.succeeded", publication_id=pub)
        snapshot = event.snapshot.model_copy(
            update={
                "price": event.snapshot.price.model_copy(update={"amount": Decimal("50.00")}),
                "quantity": 3,
            }
        )
        revise = event.model_copy(update={"action": "revise", "attempt": 2, "snapshot": snapshot})
        await ebay.send(revise)
        await count_of(ebay, "publication.succeeded", pub, 2)
        revised = (await ebay.events("publication.succeeded", publication_id=pub))[-1]
        assert (revised["action"], revised["attempt"], revised["external_id"]) == (
            "revise",
            2,
            listed["external_id"],
        )
        [listing] = await listings_of(ebay, event)
        assert (listing["price"], listing["availableQuantity"], listing["status"]) == ("50.00", 3, "ACTIVE")


class TestSessionExpired:
    async def test_it_says_how_many_listings_are_live(self, h, ebay) -> None:
        account = await h.ready_account(ebay)
        event = h.request(account)
        await ebay.send(event)
        await ebay.wait_event("publication.succeeded", publication_id=str(event.publication_id))
        await ebay.sandbox.post("/sandbox/tokens/revoke", json={})
        await ebay.send(h.request(account))
        expired = await ebay.wait_event("marketplace.account.session_expired", account_id=account)
        assert expired["live_listings"] == 1
