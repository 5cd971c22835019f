from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
from marketplace_ebay.accounts import repository as accounts
from marketplace_ebay.after_sale.models import AfterSalePoll
from marketplace_ebay.after_sale.service import after_sale_service
from marketplace_ebay.models import OrderPoll
from marketplace_ebay.orders.service import order_poller
from vitrine_kit.db.shards import HOME

DAY = 86_400
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)


class Seller:
    """One connected, set-up account on a running marketplace-ebay, and the buyer side of the sandbox."""

    def __init__(self, h: Any, ebay: Any, sandbox: httpx.AsyncClient) -> None:
        self.h, self.ebay, self.sandbox = h, ebay, sandbox
        self.account = ""

    async def start(self) -> Seller:
        self.account = await self.h.ready_account(self.ebay)
        return self

    async def sold(self, listings: int = 1, quantity: int = 1) -> dict[str, Any]:
        """An order of ``quantity`` units of ``listings`` published listings, reported to Vitrine."""
        ids = []
        for _ in range(listings):
            event = self.h.request(self.account)
            event = event.model_copy(
                update={"snapshot": event.snapshot.model_copy(update={"quantity": quantity})}
            )
            await self.ebay.send(event)
            done = await self.ebay.wait_event(
                "publication.succeeded", publication_id=str(event.publication_id)
            )
            ids.append(done["external_id"])
        order = (
            await self.sandbox.post(
                "/sandbox/orders", json={"lines": [{"listing_id": x, "quantity": quantity} for x in ids]}
            )
        ).json()
        for _ in range(50):
            async with self.ebay.runtime.db.session() as session:
                await session.execute(
                    sa.update(OrderPoll)
                    .where(OrderPoll.account_id == self.account)
                    .values(next_poll_at=sa.func.now())
                )
                await session.commit()
            await order_poller.tick(self.ebay.ctx)
            if len(await self.ebay.events("order.received", order_id=order["orderId"])) == listings:
                return order
            await asyncio.sleep(0.1)
        raise AssertionError("the order was not reported")

    async def sync(self) -> int:
        """What the loop does for this account: read its cases from eBay into the table."""
        async with self.ebay.runtime.db.tenant_session(self.ebay.tenant) as session:
            account = await accounts.get(session, self.account)
            released = await after_sale_service.sync(session, self.ebay.ctx, self.ebay.tenant, account)
            await session.commit()
        return released

    async def cases(self, **params: Any) -> list[dict[str, Any]]:
        """Every case the list shows, page after page."""
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            query = {**params, "limit": 100, **({"cursor": cursor} if cursor else {})}
            got = await self.ebay.client.get("/after-sale/actions", params=query, headers=self.ebay.auth())
            assert got.status_code == 200, got.text
            found += got.json()["items"]
            cursor = got.json()["next_cursor"]
            if cursor is None:
                return found

    async def case(self, kind: str) -> dict[str, Any]:
        [found] = [c for c in await self.cases(include_closed=True) if c["kind"] == kind]
        return found

    async def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.ebay.client.post(
            path, json=body if body is not None else {}, headers=self.ebay.auth()
        )

    async def ship(self, order: dict[str, Any], tracking: str = "6A12345678901") -> httpx.Response:
        return await self.post(
            f"/orders/{order['orderId']}/shipping", {"carrier": "COLISSIMO", "tracking_number": tracking}
        )

    async def delivered(self, listings: int = 1, quantity: int = 1) -> dict[str, Any]:
        order = await self.sold(listings, quantity)
        assert (await self.ship(order)).status_code == 201
        assert (await self.sandbox.post(f"/sandbox/orders/{order['orderId']}/deliver")).status_code == 200
        return order

    async def cancelled_events(self, order: dict[str, Any]) -> list[dict[str, Any]]:
        return list(await self.ebay.events("order.cancelled", order_id=order["orderId"]))


@pytest_asyncio.fixture
async def seller(h: Any, ebay: Any, sandbox: httpx.AsyncClient) -> AsyncIterator[Seller]:
    yield await Seller(h, ebay, sandbox).start()
    await sandbox.delete("/sandbox/clock")  # the sandbox is shared by the session


async def sync_due(ctx: Any) -> int:
    """Run the loop's claim until nothing is due (other tests' accounts share this database)."""
    from marketplace_ebay.after_sale.loop import schedule, sync_one

    await schedule(ctx, HOME)
    done = 0
    while await sync_one(ctx, HOME):
        done += 1
    return done


async def due_now(ebay: Any, account: str) -> None:
    async with ebay.runtime.db.session() as session:
        await session.execute(
            sa.update(AfterSalePoll).where(AfterSalePoll.account_id == account).values(next_at=sa.func.now())
        )
        await session.commit()


class AfterSaleHelpers:
    Seller = Seller
    png = PNG
    day = DAY
    sync_due = staticmethod(sync_due)
    due_now = staticmethod(due_now)


@pytest.fixture
def a() -> type[AfterSaleHelpers]:
    return AfterSaleHelpers
