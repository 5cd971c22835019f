from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa
from marketplace_ebay.models import EbayListing, Reconciliation
from marketplace_ebay.orders.service import order_poller
from marketplace_ebay.reconcile.loop import reconcile_one
from vitrine_kit.db.shards import HOME
from vitrine_kit.testing.helpers import eventually


async def reconcile_due(ctx) -> int:
    """Reconcile every due account (other tests' accounts share this database)."""
    done = 0
    while await reconcile_one(ctx, HOME):
        done += 1
    return done


async def due_now(ebay, account: str) -> None:
    async with ebay.runtime.db.session() as session:
        for table, column in ((Reconciliation, Reconciliation.next_at),):
            await session.execute(
                sa.update(table).where(table.account_id == account).values({column: sa.func.now()})
            )
        await session.execute(
            sa.text("UPDATE colocated.order_polls SET next_poll_at = now() WHERE account_id = :a"),
            {"a": account},
        )
        await session.commit()


async def published(h, ebay, account: str, **kw) -> tuple[object, dict]:
    event = h.request(account, **kw)
    await ebay.send(event)
    done = await ebay.wait_event("publication.succeeded", publication_id=str(event.publication_id))
    return event, done


class TestEndedOutside:
    async def test_a_listing_ended_on_ebay_is_reported_once(self, h, ebay) -> None:
        account = await h.ready_account(ebay)
        event, done = await published(h, ebay, account)
        other, _ = await published(h, ebay, account)
        ended = await ebay.sandbox.post(f"/sandbox/listings/{done['external_id']}/end", json={"by": "seller"})
        assert ended.status_code == 200
        await due_now(ebay, account)
        assert await reconcile_due(ebay.ctx)
        [delisted] = await ebay.events("publication.delisted", external_id=done["external_id"])
        assert delisted["publication_id"] == str(event.publication_id)
        assert (delisted["by"], delisted["external_id"]) == ("marketplace", done["external_id"])
        assert "outside Vitrine" in delisted["reason"]
        await due_now(ebay, account)
        assert await reconcile_due(ebay.ctx)
        assert len(await ebay.events("publication.delisted", external_id=done["external_id"])) == 1
        async with ebay.runtime.db.tenant_session(ebay.tenant) as session:
            statuses = {
                str(x.publication_id): x.status for x in await session.scalars(sa.select(EbayListing))
            }
        assert statuses == {str(event.publication_id): "ended", str(other.publication_id): "listed"}

    async def test_a_listing_that_sold_out_is_left_to_the_order(self, h, ebay, sandbox) -> None:
        account = await h.ready_account(ebay)
        _, done = await published(h, ebay, account)
        await sandbox.post(f"/sandbox/listings/{done['external_id']}/sell", json={})
        await due_now(ebay, account)
        assert await reconcile_due(ebay.ctx)
        assert await ebay.events("publication.delisted", external_id=done["external_id"]) == []

    async def test_replicas_reconcile_each_account_once(self, h, make_settings, sandbox, test_keys) -> None:
        async with (
            h.started(make_settings(), sandbox, test_keys) as one,
            h.started(make_settings(), sandbox, test_keys) as two,
        ):
            two.tenant, two.user = one.tenant, one.user
            account = await h.ready_account(one)
            _, done = await published(h, one, account)
            await sandbox.post(f"/sandbox/listings/{done['external_id']}/end", json={})
            await due_now(one, account)
            await asyncio.gather(*(reconcile_due(r.ctx) for r in (one, two, one, two)))
            assert len(await one.events("publication.delisted", external_id=done["external_id"])) == 1


class TestCancelledOrders:
    async def test_a_cancelled_order_line_is_reported_once_with_its_line(self, h, ebay, sandbox) -> None:
        account = await h.ready_account(ebay)
        _, one = await published(h, ebay, account)
        _, two = await published(h, ebay, account)
        order = (
            await sandbox.post(
                "/sandbox/orders",
                json={"lines": [{"listing_id": one["external_id"]}, {"listing_id": two["external_id"]}]},
            )
        ).json()

        async def polled() -> list[dict[str, Any]]:
            # A poll may fail on a loaded machine (a timeout): the poller tries again, as the loop would.
            await due_now(ebay, account)
            await order_poller.tick(ebay.ctx)
            return await ebay.events("order.received", order_id=order["orderId"])

        received = await eventually(polled)
        assert sorted(r["line_id"] for r in received) == sorted(x["lineItemId"] for x in order["lineItems"])
        await sandbox.post(f"/sandbox/orders/{order['orderId']}/cancel", json={})
        await due_now(ebay, account)
        assert await reconcile_due(ebay.ctx)
        await due_now(ebay, account)
        assert await reconcile_due(ebay.ctx)
        await order_poller.tick(ebay.ctx)  # a cancelled order is no sale
        cancelled = await ebay.events("order.cancelled", order_id=order["orderId"])
        assert sorted((c["line_id"], c["quantity"], c["reason"]) for c in cancelled) == sorted(
            (x["lineItemId"], 1, "cancelled") for x in order["lineItems"]
        )
        assert len(await ebay.events("order.received", order_id=order["orderId"])) == 2

    async def test_an_order_never_reported_is_not_cancelled(self, h, ebay, sandbox) -> None:
        account = await h.ready_account(ebay)
        _, done = await published(h, ebay, account)
        sold = (await sandbox.post(f"/sandbox/listings/{done['external_id']}/sell", json={})).json()
        await sandbox.post(f"/sandbox/orders/{sold['orderId']}/cancel", json={})
        await due_now(ebay, account)
        await order_poller.tick(ebay.ctx)
        assert await reconcile_due(ebay.ctx)
        assert await ebay.events("order.received", order_id=sold["orderId"]) == []
        assert await ebay.events("order.cancelled", order_id=sold["orderId"]) == []
