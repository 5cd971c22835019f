from __future__ import annotations

import asyncio
from collections import Counter

import sqlalchemy as sa
from marketplace_etsy.models import RateBudget, ReceiptLine, ReceiptPoll
from marketplace_etsy.orders.poller import receipt_poller


async def due_now(etsy) -> None:
    async with etsy.runtime.db.session() as session:
        await session.execute(
            sa.update(ReceiptPoll)
            .where(ReceiptPoll.shop_id == etsy.shop_id)
            .values(next_poll_at=sa.func.now())
        )
        await session.commit()


async def poll_state(etsy) -> ReceiptPoll:
    async with etsy.runtime.db.session() as session:
        return await session.get_one(ReceiptPoll, etsy.shop_id)


class TestReceipts:
    async def test_a_three_line_receipt_is_three_orders_received(self, h, etsy) -> None:
        account = await etsy.connect()
        published = [await h.published(etsy, account, price=price) for price in ("10.00", "20.00", "30.00")]
        receipt = (
            await etsy.sandbox.post(
                "/sandbox/receipts",
                json={
                    "buyer": "marie",
                    "lines": [{"listing_id": int(done["external_id"])} for _, done in published],
                },
            )
        ).json()
        await due_now(etsy)
        await receipt_poller.tick(etsy.ctx)
        received = await etsy.events("order.received", order_id=str(receipt["receipt_id"]))
        assert len(received) == 3
        assert {r["line_id"] for r in received} == {str(t["transaction_id"]) for t in receipt["transactions"]}
        by_listing = {r["external_listing_id"]: r for r in received}
        for (event, done), price in zip(published, ("10.00", "20.00", "30.00"), strict=True):
            line = by_listing[done["external_id"]]
            assert line["publication_id"] == str(event.publication_id)
            assert line["price"] == {"amount": price, "currency": "EUR"}
            assert line["quantity"] == 1
            assert line["marketplace"] == "etsy"
            assert line["account_id"] == account
            assert line["buyer"] == "marie"

    async def test_two_pollers_racing_report_each_transaction_once(
        self, h, make_settings, sandbox, test_keys
    ) -> None:
        # Due only when the test says so: a slow round must not make the shop due again by itself.
        slow = {"receipt_poll_interval_s": 600.0}
        async with (
            h.started(make_settings(**slow), sandbox, test_keys) as one,
            h.started(make_settings(**slow), sandbox, test_keys) as two,
        ):
            account = await one.connect()
            _, first = await h.published(one, account)
            _, second = await h.published(one, account)
            sold = [
                (await sandbox.post(f"/sandbox/listings/{done['external_id']}/sell", json={})).json()
                for done in (first, second)
            ]
            for _ in range(3):  # two replicas race, three times over; each re-read overlaps the last
                await due_now(one)
                await asyncio.gather(*(receipt_poller.tick(r.ctx) for r in (one, two, one, two)))
            received = await one.events("order.received")
            assert Counter(r["line_id"] for r in received) == Counter(
                str(t["transaction_id"]) for receipt in sold for t in receipt["transactions"]
            )
            receipt_calls = await one.requests(f"/shops/{one.shop_id}/receipts")
            assert len(receipt_calls) == 3  # one poll per round, whichever replica won it
            state = await poll_state(one)
            assert state.last_error is None
            assert state.next_poll_at > state.last_polled_at

    async def test_unpaid_then_canceled_receipts(self, h, etsy) -> None:
        account = await etsy.connect()
        _, done = await h.published(etsy, account)
        receipt = (await etsy.sandbox.post(f"/sandbox/listings/{done['external_id']}/sell", json={})).json()
        await due_now(etsy)
        await receipt_poller.tick(etsy.ctx)
        assert len(await etsy.events("order.received", order_id=str(receipt["receipt_id"]))) == 1
        await etsy.sandbox.post(f"/sandbox/receipts/{receipt['receipt_id']}/cancel", json={})
        await due_now(etsy)
        await receipt_poller.tick(etsy.ctx)
        assert len(await etsy.events("order.received", order_id=str(receipt["receipt_id"]))) == 1
        async with etsy.runtime.db.tenant_session(etsy.tenant) as session:
            line = (await session.execute(sa.select(ReceiptLine))).scalar_one()
        assert line.canceled_at is not None

    async def test_a_sale_before_the_connection_is_not_reported(self, h, etsy) -> None:
        account = await etsy.connect()
        _, done = await h.published(etsy, account)
        old = int((await poll_state(etsy)).cursor.timestamp()) - 3600
        await etsy.sandbox.post(
            "/sandbox/receipts",
            json={"lines": [{"listing_id": int(done["external_id"])}], "created_timestamp": old},
        )
        await due_now(etsy)
        await receipt_poller.tick(etsy.ctx)
        assert await etsy.events("order.received") == []

    async def test_polling_gives_way_when_the_days_budget_runs_low(self, h, etsy) -> None:
        await etsy.connect()
        async with etsy.runtime.db.session() as session:
            await session.execute(sa.update(RateBudget).values(remaining_today=10))
            await session.commit()
        try:
            await due_now(etsy)
            before = len(await etsy.requests(f"/shops/{etsy.shop_id}/receipts"))
            await receipt_poller.tick(etsy.ctx)
            assert len(await etsy.requests(f"/shops/{etsy.shop_id}/receipts")) == before
            state = await poll_state(etsy)
            assert state.last_error is None
            assert state.failures == 0
            assert state.next_poll_at > state.last_polled_at if state.last_polled_at else True
            # while a seller's call still goes through
            setup = await etsy.client.get("/account/setup", headers=etsy.auth())
            assert setup.status_code == 200
        finally:
            async with etsy.runtime.db.session() as session:
                await session.execute(sa.update(RateBudget).values(remaining_today=None))
                await session.commit()

    async def test_the_worker_polls_on_its_own(self, h, make_settings, sandbox, test_keys) -> None:
        async with h.started(make_settings(), sandbox, test_keys, poll_receipts=True) as etsy:
            account = await etsy.connect()
            _, done = await h.published(etsy, account)
            receipt = (await sandbox.post(f"/sandbox/listings/{done['external_id']}/sell", json={})).json()
            got = await etsy.wait_event("order.received", timeout=15, order_id=str(receipt["receipt_id"]))
            assert got["line_id"] == str(receipt["transactions"][0]["transaction_id"])
