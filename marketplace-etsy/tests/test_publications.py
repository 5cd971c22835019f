from __future__ import annotations

import uuid

import sqlalchemy as sa
from marketplace_etsy.models import EtsyListing, ListingImageRecord, ListingState
from vitrine_contracts.catalog import PublicationDelistRequested
from vitrine_contracts.common import Marketplace


def delist_request(event, external_id: str | None, why: str = "sold_elsewhere") -> PublicationDelistRequested:
    return PublicationDelistRequested(
        publication_id=event.publication_id,
        product_id=event.product_id,
        marketplace=Marketplace.ETSY,
        external_id=external_id,
        why=why,
    )


async def row_of(etsy, event) -> EtsyListing:
    async with etsy.runtime.db.tenant_session(etsy.tenant) as session:
        return (
            await session.execute(
                sa.select(EtsyListing).where(EtsyListing.publication_id == event.publication_id)
            )
        ).scalar_one()


class TestPublish:
    async def test_a_draft_gets_its_photos_by_rank_then_goes_live_with_etsy_fields(
        self, h, etsy, media
    ) -> None:
        account = await etsy.connect()
        event = h.request(account)
        await etsy.send(event)
        started = await etsy.wait_event("publication.started", publication_id=str(event.publication_id))
        assert started["attempt"] == 1
        done = await etsy.wait_event("publication.succeeded", publication_id=str(event.publication_id))
        [listing] = await etsy.listings()
        assert done["external_id"] == str(listing["listing_id"])
        assert done["url"] == listing["url"]
        assert listing["state"] == "active"
        # A second "&" is not allowed by Etsy: cleaned, not refused.
        assert listing["title"] == "Jean Levi's 501 & veste en jean / ceinture"
        assert listing["taxonomy_id"] == int(h.jeans)
        assert (listing["who_made"], listing["when_made"]) == ("someone_else", "1990s")
        assert listing["price"] == {"amount": 4250, "divisor": 100, "currency_code": "EUR"}
        assert listing["quantity"] == 1
        account_row = await etsy.account()
        assert listing["shipping_profile_id"] == account_row.shipping_profile_id
        assert listing["readiness_state_id"] == account_row.readiness_state_id
        assert listing["materials"] == ["cotton", "elastane"]
        assert listing["tags"][:3] == ["Levi's", "Jeans", "blue"]
        assert "vintage" in listing["tags"]
        assert len(listing["tags"]) <= 13
        assert all(len(t) <= 20 for t in listing["tags"])
        assert "small mark on the back pocket" in listing["description"]
        # The photos, in the product's order, each the bytes media-service gave for it.
        assert [image["rank"] for image in listing["images"]] == [1, 2, 3]
        for image, ref in zip(listing["images"], event.snapshot.images, strict=True):
            got = await etsy.sandbox.get(image["url_fullxfull"])
            assert got.content == media.photo(str(ref.media_id))
        assert media.authorizations[-1] == "Bearer service-token"
        row = await row_of(etsy, event)
        assert (row.state, row.listing_id, row.url) == (
            ListingState.ACTIVE,
            listing["listing_id"],
            listing["url"],
        )
        assert (
            len(await etsy.requests(f"/shops/{etsy.shop_id}/listings", method="POST")) == 4
        )  # draft + photos

    async def test_the_same_command_delivered_again_lists_nothing_twice(self, h, etsy) -> None:
        account = await etsy.connect()
        event, done = await h.published(etsy, account)
        await etsy.send(event)  # a redelivery by the broker or a repeat by catalog
        succeeded = await etsy.wait_events(
            "publication.succeeded", 2, publication_id=str(event.publication_id)
        )
        assert [s["external_id"] for s in succeeded] == [done["external_id"]] * 2
        assert len(await etsy.listings()) == 1
        assert len(await etsy.requests(f"/shops/{etsy.shop_id}/listings", method="POST")) == 4

    async def test_interrupted_after_the_draft_the_next_attempt_resumes_with_one_listing(
        self, h, etsy
    ) -> None:
        account = await etsy.connect()
        # The first photo fails for this delivery (both tries of the client): the handler fails, and the
        # redelivery resumes from the recorded draft instead of creating another.
        await etsy.fault(503, f"/v3/application/shops/{etsy.shop_id}/listings/", count=3)
        event = h.request(account)
        await etsy.send(event)
        await etsy.wait_event("publication.succeeded", timeout=30, publication_id=str(event.publication_id))
        [listing] = await etsy.listings()
        assert listing["state"] == "active"
        assert [i["rank"] for i in listing["images"]] == [1, 2, 3]
        drafts = [
            r
            for r in await etsy.requests(f"/shops/{etsy.shop_id}/listings", method="POST")
            if r["path"].endswith("/listings")
        ]
        assert len(drafts) == 1
        started = await etsy.events("publication.started", publication_id=str(event.publication_id))
        assert [s["attempt"] for s in started] == [1]  # one attempt, delivered twice

    async def test_a_crash_between_steps_resumes_without_a_second_listing(self, h, etsy, monkeypatch) -> None:
        account = await etsy.connect()
        media = etsy.ctx.media
        original = media.image_bytes
        calls = {"n": 0}

        async def crash_once(tenant_id, image_id, rendition="large.jpg"):
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("the process died here")
            return await original(tenant_id, image_id, rendition)

        monkeypatch.setattr(media, "image_bytes", crash_once)
        event = h.request(account)
        await etsy.send(event)
        await etsy.wait_event("publication.succeeded", timeout=30, publication_id=str(event.publication_id))
        [listing] = await etsy.listings()
        assert [i["rank"] for i in listing["images"]] == [1, 2, 3]
        async with etsy.runtime.db.tenant_session(etsy.tenant) as session:
            ranks = (
                (await session.execute(sa.select(ListingImageRecord.rank).order_by(ListingImageRecord.rank)))
                .scalars()
                .all()
            )
        assert list(ranks) == [1, 2, 3]

    async def test_a_draft_whose_answer_was_lost_is_found_again(self, h, etsy) -> None:
        account = await etsy.connect()
        # Etsy creates the draft, but the answer never arrives (500 after processing).
        await etsy.fault(
            500, f"/v3/application/shops/{etsy.shop_id}/listings", count=1, after_processing=True
        )
        event = h.request(account)
        await etsy.send(event)
        await etsy.wait_event("publication.succeeded", timeout=30, publication_id=str(event.publication_id))
        listings = [v for v in await etsy.listings() if not v["deleted"]]
        assert len(listings) == 1
        assert listings[0]["state"] == "active"

    async def test_a_product_without_an_etsy_category_fails_without_calling_etsy(self, h, etsy) -> None:
        account = await etsy.connect()
        event = h.request(account, taxonomy=None, when_made=None)
        await etsy.send(event)
        failed = await etsy.wait_event("publication.failed", publication_id=str(event.publication_id))
        assert failed["code"] == "incomplete-product"
        assert failed["retryable"] is False
        assert "Etsy category" in failed["reason"]
        assert "decade" in failed["reason"]
        assert await etsy.listings() == []

    async def test_no_shop_connected(self, h, etsy) -> None:
        event = h.request(None)
        await etsy.send(event)
        failed = await etsy.wait_event("publication.failed", publication_id=str(event.publication_id))
        assert failed["code"] == "no-account"

    async def test_a_shop_etsy_no_longer_accepts_asks_for_reconnection(self, h, etsy) -> None:
        account = await etsy.connect()
        await etsy.sandbox.post("/sandbox/tokens/revoke", json={"user_id": etsy.etsy_user})
        event = h.request(account)
        await etsy.send(event)
        failed = await etsy.wait_event("publication.failed", publication_id=str(event.publication_id))
        assert failed["code"] == "account-reconnect"
        assert failed["retryable"] is False
        await etsy.wait_event("marketplace.account.session_expired", account_id=account)

    async def test_a_taxonomy_etsy_refuses_is_explained(self, h, etsy) -> None:
        account = await etsy.connect()
        event = h.request(account, taxonomy="999999")
        await etsy.send(event)
        failed = await etsy.wait_event("publication.failed", publication_id=str(event.publication_id))
        assert failed["code"] == "category-invalid"
        assert "Choose another category" in failed["reason"]

    async def test_a_shop_gets_its_own_currency_and_the_listing_keeps_the_price(self, h, etsy) -> None:
        account = await etsy.connect(country="GB", currency="GBP")
        connected = await etsy.wait_event("marketplace.account.connected", account_id=account)
        assert connected["currency"] == "GBP"  # catalog converts this shop's prices to it
        wrong = h.request(account)  # in EUR: never sent to Etsy as a GBP amount
        await etsy.send(wrong)
        failed = await etsy.wait_event("publication.failed", publication_id=str(wrong.publication_id))
        assert failed["code"] == "currency-mismatch"
        assert "GBP" in failed["reason"]
        assert "EUR" in failed["reason"]
        assert await etsy.listings() == []
        event = h.request(account, price="29.99", currency="GBP")
        await etsy.send(event)
        await etsy.wait_event("publication.succeeded", publication_id=str(event.publication_id))
        [listing] = await etsy.listings()
        assert listing["price"] == {"amount": 2999, "divisor": 100, "currency_code": "GBP"}
        kept = (await etsy.client.get("/listings", headers=etsy.auth())).json()["items"]
        assert [(x["price"], x["currency"]) for x in kept if x["state"] == "active"] == [("29.99", "GBP")]

    async def test_a_us_shop_without_a_return_policy_cannot_publish(self, h, etsy) -> None:
        account = await etsy.connect(country="US", currency="USD")
        await etsy.sandbox.delete(f"/sandbox/shops/{etsy.shop_id}/return-policies")
        event = h.request(account, currency="USD")
        await etsy.send(event)
        failed = await etsy.wait_event("publication.failed", publication_id=str(event.publication_id))
        assert failed["code"] == "setup-incomplete"
        assert "return policy" in failed["reason"]
        assert await etsy.listings() == []

    async def test_a_photo_gone_from_media_fails_with_what_to_do(self, h, etsy, media) -> None:
        account = await etsy.connect()
        event = h.request(account)
        media.missing.add(str(event.snapshot.images[1].media_id))
        await etsy.send(event)
        failed = await etsy.wait_event("publication.failed", publication_id=str(event.publication_id))
        assert failed["code"] == "photo-missing"
        assert (await row_of(etsy, event)).state is ListingState.FAILED

    async def test_etsy_down_is_retried_then_reported_as_retryable(self, h, etsy) -> None:
        account = await etsy.connect()
        await etsy.fault(503, f"/v3/application/shops/{etsy.shop_id}/shipping-profiles", seconds=60)
        event = h.request(account)
        await etsy.send(event)
        failed = await etsy.wait_event(
            "publication.failed", timeout=40, publication_id=str(event.publication_id)
        )
        assert failed["retryable"] is True
        assert failed["code"] == "etsy-unavailable"
        assert "3 tries" in failed["reason"]

    async def test_a_429_is_waited_out_for_every_replica(self, h, etsy) -> None:
        account = await etsy.connect()
        await etsy.fault(429, f"/v3/application/shops/{etsy.shop_id}/listings", count=1, retry_after=1)
        event = h.request(account)
        await etsy.send(event)
        await etsy.wait_event("publication.succeeded", timeout=30, publication_id=str(event.publication_id))
        calls = [
            r
            for r in (await etsy.sandbox.get("/sandbox/requests")).json()
            if r["path"].startswith("/v3/application/")
        ]
        limited = next(
            i for i, r in enumerate(calls) if r["status"] == 429 and str(etsy.shop_id) in r["path"]
        )
        # Retry-After: 1 s, for every call of the app (the budget row was paused), not only the refused one.
        assert calls[limited + 1]["at"] - calls[limited]["at"] >= 0.95
        assert len([v for v in await etsy.listings() if not v["deleted"]]) == 1

    async def test_a_revise_updates_the_live_listing(self, h, etsy) -> None:
        account = await etsy.connect()
        event, done = await h.published(etsy, account)
        revise = h.request(
            account,
            title="Levi's 501 W32",
            price="39.00",
            action="revise",
            publication_id=event.publication_id,
        )
        await etsy.send(revise)
        await etsy.wait_events("publication.succeeded", 2, publication_id=str(event.publication_id))
        [listing] = await etsy.listings()
        assert listing["title"] == "Levi's 501 W32"
        assert listing["price"]["amount"] == 3900
        assert str(listing["listing_id"]) == done["external_id"]


class TestDelist:
    async def test_a_live_listing_is_deleted(self, h, etsy) -> None:
        account = await etsy.connect()
        event, done = await h.published(etsy, account)
        await etsy.send(delist_request(event, done["external_id"]))
        await etsy.wait_event("publication.delisted", publication_id=str(event.publication_id))
        [listing] = await etsy.listings()
        assert listing["deleted"] is True
        assert (await row_of(etsy, event)).state is ListingState.DELISTED

    async def test_a_listing_already_gone_counts_as_delisted(self, h, etsy) -> None:
        account = await etsy.connect()
        event, done = await h.published(etsy, account)
        await etsy.fault(404, f"/v3/application/listings/{done['external_id']}", count=1)
        await etsy.send(delist_request(event, done["external_id"]))
        await etsy.wait_event("publication.delisted", publication_id=str(event.publication_id))

    async def test_nothing_on_etsy_is_delisted_at_once(self, h, etsy) -> None:
        await etsy.connect()
        event = h.request(None)
        await etsy.send(delist_request(event, None, "seller_request"))
        await etsy.wait_event("publication.delisted", publication_id=str(event.publication_id))

    async def test_etsy_down_fails_the_delist_as_retryable(self, h, etsy) -> None:
        account = await etsy.connect()
        event, done = await h.published(etsy, account)
        await etsy.fault(503, f"/v3/application/listings/{done['external_id']}", seconds=60)
        await etsy.send(delist_request(event, done["external_id"]))
        failed = await etsy.wait_event(
            "publication.delist_failed", timeout=40, publication_id=str(event.publication_id)
        )
        assert failed["retryable"] is True
        assert "3 tries" in failed["reason"]

    async def test_published_again_after_a_delist_makes_a_new_listing(self, h, etsy) -> None:
        account = await etsy.connect()
        event, done = await h.published(etsy, account)
        await etsy.send(delist_request(event, done["external_id"]))
        await etsy.wait_event("publication.delisted", publication_id=str(event.publication_id))
        again = h.request(account, publication_id=event.publication_id)
        await etsy.send(again)
        found = await etsy.wait_events("publication.succeeded", 2, publication_id=str(event.publication_id))
        assert found[1]["external_id"] != done["external_id"]
        live = [v for v in await etsy.listings() if not v["deleted"]]
        assert [str(v["listing_id"]) for v in live] == [found[1]["external_id"]]
        assert uuid.UUID(found[1]["publication_id"]) == event.publication_id
