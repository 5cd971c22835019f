from __future__ import annotations

import httpx
import sqlalchemy as sa
from marketplace_ebay.models import EbayAccount, OAuthState
from vitrine_marketplace.oauth import state_digest


class TestConnect:
    async def test_connect_stores_tokens_encrypted_and_several_accounts_per_tenant(self, ebay) -> None:
        fr = await ebay.connect("EBAY_FR")
        gb = await ebay.connect("EBAY_GB")
        listed = (await ebay.client.get("/accounts", headers=ebay.auth())).json()
        assert {(a["id"], a["site"]) for a in listed} == {(fr, "EBAY_FR"), (gb, "EBAY_GB")}
        assert "access_token" not in str(listed)
        async with ebay.runtime.db.tenant_session(ebay.tenant) as session:
            rows = (await session.execute(sa.select(EbayAccount))).scalars().all()
        for row in rows:
            assert "sbx-at" not in row.access_token_enc
            assert "sbx-rt" not in (row.refresh_token_enc or "")
            assert ebay.ctx.cipher.decrypt(row.access_token_enc).startswith("v^1.1#i^1#sbx-at-")
        connected = await ebay.wait_event("marketplace.account.connected", account_id=fr)
        assert connected["site"] == "EBAY_FR"

    async def test_forged_state_is_refused(self, ebay) -> None:
        query = await ebay.consent()
        forged = await ebay.client.get(
            "/oauth/callback", params={"code": query["code"], "state": "forged-" + query["state"]}
        )
        assert forged.status_code == 400
        assert forged.json()["type"].endswith("invalid-oauth-state")

    async def test_a_callback_in_another_browser_connects_nothing(self, ebay) -> None:
        query = await ebay.consent()  # the seller's own browser holds the connection cookie
        victim = httpx.AsyncClient(transport=ebay.client._transport, base_url="http://testserver")
        async with victim:
            back = await victim.get(
                "/oauth/callback", params={"code": query["code"], "state": query["state"]}
            )
        assert back.status_code == 400, back.text
        assert back.json()["type"].endswith("/oauth-other-browser")
        assert (await ebay.client.get("/accounts", headers=ebay.auth())).json() == []
        # The state is used up: the right browser cannot finish it afterwards either.
        again = await ebay.client.get(
            "/oauth/callback", params={"code": query["code"], "state": query["state"]}
        )
        assert again.status_code == 400

    async def test_replayed_state_is_refused(self, ebay) -> None:
        query = await ebay.consent()
        first = await ebay.client.get("/oauth/callback", params=query)
        assert first.status_code == 303
        again = await ebay.client.get("/oauth/callback", params=query)
        assert again.status_code == 400

    async def test_expired_state_is_refused(self, ebay) -> None:
        query = await ebay.consent()
        async with ebay.runtime.db.session() as session:
            await session.execute(
                sa.update(OAuthState)
                .where(OAuthState.state_hash == state_digest(query["state"]))
                .values(expires_at=OAuthState.created_at)
            )
            await session.commit()
        late = await ebay.client.get("/oauth/callback", params=query)
        assert late.status_code == 400

    async def test_the_state_is_stored_hashed_and_bound_to_tenant_and_user(self, ebay) -> None:
        query = await ebay.consent()
        async with ebay.runtime.db.session() as session:
            assert await session.get(OAuthState, query["state"]) is None
            stored = await session.get(OAuthState, state_digest(query["state"]))
        assert (stored.tenant_id, stored.user_id) == (ebay.tenant, ebay.user)

    async def test_unknown_site_and_declined_consent(self, ebay) -> None:
        bad = await ebay.client.post("/oauth/authorize", json={"site": "EBAY_XX"}, headers=ebay.auth())
        assert bad.status_code == 422
        declined = await ebay.client.get("/oauth/callback", params={"error": "access_denied", "state": "x"})
        assert declined.status_code == 303
        assert "declined" in declined.headers["location"]

    async def test_disconnect(self, ebay) -> None:
        account = await ebay.connect()
        assert (await ebay.client.delete(f"/accounts/{account}", headers=ebay.auth())).status_code == 204
        assert (await ebay.client.get("/accounts", headers=ebay.auth())).json() == []
        await ebay.wait_event("marketplace.account.disconnected", account_id=account)


class TestSetup:
    async def test_checklist_then_guided_setup(self, ebay) -> None:
        account = await ebay.connect()
        before = (await ebay.client.get(f"/accounts/{account}/setup", headers=ebay.auth())).json()
        assert not before["ready"]
        assert {i["item"] for i in before["checklist"]} == {
            "business_policies_opt_in",
            "fulfillment_policy",
            "payment_policy",
            "return_policy",
            "inventory_location",
        }
        after = await ebay.setup(account)
        assert after["ready"], after
        again = await ebay.setup(account)  # idempotent: nothing created twice
        assert again["checklist"] == after["checklist"]
