from __future__ import annotations

import asyncio
import uuid

import sqlalchemy as sa
from marketplace_ebay.accounts.teardown import teardown
from marketplace_ebay.models import AccountDirectory
from vitrine_contracts.identity import TenantDeleted


async def publish(h, ebay, account: str) -> dict:
    event = h.request(account)
    await ebay.send(event)
    return await ebay.wait_event("publication.succeeded", publication_id=str(event.publication_id))


async def status_of(ebay, listing_id: str) -> str:
    listings = (await ebay.sandbox.get("/sandbox/listings")).json()
    return next(x["status"] for x in listings if x["listingId"] == listing_id)


class TestDisconnect:
    async def test_live_listings_are_named_then_ended_before_the_account_is_forgotten(self, h, ebay) -> None:
        account = await h.ready_account(ebay)
        done = await publish(h, ebay, account)
        refused = await ebay.client.delete(f"/accounts/{account}", headers=ebay.auth())
        assert refused.status_code == 409
        assert refused.json()["type"].endswith("account-has-live-listings")
        assert [x["listing_id"] for x in refused.json()["listings"]] == [done["external_id"]]
        assert await status_of(ebay, done["external_id"]) == "ACTIVE"
        gone = await ebay.client.delete(
            f"/accounts/{account}", params={"end_listings": "true"}, headers=ebay.auth()
        )
        assert gone.status_code == 204, gone.text
        assert await status_of(ebay, done["external_id"]) == "ENDED"
        [delisted] = await ebay.events("publication.delisted", external_id=done["external_id"])
        assert delisted["by"] == "vitrine"
        await ebay.wait_event("marketplace.account.disconnected", account_id=account)
        assert (await ebay.client.get("/accounts", headers=ebay.auth())).json() == []


class TestTenantDeleted:
    async def test_the_deleted_seller_s_listings_are_ended(self, h, ebay) -> None:
        account = await h.ready_account(ebay)
        done = await publish(h, ebay, account)
        await ebay.send(TenantDeleted(tenant_id=ebay.tenant))
        for _ in range(100):
            if await status_of(ebay, done["external_id"]) == "ENDED":
                break
            await asyncio.sleep(0.1)
        assert await status_of(ebay, done["external_id"]) == "ENDED"

    async def test_listings_are_ended_even_when_the_schema_was_dropped_first(self, h, ebay) -> None:
        account = await h.ready_account(ebay)
        done = await publish(h, ebay, account)
        await ebay.runtime.tenants.drop(ebay.tenant)  # the kit's handler won the race
        assert await teardown.tenant_deleted(ebay.ctx, ebay.tenant) == 1
        assert await status_of(ebay, done["external_id"]) == "ENDED"
        async with ebay.runtime.db.session() as session:
            left = await session.scalar(
                sa.select(sa.func.count())
                .select_from(AccountDirectory)
                .where(AccountDirectory.tenant_id == ebay.tenant)
            )
        assert left == 0
        assert uuid.UUID(account)
