from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import uuid

import sqlalchemy as sa
from marketplace_ebay.models import AccountDirectory, EbayAccount, OrderPoll
from marketplace_ebay.orders.service import order_poller


async def due_now(ebay, account: str) -> None:
    async with ebay.runtime.db.session() as session:
        await session.execute(
            sa.update(OrderPoll).where(OrderPoll.account_id == account).values(next_poll_at=sa.func.now())
        )
        await session.commit()


class TestOrders:
    async def test_two_replicas_polling_the_same_account_report_each_order_once(
        self, h, make_settings, sandbox, test_keys
    ) -> None:
        async with (
            h.started(make_settings(), sandbox, test_keys) as one,
            h.started(make_settings(), sandbox, test_keys) as two,
        ):
            two.tenant, two.user = one.tenant, one.user
            account = await h.ready_account(one)
            event = h.request(account)
            await one.send(event)
            done = await one.wait_event("publication.succeeded", publication_id=str(event.publication_id))
            sold = (
                await sandbox.post(f"/sandbox/listings/{done['external_id']}/sell", json={"buyer": "marie"})
            ).json()
            for _ in range(3):  # both replicas race, three times over
                await due_now(one, account)
                await asyncio.gather(*(order_poller.tick(r.ctx) for r in (one, two, one, two)))
            received = await one.events("order.received", order_id=sold["orderId"])
            assert len(received) == 1
            got = received[0]
            assert got["external_listing_id"] == done["external_id"]
            assert got["publication_id"] == str(event.publication_id)
            assert got["price"] == {"amount": "42.50", "currency": "EUR"}
            assert got["buyer"] == "marie"
            async with one.runtime.db.session() as session:
                poll = await session.get(OrderPoll, uuid.UUID(account))
            assert poll.last_error is None
            assert poll.next_poll_at > poll.last_polled_at

    async def test_the_worker_polls_on_its_own(self, h, make_settings, sandbox, test_keys) -> None:
        settings = make_settings(order_poll_interval_s=0.5, order_poll_tick_s=0.2)
        async with h.started(settings, sandbox, test_keys, poll_orders=True) as ebay:
            account = await h.ready_account(ebay)
            event = h.request(account)
            await ebay.send(event)
            done = await ebay.wait_event("publication.succeeded", publication_id=str(event.publication_id))
            sold = (await sandbox.post(f"/sandbox/listings/{done['external_id']}/sell", json={})).json()
            await ebay.wait_event("order.received", timeout=10, order_id=sold["orderId"])


class TestAccountDeletion:
    async def test_challenge_response(self, h, ebay) -> None:
        got = await ebay.client.get("/webhooks/account-deletion", params={"challenge_code": "abc123"})
        settings = ebay.runtime.settings
        expected = hashlib.sha256(
            b"abc123"
            + settings.verification_token.get_secret_value().encode()
            + settings.deletion_endpoint_url.encode()
        ).hexdigest()
        assert got.status_code == 200
        assert got.json() == {"challengeResponse": expected}
        assert got.headers["content-type"].startswith("application/json")

    async def _user_of(self, ebay, account: str) -> str:
        async with ebay.runtime.db.tenant_session(ebay.tenant) as session:
            return (await session.get(EbayAccount, uuid.UUID(account))).ebay_user_id

    async def test_bad_signature_refused_good_one_removes_the_accounts_data(self, h, ebay) -> None:
        account = await h.ready_account(ebay)
        user = await self._user_of(ebay, account)
        tampered = (
            await ebay.sandbox.post(
                "/sandbox/notifications/account-deletion", json={"user_id": user, "tamper": True}
            )
        ).json()
        refused = await ebay.client.post(
            "/webhooks/account-deletion", content=tampered["body"], headers=tampered["headers"]
        )
        assert refused.status_code == 412
        header = json.loads(base64.b64decode(tampered["headers"]["X-EBAY-SIGNATURE"]))
        header["signature"] = base64.b64encode(b"\x30\x06\x02\x01\x01\x02\x01\x01").decode()
        forged = {"X-EBAY-SIGNATURE": base64.b64encode(json.dumps(header).encode()).decode()}
        real = (
            await ebay.sandbox.post("/sandbox/notifications/account-deletion", json={"user_id": user})
        ).json()
        assert (
            await ebay.client.post("/webhooks/account-deletion", content=real["body"], headers=forged)
        ).status_code == 412
        assert (await ebay.client.post("/webhooks/account-deletion", content=real["body"])).status_code == 412
        assert len((await ebay.client.get("/accounts", headers=ebay.auth())).json()) == 1

        accepted = await ebay.client.post(
            "/webhooks/account-deletion", content=real["body"], headers=real["headers"]
        )
        assert accepted.status_code == 204
        assert (await ebay.client.get("/accounts", headers=ebay.auth())).json() == []
        async with ebay.runtime.db.session() as session:
            left = await session.scalar(
                sa.select(sa.func.count())
                .select_from(AccountDirectory)
                .where(AccountDirectory.ebay_user_id == user)
            )
            polls = await session.scalar(
                sa.select(sa.func.count())
                .select_from(OrderPoll)
                .where(OrderPoll.account_id == uuid.UUID(account))
            )
        assert (left, polls) == (0, 0)
        await ebay.wait_event("marketplace.account.disconnected", account_id=account)
        again = await ebay.client.post(
            "/webhooks/account-deletion", content=real["body"], headers=real["headers"]
        )
        assert again.status_code == 204
