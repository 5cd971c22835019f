from __future__ import annotations

import uuid
from typing import Any

from vitrine_contracts.catalog import PublicationStarted
from vitrine_contracts.common import Marketplace


def started(n: int) -> PublicationStarted:
    return PublicationStarted(
        publication_id=uuid.uuid4(), product_id=uuid.uuid4(), marketplace=Marketplace.VINTED, attempt=n
    )


class TestHistory:
    async def test_pages_after_an_id_oldest_first(self, app: Any) -> None:
        seller = app.seller()
        await seller.play(*(started(n) for n in range(1, 8)))
        await seller.wait_items(7)
        first = await seller.history(after=0, limit=3)
        assert [i["id"] for i in first["items"]] == [1, 2, 3]
        assert (first["last_id"], first["gap"]) == (3, False)
        second = await seller.history(after=first["last_id"], limit=10)
        assert [i["id"] for i in second["items"]] == [4, 5, 6, 7]
        empty = await seller.history(after=7)
        assert (empty["items"], empty["last_id"], empty["gap"]) == ([], 7, False)

    async def test_without_after_the_newest_items(self, app: Any) -> None:
        seller = app.seller()
        assert await seller.history() == {"items": [], "last_id": 0, "gap": False}
        await seller.play(*(started(n) for n in range(1, 6)))
        await seller.wait_items(5)
        page = await seller.history(limit=2)
        assert [i["id"] for i in page["items"]] == [4, 5]
        assert page["last_id"] == 5

    async def test_an_item_as_the_ui_reads_it(self, app: Any) -> None:
        seller = app.seller()
        event = started(2)
        await seller.play(event)
        [item] = await seller.wait_items(1)
        assert item["kind"] == "publication.started"
        assert item["text"] == "Listing an item on Vinted…"
        assert item["data"] == {
            "publication_id": str(event.publication_id),
            "product_id": str(event.product_id),
            "marketplace": "vinted",
            "attempt": 2,
        }
        assert item["at"]

    async def test_an_id_never_given_is_a_gap(self, app: Any) -> None:
        seller = app.seller()
        await seller.play(started(1))
        await seller.wait_items(1)
        page = await seller.history(after=50)
        assert (page["items"], page["last_id"], page["gap"]) == ([], 1, True)

    async def test_limits_are_checked(self, app: Any) -> None:
        seller = app.seller()
        for params in ({"limit": 0}, {"limit": 501}, {"after": -1}):
            response = await app.client.get("/feed/history", params=params, headers=seller.headers)
            assert response.status_code == 422, params


class TestKeptHistory:
    async def test_only_the_last_items_are_kept(self, app: Any) -> None:
        from datetime import UTC, datetime

        from notification_service.feed.draft import Draft
        from notification_service.feed.service import feed_service
        from vitrine_contracts.notifications import FeedKind
        from vitrine_kit.scope import Scope

        seller = app.seller()
        settings = app.context.settings
        kept, settings.history_items = settings.history_items, 20
        try:
            await app.runtime.tenants.ensure(seller.tenant_id)
            async with app.runtime.db.tenant_session(seller.tenant_id) as session:
                scope = Scope(session=session, tenant_id=seller.tenant_id, context=app.context)
                for n in range(100):
                    draft = Draft(FeedKind.CREDITS_LOW, f"{n}", datetime.now(UTC), uuid.uuid4())
                    await feed_service.record(scope, draft)
                await session.commit()
        finally:
            settings.history_items = kept
        page = await seller.history(after=0, limit=500)
        assert [i["id"] for i in page["items"]] == list(range(81, 101))
        assert (await seller.history(after=80))["gap"] is False
        assert (await seller.history(after=79))["gap"] is True
