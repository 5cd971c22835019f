"""Publishes of one account pending together go out as bulk calls; each publication keeps its own outcome."""

from __future__ import annotations

import asyncio

from marketplace_ebay.publications.service import sku_for


async def publish_all(ebay, events) -> None:
    await asyncio.gather(*(ebay.send(e) for e in events))


async def outcome(ebay, event) -> tuple[str, dict]:
    deadline = asyncio.get_running_loop().time() + 30
    pid = str(event.publication_id)
    while asyncio.get_running_loop().time() < deadline:
        for kind in ("publication.succeeded", "publication.failed"):
            found = await ebay.events(kind, publication_id=pid)
            if found:
                return kind, found[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no outcome for {pid}")


async def calls(ebay, path: str) -> int:
    return len((await ebay.sandbox.get("/sandbox/calls", params={"path_contains": path})).json())


class TestBulkPublish:
    async def test_pending_publishes_go_in_bulk_and_one_refused_item_fails_alone(
        self, h, make_settings, sandbox, test_keys
    ) -> None:
        async with h.started(make_settings(bulk_window_s=0.5), sandbox, test_keys) as ebay:
            account = await h.ready_account(ebay)
            before = await calls(ebay, "/bulk_publish_offer")
            events = [h.request(account, title=f"Veste {i}") for i in range(6)]
            events[3].snapshot.mapping.category_id = "1"  # not a leaf category: eBay refuses this one
            await publish_all(ebay, events)
            results = [await outcome(ebay, e) for e in events]
            assert [kind for kind, _ in results] == ["publication.succeeded"] * 3 + ["publication.failed"] + [
                "publication.succeeded"
            ] * 2
            assert results[3][1]["code"] == "category-invalid"
            assert await calls(ebay, "/bulk_publish_offer") > before
            live = (await sandbox.get("/sandbox/listings", params={"status": "ACTIVE"})).json()
            by_sku = {v["sku"]: v for v in live}
            for event, (kind, body) in zip(events, results, strict=True):
                sku = sku_for(event.publication_id)
                if kind == "publication.succeeded":
                    assert by_sku[sku]["listingId"] == body["external_id"]
                    assert by_sku[sku]["title"] == event.snapshot.title
                else:
                    assert sku not in by_sku

    async def test_a_redelivered_batch_reuses_the_offers_and_lists_nothing_twice(
        self, h, make_settings, sandbox, test_keys
    ) -> None:
        async with h.started(make_settings(bulk_window_s=0.5), sandbox, test_keys) as ebay:
            account = await h.ready_account(ebay)
            events = [h.request(account, title=f"Jupe {i}") for i in range(3)]
            # eBay made the offers but the answer was lost: the publish call fails once, after processing.
            await sandbox.post(
                "/sandbox/faults",
                json={"status": 500, "count": 1, "path_prefix": "/sell/inventory/v1/bulk_create_offer",
                      "after_processing": True},
            )  # fmt: skip
            await publish_all(ebay, events)
            results = [await outcome(ebay, e) for e in events]
            assert {kind for kind, _ in results} == {"publication.succeeded"}
            for event in events:
                offers = (
                    await sandbox.get("/sandbox/offers", params={"sku": sku_for(event.publication_id)})
                ).json()
                assert len(offers) == 1
                listed = (
                    await sandbox.get("/sandbox/listings", params={"sku": sku_for(event.publication_id)})
                ).json()
                assert len(listed) == 1

    async def test_a_lone_publish_uses_the_single_calls(self, h, make_settings, sandbox, test_keys) -> None:
        async with h.started(make_settings(bulk_window_s=0.05), sandbox, test_keys) as ebay:
            account = await h.ready_account(ebay)
            before = await calls(ebay, "/bulk_")
            event = h.request(account)
            await ebay.send(event)
            kind, body = await outcome(ebay, event)
            assert kind == "publication.succeeded"
            assert await calls(ebay, "/bulk_") == before
            [listing] = (
                await sandbox.get("/sandbox/listings", params={"sku": sku_for(event.publication_id)})
            ).json()
            assert listing["listingId"] == body["external_id"]
