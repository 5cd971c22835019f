"""Catalog's publish and delist commands, keyed by the publication and its attempt (catalog numbers every
publish, revise and delist): a redelivered command has no second effect, a new attempt always acts, an older
one is stale, and results are applied and name their attempt."""

from __future__ import annotations

import uuid
from decimal import Decimal

from vitrine_contracts.catalog import PublicationDelistRequested, PublicationRequested
from vitrine_contracts.common import Marketplace, Money

VALIDATION = {
    "code": "validation",
    "message": "validation error",
    "http_status": 400,
    "fields": {"price": "Price must be at least 1"},
}


def publish(
    seller, publication: uuid.UUID, product: uuid.UUID, attempt: int = 1, **snapshot
) -> PublicationRequested:
    return PublicationRequested(
        publication_id=publication,
        product_id=product,
        marketplace=Marketplace.VINTED,
        attempt=attempt,
        snapshot=seller.snapshot(product_id=product, **snapshot),
    )


def delist(
    publication: uuid.UUID, product: uuid.UUID, item_id: int, attempt: int
) -> PublicationDelistRequested:
    return PublicationDelistRequested(
        publication_id=publication,
        product_id=product,
        marketplace=Marketplace.VINTED,
        external_id=str(item_id),
        attempt=attempt,
    )


async def emitted_for(seller, event_type: str, publication: uuid.UUID) -> list[dict]:
    return [e for e in await seller.emitted(event_type) if e["publication_id"] == str(publication)]


class TestPublish:
    async def test_a_publish_lists_the_item_and_tells_catalog(self, seller) -> None:
        await seller.online()
        publication, product = uuid.uuid4(), uuid.uuid4()
        await seller.play(publish(seller, publication, product))
        job = await seller.next_job("publish")
        assert job["params"]["item"]["title"] == "Levi's 501 jeans"
        assert job["params"]["photos"] == [{"url": "http://x/1.jpg"}]
        await seller.answer(job, {"item_id": 111, "url": "https://www.vinted.fr/items/111"})
        [done] = await seller.eventually(lambda: emitted_for(seller, "publication.succeeded", publication))
        assert (done["external_id"], done["url"]) == ("111", "https://www.vinted.fr/items/111")
        listing = await seller.listing_of(publication)
        assert listing is not None
        assert (listing["status"], listing["vinted_item_id"], listing["origin"]) == ("live", 111, "published")

    async def test_a_retried_publish_makes_a_new_job(self, seller) -> None:
        await seller.online()
        publication, product, seen = uuid.uuid4(), uuid.uuid4(), set()
        await seller.play(publish(seller, publication, product))
        await seller.answer(await seller.next_job("publish", seen), error=VALIDATION)
        [failed] = await seller.eventually(lambda: emitted_for(seller, "publication.failed", publication))
        assert failed["reason"] == "Vinted refused the listing: price: Price must be at least 1"

        # The seller fixes the price; catalog requests the same publication again (a new command).
        await seller.play(publish(seller, publication, product, attempt=2))
        retry = await seller.next_job("publish", seen)
        await seller.answer(retry, {"item_id": 112})
        [done] = await seller.eventually(lambda: emitted_for(seller, "publication.succeeded", publication))
        assert done["external_id"] == "112"

    async def test_a_relist_after_a_delist_is_a_fresh_publish_and_a_second_delist_acts(self, seller) -> None:
        await seller.online()
        publication, product = uuid.uuid4(), uuid.uuid4()
        publishes, delists = set(), set()
        await seller.play(publish(seller, publication, product))
        await seller.answer(await seller.next_job("publish", publishes), {"item_id": 121})
        await seller.eventually(lambda: emitted_for(seller, "publication.succeeded", publication))
        await seller.play(delist(publication, product, 121, attempt=2))
        first = await seller.next_job("delist", delists)
        assert first["params"] == {"item_id": 121}
        await seller.answer(first, {"item_id": 121, "already_gone": False})
        await seller.eventually(lambda: emitted_for(seller, "publication.delisted", publication))

        await seller.play(publish(seller, publication, product, attempt=3))  # listed again: a new Vinted item
        relist = await seller.next_job("publish", publishes)
        await seller.answer(relist, {"item_id": 122})
        done = await seller.eventually(
            lambda: _when(emitted_for(seller, "publication.succeeded", publication), lambda es: len(es) == 2)
        )
        assert [(e["external_id"], e["attempt"]) for e in done] == [("121", 1), ("122", 3)]
        assert not [j for j in await seller.emitted("vinted.job.dispatch") if j["kind"] == "update"]

        await seller.play(delist(publication, product, 122, attempt=4))  # and ended again
        second = await seller.next_job("delist", delists)
        assert second["params"] == {"item_id": 122}
        await seller.answer(second, {"item_id": 122, "already_gone": False})
        delisted = await seller.eventually(
            lambda: _when(emitted_for(seller, "publication.delisted", publication), lambda es: len(es) == 2)
        )
        assert [(e["external_id"], e["attempt"]) for e in delisted] == [("121", 2), ("122", 4)]
        listing = await seller.listing_of(publication)
        assert listing is not None
        assert (listing["status"], listing["vinted_item_id"]) == ("delisted", 122)

    async def test_a_redelivered_command_makes_no_second_job(self, seller) -> None:
        await seller.online()
        publication, product = uuid.uuid4(), uuid.uuid4()
        envelope = await seller.play(publish(seller, publication, product))
        job = await seller.next_job("publish")
        await seller.play(envelope.payload, envelope)  # the broker delivers the same command again
        await seller.answer(job, {"item_id": 131})
        await seller.eventually(lambda: emitted_for(seller, "publication.succeeded", publication))
        publishes = [j for j in await seller.emitted("vinted.job.dispatch") if j["kind"] == "publish"]
        assert [j["job_id"] for j in publishes] == [job["job_id"]]

    async def test_a_delist_while_the_publish_waits_cancels_it(self, seller) -> None:
        publication, product = uuid.uuid4(), uuid.uuid4()
        await seller.play(publish(seller, publication, product))  # no plugin online: it waits
        await seller.eventually(lambda: seller.listing_of(publication))
        await seller.play(delist(publication, product, 0, attempt=2).model_copy(update={"external_id": None}))
        [gone] = await seller.eventually(lambda: emitted_for(seller, "publication.delisted", publication))
        assert gone["by"] == "vitrine"
        await seller.online()
        jobs = await seller.every("/jobs")
        assert [j["status"] for j in jobs if j["kind"] == "publish"] == ["canceled"]

    async def test_an_older_attempt_arriving_late_is_stale(self, seller) -> None:
        await seller.online()
        publication, product = uuid.uuid4(), uuid.uuid4()
        await seller.play(publish(seller, publication, product, attempt=2))
        await seller.answer(await seller.next_job("publish"), {"item_id": 161})
        await seller.eventually(lambda: emitted_for(seller, "publication.succeeded", publication))
        await seller.play(delist(publication, product, 161, attempt=1))  # overtaken by attempt 2
        await seller.play(publish(seller, publication, product, attempt=1))
        probe = uuid.uuid4()  # a later command of another publication, to know the stale ones were handled
        await seller.play(publish(seller, probe, uuid.uuid4()))
        await seller.eventually(lambda: seller.listing_of(probe))
        kinds = [
            j["kind"]
            for j in await seller.emitted("vinted.job.dispatch")
            if j["kind"] in ("delist", "update")
        ]
        assert kinds == []
        listing = await seller.listing_of(publication)
        assert listing is not None
        assert (listing["status"], listing["vinted_item_id"]) == ("live", 161)

    async def test_a_delist_while_the_publish_is_out_deletes_the_item_once_listed(self, seller) -> None:
        await seller.online()
        publication, product = uuid.uuid4(), uuid.uuid4()
        await seller.play(publish(seller, publication, product))
        out = await seller.next_job("publish")
        await seller.play(delist(publication, product, 0, attempt=2).model_copy(update={"external_id": None}))
        await seller.answer(out, {"item_id": 171})  # the item exists now
        follow = await seller.next_job("delist")
        assert follow["params"] == {"item_id": 171}
        await seller.answer(follow, {"item_id": 171})
        [gone] = await seller.eventually(lambda: emitted_for(seller, "publication.delisted", publication))
        assert (gone["attempt"], gone["external_id"]) == (2, "171")


class TestRevise:
    async def test_an_update_result_is_applied(self, seller) -> None:
        await seller.online()
        publication, product = uuid.uuid4(), uuid.uuid4()
        await seller.play(publish(seller, publication, product))
        await seller.answer(await seller.next_job("publish"), {"item_id": 141, "url": "https://v/141"})
        await seller.eventually(lambda: emitted_for(seller, "publication.succeeded", publication))

        revise = publish(
            seller,
            publication,
            product,
            title="Levi's 501 jeans, barely worn",
            attempt=2,
            price=Money(amount=Decimal("31.50"), currency="EUR"),
        )
        await seller.play(revise.model_copy(update={"action": "revise", "external_id": "141"}))
        update = await seller.next_job("update")
        assert update["params"]["item_id"] == 141
        assert update["params"]["item"]["title"] == "Levi's 501 jeans, barely worn"
        await seller.answer(update, {"item_id": 141})
        done = await seller.eventually(
            lambda: _when(emitted_for(seller, "publication.succeeded", publication), lambda es: len(es) == 2)
        )
        assert (done[1]["external_id"], done[1]["url"]) == ("141", "https://v/141")
        assert (done[1]["action"], done[1]["attempt"]) == ("revise", 2)
        listing = await seller.listing_of(publication)
        assert listing is not None
        assert (listing["title"], listing["price"], listing["status"]) == (
            "Levi's 501 jeans, barely worn",
            "31.50",
            "live",
        )


async def _when(found, check):
    """``found``'s items once ``check`` holds for them (for ``eventually``)."""
    items = await found
    return items if check(items) else None
