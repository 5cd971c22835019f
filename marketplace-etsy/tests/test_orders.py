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


async def poll(etsy) -> None:
    await due_now(etsy)
    await receipt_poller.tick(etsy.ctx)


class TestCanceledReceipts:
    async def test_a_canceled_receipt_gives_one_order_cancelled_per_line_once(self, h, etsy) -> None:
        account = await etsy.connect()
        published = [await h.published(etsy, account) for _ in range(2)]
        lines = [{"listing_id": int(done["external_id"])} for _, done in published]
        receipt = (await etsy.sandbox.post("/sandbox/receipts", json={"lines": lines})).json()
        order_id = str(receipt["receipt_id"])
        await poll(etsy)
        assert len(await etsy.events("order.received", order_id=order_id)) == 2
        assert await etsy.events("order.cancelled") == []

        canceled = await etsy.sandbox.post(f"/sandbox/receipts/{order_id}/cancel", json={})
        assert canceled.status_code == 200, canceled.text
        for _ in range(3):  # each poll re-reads the overlap: the receipt is seen again, reported once
            await poll(etsy)
        cancelled = await etsy.events("order.cancelled", order_id=order_id)
        assert {c["line_id"] for c in cancelled} == {
            str(t["transaction_id"]) for t in receipt["transactions"]
        }
        assert len(cancelled) == 2
        for event in cancelled:
            assert (event["marketplace"], event["reason"], event["quantity"]) == ("etsy", "cancelled", 1)
            assert event["account_id"] == account
        assert {c["external_listing_id"] for c in cancelled} == {d["external_id"] for _, d in published}
        assert len(await etsy.events("order.received", order_id=order_id)) == 2
        async with etsy.runtime.db.tenant_session(etsy.tenant) as session:
            marked = (await session.execute(sa.select(ReceiptLine))).scalars().all()
        assert all(line.canceled_at is not None for line in marked)

    async def test_a_fully_refunded_receipt_is_a_refund_and_a_partial_refund_is_not(self, h, etsy) -> None:
        account = await etsy.connect()
        _, done = await h.published(etsy, account, price="40.00")
        receipt = (await etsy.sandbox.post(f"/sandbox/listings/{done['external_id']}/sell", json={})).json()
        order_id = str(receipt["receipt_id"])
        await poll(etsy)
        partial = await etsy.sandbox.post(
            f"/sandbox/receipts/{order_id}/refund", json={"amount": 5.0, "reason": "late"}
        )
        assert partial.json()["status"] == "partially refunded", partial.text
        await poll(etsy)
        assert await etsy.events("order.cancelled") == []

        full = await etsy.sandbox.post(f"/sandbox/receipts/{order_id}/refund", json={"reason": "lost"})
        assert full.json()["status"] == "fully refunded", full.text
        await poll(etsy)
        [event] = await etsy.events("order.cancelled", order_id=order_id)
        assert (event["reason"], event["line_id"]) == (
            "refunded",
            str(receipt["transactions"][0]["transaction_id"]),
        )

    async def test_a_receipt_canceled_before_it_was_reported_gives_nothing(self, h, etsy) -> None:
        account = await etsy.connect()
        _, done = await h.published(etsy, account)
        receipt = (await etsy.sandbox.post(f"/sandbox/listings/{done['external_id']}/sell", json={})).json()
        await etsy.sandbox.post(f"/sandbox/receipts/{receipt['receipt_id']}/cancel", json={})
        await poll(etsy)
        assert await etsy.events("order.received") == []
        assert await etsy.events("order.cancelled") == []

    async def test_two_pollers_racing_report_a_cancellation_once(
        self, h, make_settings, sandbox, test_keys
    ) -> None:
        slow = {"receipt_poll_interval_s": 600.0}
        async with (
            h.started(make_settings(**slow), sandbox, test_keys) as one,
            h.started(make_settings(**slow), sandbox, test_keys) as two,
        ):
            account = await one.connect()
            _, done = await h.published(one, account)
            receipt = (await sandbox.post(f"/sandbox/listings/{done['external_id']}/sell", json={})).json()
            await poll(one)
            await sandbox.post(f"/sandbox/receipts/{receipt['receipt_id']}/cancel", json={})
            for _ in range(3):
                await due_now(one)
                await asyncio.gather(*(receipt_poller.tick(r.ctx) for r in (one, two, one, two)))
            cancelled = await one.events("order.cancelled")
            assert [c["order_id"] for c in cancelled] == [str(receipt["receipt_id"])]
