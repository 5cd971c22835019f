from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from vitrine_contracts.catalog import PublicationDelisted, PublicationFailed, PublicationSucceeded
from vitrine_contracts.common import Marketplace


async def status_of(seller, product_id: str, marketplace: str) -> str | None:
    pubs = (await seller.get(f"/products/{product_id}/publications")).json()
    return next((p["status"] for p in pubs if p["marketplace"] == marketplace), None)


class TestAttempts:
    async def test_publish_delist_and_relist_are_each_a_new_attempt(self, seller) -> None:
        product = await seller.listed("ebay")
        await seller.delete(f"/products/{product['id']}/publications/ebay")
        [pub] = (await seller.get(f"/products/{product['id']}/publications")).json()
        await seller.play(
            PublicationDelisted(
                publication_id=pub["id"],
                product_id=product["id"],
                marketplace=Marketplace.EBAY,
                delisted_at=datetime.now(UTC),
                attempt=2,
            )
        )

        async def delisted() -> bool:
            return await status_of(seller, product["id"], "ebay") == "delisted"

        await seller.eventually(delisted)
        await seller.publish(product["id"], "ebay")
        requested = await seller.emitted("publication.requested.ebay")
        delists = await seller.emitted("publication.delist_requested.ebay")
        assert [r["attempt"] for r in requested] == [1, 3]
        assert [d["attempt"] for d in delists] == [2]
        assert {r["publication_id"] for r in requested + delists} == {pub["id"]}

    async def test_a_late_failure_of_an_old_attempt_does_not_undo_a_newer_one(self, seller) -> None:
        product = await seller.ready()
        [pub] = await seller.publish(product["id"], "ebay")
        failure = PublicationFailed(
            publication_id=pub["id"],
            product_id=product["id"],
            marketplace=Marketplace.EBAY,
            reason="eBay did not answer",
            retryable=True,
            attempt=1,
        )
        await seller.play(failure)

        async def failed() -> bool:
            return await status_of(seller, product["id"], "ebay") == "failed"

        await seller.eventually(failed)
        await seller.publish(product["id"], "ebay")  # the seller retries: attempt 2
        await seller.succeed(pub, "e-2", attempt=2)
        await seller.play(failure.model_copy())  # attempt 1's failure, delivered again late
        await asyncio.sleep(0.6)
        assert await status_of(seller, product["id"], "ebay") == "listed"

    async def test_a_late_delisted_of_an_old_attempt_leaves_the_relisted_listing_live(self, seller) -> None:
        product = await seller.listed("ebay")
        [pub] = (await seller.get(f"/products/{product['id']}/publications")).json()
        await seller.delete(f"/products/{product['id']}/publications/ebay")  # attempt 2
        ended = PublicationDelisted(
            publication_id=pub["id"],
            product_id=product["id"],
            marketplace=Marketplace.EBAY,
            delisted_at=datetime.now(UTC),
            attempt=2,
        )
        await seller.play(ended)

        async def is_(status: str) -> bool:
            return await status_of(seller, product["id"], "ebay") == status

        await seller.eventually(lambda: is_("delisted"))
        await seller.publish(product["id"], "ebay")  # attempt 3
        await seller.play(
            PublicationSucceeded(
                publication_id=pub["id"],
                product_id=product["id"],
                marketplace=Marketplace.EBAY,
                external_id="e-3",
                attempt=3,
            )
        )
        await seller.eventually(lambda: is_("listed"))
        await seller.play(ended.model_copy())  # attempt 2's answer, replayed by the adapter
        await asyncio.sleep(0.6)
        assert await status_of(seller, product["id"], "ebay") == "listed"


class TestEndedOutside:
    async def test_a_listing_ended_on_the_marketplace_is_delisted_with_an_alert(self, seller) -> None:
        product = await seller.listed("ebay", "vinted")
        await seller.play(
            PublicationDelisted(
                publication_id=product["id"],  # an id the adapter does not know: found by the listing
                product_id=product["id"],
                marketplace=Marketplace.EBAY,
                delisted_at=datetime.now(UTC),
                by="seller_on_marketplace",
                reason="ended on eBay by the seller",
                external_id=f"ebay-{product['sku']}",
            )
        )

        async def delisted() -> bool:
            return await status_of(seller, product["id"], "ebay") == "delisted"

        await seller.eventually(delisted)
        [alert] = await seller.alerts("listing_ended_outside")
        assert alert["details"]["reason"] == "ended on eBay by the seller"
        fresh = await seller.product(product["id"])
        assert fresh["status"] == "listed"  # still live on Vinted
