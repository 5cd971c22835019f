from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import sqlalchemy as sa
from marketplace_etsy.accounts.tokens import token_service
from marketplace_etsy.models import AccountStatus, EtsyAccount, OAuthState, ReceiptPoll, ShopDirectory
from vitrine_kit.db.base import utcnow


async def state_rows(etsy) -> list[OAuthState]:
    async with etsy.runtime.db.session() as session:
        rows = await session.execute(sa.select(OAuthState).where(OAuthState.tenant_id == etsy.tenant))
        return list(rows.scalars())


class TestConnect:
    async def test_connecting_stores_the_shop_with_its_tokens_encrypted(self, etsy) -> None:
        url = await etsy.start()
        query = parse_qs(urlparse(url).query)
        assert query["code_challenge_method"] == ["S256"]
        assert query["client_id"] == ["vitrine-local-keystring"]
        assert query["scope"] == ["listings_r listings_w listings_d transactions_r shops_r"]
        [state] = await state_rows(etsy)
        # Neither the state nor the verifier is stored as sent: a hash and a ciphertext.
        assert state.state_hash != query["state"][0]
        assert len(state.state_hash) == 64
        assert etsy.ctx.cipher.decrypt(state.verifier_enc) not in url
        assert state.user_id == etsy.user
        landed = await etsy.callback(await etsy.consent(url))
        assert landed["etsy"] == "connected"
        account = await etsy.account()
        assert str(account.id) == landed["account_id"]
        assert account.shop_id
        assert account.shop_name
        assert account.currency == "EUR"
        assert account.status is AccountStatus.ACTIVE
        users = (await etsy.sandbox.get("/sandbox/users")).json()
        assert any(u["user_id"] == account.etsy_user_id for u in users)
        access = etsy.ctx.cipher.decrypt(account.access_token_enc)
        assert access.startswith(f"{account.etsy_user_id}.")
        assert access not in account.access_token_enc
        shown = await etsy.client.get("/account", headers=etsy.auth())
        assert shown.status_code == 200
        assert shown.json()["shop_id"] == account.shop_id
        assert "token" not in shown.text
        connected = await etsy.wait_event("marketplace.account.connected", account_id=landed["account_id"])
        assert connected["marketplace"] == "etsy"
        async with etsy.runtime.db.session() as session:
            assert (await session.get(ShopDirectory, account.shop_id)).tenant_id == etsy.tenant
            assert (await session.get(ReceiptPoll, account.shop_id)).account_id == account.id
        [state] = await state_rows(etsy)
        assert state.used_at is not None

    async def test_only_a_signed_in_user_starts_a_connection(self, etsy) -> None:
        token = etsy.keys.issue(sub="device-1", tenant_id=etsy.tenant, scope="plugin", aud="vitrine-plugin")
        refused = await etsy.client.post("/oauth/authorize", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code in (401, 403)
        assert (await etsy.client.post("/oauth/authorize")).status_code == 401

    async def test_a_forged_state_is_refused(self, etsy) -> None:
        query = await etsy.consent(await etsy.start())
        landed = await etsy.callback({**query, "state": "forged-" + query["state"]})
        assert landed == {"etsy": "error", "reason": "invalid-state"}

    async def test_a_replayed_state_is_refused(self, etsy) -> None:
        query = await etsy.consent(await etsy.start())
        assert (await etsy.callback(query))["etsy"] == "connected"
        assert await etsy.callback(query) == {"etsy": "error", "reason": "state-used"}

    async def test_an_expired_state_is_refused(self, etsy) -> None:
        query = await etsy.consent(await etsy.start())
        async with etsy.runtime.db.session() as session:
            await session.execute(
                sa.update(OAuthState).where(OAuthState.tenant_id == etsy.tenant).values(expires_at=utcnow())
            )
            await session.commit()
        assert await etsy.callback(query) == {"etsy": "error", "reason": "state-expired"}
        assert (await etsy.client.get("/account", headers=etsy.auth())).status_code == 404

    async def test_a_consent_link_finished_in_another_browser_connects_nothing(self, etsy) -> None:
        # The attacker starts a connection in their own tenant and sends the consent link to a victim.
        attacker_link = await etsy.start()
        victim_query = await etsy.consent(attacker_link, user="victim-shop")
        transport = etsy.client._transport
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as victim_browser:
            landed = await etsy.callback(victim_query, client=victim_browser)
        assert landed == {"etsy": "error", "reason": "other-browser"}
        assert (await etsy.client.get("/account", headers=etsy.auth())).status_code == 404
        # and the state is spent: the attacker's own browser cannot use the victim's code either
        assert await etsy.callback(victim_query) == {"etsy": "error", "reason": "state-used"}

    async def test_a_declined_consent_goes_back_to_the_app(self, etsy) -> None:
        query = await etsy.consent(await etsy.start(), deny="1")
        assert await etsy.callback(query) == {"etsy": "error", "reason": "declined"}

    async def test_a_shop_is_connected_to_one_tenant_only(self, etsy) -> None:
        name = f"shop{uuid.uuid4().hex[:8]}"
        await etsy.connect(user=name)
        other = uuid.uuid4()
        query = await etsy.consent(await etsy.start(tenant=other), user=name)
        assert await etsy.callback(query) == {"etsy": "error", "reason": "shop-connected-elsewhere"}

    async def test_disconnecting_forgets_the_shop(self, etsy) -> None:
        account_id = await etsy.connect()
        gone = await etsy.client.delete("/account", headers=etsy.auth())
        assert gone.status_code == 204
        assert (await etsy.client.get("/account", headers=etsy.auth())).status_code == 404
        async with etsy.runtime.db.session() as session:
            assert await session.get(ReceiptPoll, etsy.shop_id) is None
            # The claim stays, stale: no account behind it (taken over by the next tenant, see below).
            assert (await session.get(ShopDirectory, etsy.shop_id)).tenant_id == etsy.tenant
        await etsy.wait_event("marketplace.account.disconnected", account_id=account_id)

    async def test_a_stale_claim_goes_to_the_next_tenant_a_live_one_does_not(self, etsy) -> None:
        name = f"shop{uuid.uuid4().hex[:8]}"
        await etsy.connect(user=name)
        shop_id = etsy.shop_id
        other = uuid.uuid4()

        async def claim(**values: Any) -> None:
            async with etsy.runtime.db.session() as session:
                await session.execute(
                    sa.update(ShopDirectory).where(ShopDirectory.shop_id == shop_id).values(**values)
                )
                await session.commit()

        async def try_as(tenant: uuid.UUID) -> dict[str, str]:
            return await etsy.callback(await etsy.consent(await etsy.start(tenant=tenant), user=name))

        elsewhere = {"etsy": "error", "reason": "shop-connected-elsewhere"}
        await claim(claimed_at=utcnow() - timedelta(hours=1))
        assert await try_as(other) == elsewhere  # an old claim, but its tenant holds the shop
        assert (await etsy.client.delete("/account", headers=etsy.auth())).status_code == 204
        assert (await try_as(other))["etsy"] == "connected"  # stale: no account behind it any more
        async with etsy.runtime.db.session() as session:
            assert (await session.get(ShopDirectory, shop_id)).tenant_id == other
            assert (await session.get(ReceiptPoll, shop_id)).tenant_id == other
        # A claim left by a connection that failed after claiming: kept while it may still be completing.
        async with etsy.runtime.db.tenant_session(other) as session:
            await session.execute(sa.delete(ReceiptPoll).where(ReceiptPoll.shop_id == shop_id))
            await session.execute(sa.delete(EtsyAccount))
            await session.commit()
        await claim(tenant_id=uuid.uuid4(), account_id=uuid.uuid4(), claimed_at=utcnow())
        assert await try_as(etsy.tenant) == elsewhere
        await claim(claimed_at=utcnow() - timedelta(hours=1))
        assert (await try_as(etsy.tenant))["etsy"] == "connected"


class TestTokens:
    async def test_an_expiring_token_is_refreshed_and_the_rotated_pair_committed_before_use(
        self, etsy
    ) -> None:
        await etsy.connect()
        before = await etsy.account()
        old_refresh = etsy.ctx.cipher.decrypt(before.refresh_token_enc)
        await etsy.set_account(access_expires_at=utcnow())
        seen: list[tuple[str, str]] = []
        adapter = etsy.ctx.etsy
        original = adapter.shipping_profiles

        async def spy(shop):
            # What the database holds (another session: committed only) when the new token is first used.
            stored = await etsy.account()
            seen.append((etsy.ctx.cipher.decrypt(stored.access_token_enc), shop.access_token))
            return await original(shop)

        adapter.shipping_profiles = spy
        try:
            setup = await etsy.client.get("/account/setup", headers=etsy.auth())
        finally:
            del adapter.shipping_profiles
        assert setup.status_code == 200, setup.text
        [(stored_access, used_access)] = seen
        assert stored_access == used_access
        after = await etsy.account()
        new_refresh = etsy.ctx.cipher.decrypt(after.refresh_token_enc)
        assert new_refresh != old_refresh
        assert after.access_expires_at > before.access_expires_at
        assert len(await etsy.requests("/v3/public/oauth/token")) >= 1
        # Etsy rotated: the old refresh token is dead, the stored one works.
        dead = await etsy.sandbox.post(
            "/v3/public/oauth/token",
            data={
                "grant_type": "refresh_token",
                "client_id": "vitrine-local-keystring",
                "refresh_token": old_refresh,
            },
        )
        assert dead.status_code == 400

    async def test_concurrent_callers_refresh_once(self, etsy) -> None:
        await etsy.connect()
        await etsy.set_account(access_expires_at=utcnow())
        before = len(await etsy.requests("/v3/public/oauth/token"))
        account = await etsy.account()
        shops = await asyncio.gather(*(token_service.fresh(etsy.ctx, etsy.tenant, account) for _ in range(4)))
        assert len({s.access_token for s in shops}) == 1
        assert len(await etsy.requests("/v3/public/oauth/token")) == before + 1

    async def test_a_refused_access_token_is_refreshed_once_and_the_call_completes(self, etsy) -> None:
        await etsy.connect()
        await etsy.sandbox.post("/sandbox/tokens/expire", json={"user_id": etsy.etsy_user})
        setup = await etsy.client.get("/account/setup", headers=etsy.auth())
        assert setup.status_code == 200, setup.text

    async def test_a_refused_refresh_asks_for_reconnection_once(self, etsy) -> None:
        account_id = await etsy.connect()
        await etsy.sandbox.post("/sandbox/tokens/revoke", json={"user_id": etsy.etsy_user})
        for _ in range(2):
            setup = await etsy.client.get("/account/setup", headers=etsy.auth())
            assert setup.status_code == 409
            assert setup.json()["type"].endswith("/account-reconnect")
        assert (await etsy.account()).status is AccountStatus.RECONNECT
        expired = await etsy.wait_event("marketplace.account.session_expired", account_id=account_id)
        assert expired["marketplace"] == "etsy"
        assert len(await etsy.events("marketplace.account.session_expired")) == 1
        # Connecting again brings it back.
        await etsy.connect(user=str(etsy.etsy_user))
        assert (await etsy.account()).status is AccountStatus.ACTIVE


class TestSetup:
    async def test_a_new_shop_is_ready(self, etsy) -> None:
        await etsy.connect()
        setup = (await etsy.client.get("/account/setup", headers=etsy.auth())).json()
        assert setup["ready"] is True
        assert [i["item"] for i in setup["checklist"]] == [
            "shop",
            "shipping_profile",
            "processing_profile",
            "return_policy",
        ]
        assert all(i["ok"] for i in setup["checklist"])
        account = await etsy.account()
        assert account.shipping_profile_id
        assert account.readiness_state_id
        assert account.return_policy_id

    async def test_a_us_shop_without_a_return_policy_is_told_how_to_fix_it(self, etsy) -> None:
        await etsy.connect(country="US", currency="USD")
        await etsy.sandbox.delete(f"/sandbox/shops/{etsy.shop_id}/return-policies")
        setup = (await etsy.client.get("/account/setup", headers=etsy.auth())).json()
        assert setup["ready"] is False
        missing = [i for i in setup["checklist"] if not i["ok"]]
        assert [(i["item"], i["required"]) for i in missing] == [("return_policy", True)]
        assert "return policy" in missing[0]["fix"]

    async def test_an_eu_shop_may_go_without_a_return_policy(self, etsy) -> None:
        await etsy.connect(country="FR")
        await etsy.sandbox.delete(f"/sandbox/shops/{etsy.shop_id}/return-policies")
        setup = (await etsy.client.get("/account/setup", headers=etsy.auth())).json()
        assert setup["ready"] is True
        [returns] = [i for i in setup["checklist"] if i["item"] == "return_policy"]
        assert (returns["ok"], returns["required"]) == (False, False)

    async def test_without_a_shipping_profile_the_shop_is_not_ready(self, etsy) -> None:
        await etsy.connect()
        await etsy.sandbox.delete(f"/sandbox/shops/{etsy.shop_id}/shipping-profiles")
        setup = (await etsy.client.get("/account/setup", headers=etsy.auth())).json()
        assert setup["ready"] is False
        [missing] = [i for i in setup["checklist"] if not i["ok"]]
        assert missing["item"] == "shipping_profile"
        assert missing["fix"]
        async with etsy.runtime.db.tenant_session(etsy.tenant) as session:
            account = (await session.execute(sa.select(EtsyAccount))).scalar_one()
        assert account.shipping_profile_id is None

    async def test_without_a_shop_connected_the_setup_says_so(self, etsy) -> None:
        response = await etsy.client.get("/account/setup", headers=etsy.auth())
        assert response.status_code == 404
        assert response.json()["type"].endswith("/etsy-account-not-found")
