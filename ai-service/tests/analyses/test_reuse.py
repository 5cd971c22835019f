"""What ``POST /analyses`` reuses: the 30-day cache, a retried request, a request already running; and what
it never shares between tenants."""

from __future__ import annotations

import asyncio
import uuid

import sqlalchemy as sa
from ai_service.models import KnownPhoto
from vitrine_contracts.media import ImageDeleted


class TestCache:
    async def test_the_same_photos_are_answered_from_the_cache_for_free(self, seller) -> None:
        ids = seller.photos(3)
        first = await seller.analyse(image_ids=ids, label_image_id=ids[1])
        calls = len(await seller.app.sandbox.requests())
        again = await seller.ask(expect=200, image_ids=ids, label_image_id=ids[1])
        assert again["id"] != first["id"]
        assert (again["status"], again["cached"], again["pipeline"]) == ("completed", True, "cached")
        assert (again["credits"], again["credits_state"]) == (0, "none")
        assert again["result"] == first["result"]
        assert len(await seller.app.sandbox.requests()) == calls  # no provider call
        assert len(seller.reservations()) == 1  # no credit reserved
        assert seller.credits_left == 9
        events = await seller.emitted("ai.analysis.completed")
        assert [(e["cached"], e["credits_spent"]) for e in events] == [(False, 1), (True, 0)]

    async def test_the_same_content_under_new_ids_is_cached_too(self, seller) -> None:
        first = await seller.analyse(image_ids=seller.photos(2))
        again = await seller.ask(
            expect=200, image_ids=seller.photos(2)
        )  # uploaded again: new ids, same bytes
        assert again["cached"] is True
        assert again["result"]["attributes"] == first["result"]["attributes"]

    async def test_another_language_is_another_answer(self, seller) -> None:
        ids = seller.photos(2)
        await seller.analyse(image_ids=ids)
        other = await seller.ask(image_ids=ids, language="fr")
        assert other["cached"] is False
        assert (await seller.finished(other["id"]))["language"] == "fr"
        assert len(seller.reservations()) == 2

    async def test_an_expired_answer_is_not_served(self, seller) -> None:
        ids = seller.photos(2)
        await seller.analyse(image_ids=ids)
        await seller.expire_cache()
        again = await seller.ask(image_ids=ids)
        assert again["cached"] is False


class TestKnownPhotos:
    """A cache hit on photos media-service resolved before does not ask it again."""

    def resolves(self, seller) -> int:
        return seller.app.edge.calls.count(("media", "resolve"))

    async def test_a_hit_on_known_photos_does_not_ask_media_service(self, seller) -> None:
        ids = seller.photos(3)
        first = await seller.analyse(image_ids=ids, label_image_id=ids[2])
        before = self.resolves(seller)
        again = await seller.ask(expect=200, image_ids=ids, label_image_id=ids[2])
        assert self.resolves(seller) == before
        assert (again["cached"], again["result"]) == (True, first["result"])
        seller.app.edge.media_down = True  # answered from what ai-service knows, media-service down or not
        try:
            await seller.ask(expect=200, image_ids=ids, label_image_id=ids[2])
        finally:
            seller.app.edge.media_down = False

    async def test_a_miss_on_known_photos_still_checks_them_at_media_service(self, seller) -> None:
        ids = seller.photos(2)
        await seller.analyse(image_ids=ids)
        before = self.resolves(seller)
        other = await seller.ask(image_ids=ids, language="de")  # known photos, no answer cached yet
        assert other["cached"] is False
        assert self.resolves(seller) == before + 1

    async def test_a_deleted_photo_is_forgotten_and_refused_again(self, seller) -> None:
        ids = seller.photos(2)
        await seller.analyse(image_ids=ids)
        gone = uuid.UUID(ids[1])
        del seller.app.edge.images[seller.tenant_id][gone]
        await seller.play(ImageDeleted(image_id=gone))

        async def forgotten() -> bool:
            async with seller.app.runtime.db.tenant_session(seller.tenant_id) as session:
                return await session.get(KnownPhoto, gone) is None

        await seller.eventually(forgotten)
        response = await seller.post("/analyses", json={"image_ids": ids})
        assert response.status_code == 422
        assert (response.json()["type"].endswith("photo-not-found"), response.json()["image_id"]) == (
            True,
            str(gone),
        )

    async def test_the_hashes_kept_are_media_services(self, seller) -> None:
        ids = seller.photos(2)
        await seller.analyse(image_ids=ids)
        async with seller.app.runtime.db.tenant_session(seller.tenant_id) as session:
            rows = dict(
                (await session.execute(sa.select(KnownPhoto.image_id, KnownPhoto.content_hash))).all()
            )
        stored = seller.app.edge.images[seller.tenant_id]
        assert rows == {uuid.UUID(i): stored[uuid.UUID(i)].content_hash for i in ids}


class TestIdempotency:
    async def test_a_retried_request_returns_the_same_analysis(self, seller) -> None:
        ids = seller.photos(2)
        key = str(uuid.uuid4())
        first = await seller.ask(idempotency_key=key, image_ids=ids)
        retried = await seller.ask(expect=200, idempotency_key=key, image_ids=ids)
        assert retried["id"] == first["id"]
        await seller.finished(first["id"])
        after = await seller.ask(expect=200, idempotency_key=key, image_ids=ids)
        assert (after["id"], after["status"]) == (first["id"], "completed")
        assert len(seller.reservations()) == 1

    async def test_the_same_key_twice_at_once_makes_one_analysis(self, seller) -> None:
        ids = seller.photos(2)
        key = str(uuid.uuid4())
        first, second = await asyncio.gather(
            seller.post("/analyses", json={"image_ids": ids}, headers={"Idempotency-Key": key}),
            seller.post("/analyses", json={"image_ids": ids}, headers={"Idempotency-Key": key}),
        )
        assert sorted([first.status_code, second.status_code]) == [200, 202]
        assert first.json()["id"] == second.json()["id"]
        await seller.finished(first.json()["id"])
        [reservation] = seller.reservations()
        assert reservation.status == "committed"

    async def test_a_key_used_for_other_photos_is_refused(self, seller) -> None:
        key = str(uuid.uuid4())
        await seller.ask(idempotency_key=key, image_ids=seller.photos(2))
        response = await seller.post(
            "/analyses", json={"image_ids": seller.photos(1, start=3)}, headers={"Idempotency-Key": key}
        )
        assert response.status_code == 422
        assert response.json()["type"].endswith("idempotency-key-reused")

    async def test_the_same_request_while_it_runs_joins_it(self, seller) -> None:
        await seller.app.sandbox.latency(500)
        ids = seller.photos(2)
        first = await seller.ask(image_ids=ids)
        second = await seller.ask(expect=200, image_ids=ids)
        assert second["id"] == first["id"]
        await seller.finished(first["id"])
        assert len(seller.reservations()) == 1


class TestIsolation:
    async def test_another_tenant_sees_none_of_it(self, app, seller) -> None:
        done = await seller.analyse(image_ids=seller.photos(2))
        other = app.seller()
        assert (await other.get(f"/analyses/{done['id']}")).status_code == 404
        assert (await other.get("/analyses")).json()["items"] == []

    async def test_another_tenant_cannot_use_its_photos(self, app, seller) -> None:
        ids = seller.photos(2)
        other = app.seller()
        response = await other.post("/analyses", json={"image_ids": ids})
        assert response.status_code == 422
        assert response.json()["type"].endswith("photo-not-found")

    async def test_the_cache_is_never_shared_between_tenants(self, app, seller) -> None:
        await seller.analyse(image_ids=seller.photos(2))
        other = app.seller()
        same = other.photos(2)  # the same bytes, uploaded by another seller
        analysis = await other.ask(image_ids=same)
        assert analysis["cached"] is False
        done = await other.finished(analysis["id"])
        assert done["credits_state"] == "committed"
        assert other.credits_left == 9
