"""Business policies chosen per listing: catalog checks them on the site (internal API), the listing goes out
with them (the single and the bulk path), keeps them, and a revise sends them again."""

from __future__ import annotations

import uuid

from vitrine_contracts.catalog import ListingPolicies
from vitrine_contracts.ebay_api import POLICIES_SCOPE, POLICY_CHECK_PATH

SHIPPING = {
    "kind": "fulfillment",
    "name": "Colissimo suivi",
    "handling_days": 2,
    "shipping_services": [{"service_code": "FR_ColiposteColissimo", "cost": "4.90"}],
}


def service(ebay, scope: str = POLICIES_SCOPE) -> dict[str, str]:
    scope = f"service {scope}"  # a client-credentials token
    return {"Authorization": f"Bearer {ebay.keys.issue(sub='catalog-service', roles=(), scope=scope)}"}


async def policies(ebay, account: str) -> dict[str, dict[str, str]]:
    """kind → {name: policy id} of the account's site."""
    listed = (await ebay.client.get(f"/accounts/{account}/policies", headers=ebay.auth())).json()
    out: dict[str, dict[str, str]] = {}
    for p in listed["policies"]:
        out.setdefault(p["kind"], {})[p["name"]] = p["policy_id"]
    return out


async def own_shipping(ebay, account: str) -> str:
    made = await ebay.client.post(f"/accounts/{account}/policies", json=SHIPPING, headers=ebay.auth())
    assert made.status_code == 201, made.text
    return str(made.json()["policy_id"])


async def offer_of(ebay, event) -> dict:
    sku = f"VTR-{event.publication_id.hex}"
    [offer] = (await ebay.sandbox.get("/sandbox/offers", params={"sku": sku})).json()
    return dict(offer["listingPolicies"])


async def check(ebay, body: dict, headers: dict[str, str] | None = None):
    return await ebay.client.post(POLICY_CHECK_PATH, json=body, headers=headers or service(ebay))


class TestCheck:
    async def test_faults_name_each_unknown_or_other_site_policy(self, ebay, h) -> None:
        fr = await h.ready_account(ebay)
        gb = await ebay.connect("EBAY_GB")
        await ebay.setup(gb)
        mine = await own_shipping(ebay, fr)
        gb_return = next(iter((await policies(ebay, gb))["return"].values()))
        body = {
            "tenant_id": str(ebay.tenant),
            "site": "EBAY_FR",
            "account_id": fr,
            "policies": {
                "fulfillment_policy_id": mine,
                "payment_policy_id": "404",
                "return_policy_id": gb_return,
            },
        }
        answer = await check(ebay, body)
        assert answer.status_code == 200, answer.text
        result = answer.json()
        assert result["account_id"] == fr
        assert [f["field"] for f in result["faults"]] == ["payment_policy_id", "return_policy_id"]
        assert "EBAY_FR" in result["faults"][1]["message"]

        fine = await check(ebay, {**body, "policies": {"fulfillment_policy_id": mine}})
        assert fine.json()["faults"] == []
        # The account catalog names is another site's: the site's own account reads them.
        on_gb = await check(ebay, {**body, "site": "EBAY_GB", "policies": {"return_policy_id": gb_return}})
        assert (on_gb.json()["account_id"], on_gb.json()["faults"]) == (gb, [])
        nowhere = await check(ebay, {**body, "site": "EBAY_DE", "account_id": None})
        assert [f["field"] for f in nowhere.json()["faults"]] == ["account"]

    async def test_only_a_service_token_with_the_scope_may_check(self, ebay, h) -> None:
        fr = await h.ready_account(ebay)
        body = {"tenant_id": str(ebay.tenant), "site": "EBAY_FR", "account_id": fr, "policies": {}}
        assert (await check(ebay, body, ebay.auth())).status_code == 403
        assert (await check(ebay, body, service(ebay, "media:read"))).status_code == 403
        unknown = await check(ebay, {**body, "tenant_id": str(uuid.uuid4())})
        assert unknown.status_code == 404
        bad = await check(ebay, {**body, "policies": {"shipping_policy_id": "1"}})
        assert bad.status_code == 422


class TestPublishWithPolicies:
    async def test_a_listing_goes_out_and_is_revised_with_its_own_policies(self, ebay, h) -> None:
        account = await h.ready_account(ebay)
        mine = await own_shipping(ebay, account)
        defaults = await policies(ebay, account)
        plain = h.request(account, title="Veste en jean Lee")
        chosen = h.request(account).model_copy(
            update={"policies": ListingPolicies(fulfillment_policy_id=mine)}
        )
        # Sent together: the bulk path groups them, each with its own policies.
        await ebay.send(chosen)
        await ebay.send(plain)
        for event in (chosen, plain):
            await ebay.wait_event("publication.succeeded", publication_id=str(event.publication_id))
        setup_shipping = next(i for n, i in defaults["fulfillment"].items() if n != SHIPPING["name"])
        assert (await offer_of(ebay, chosen))["fulfillmentPolicyId"] == mine
        assert (await offer_of(ebay, chosen))["paymentPolicyId"] == next(iter(defaults["payment"].values()))
        assert (await offer_of(ebay, plain))["fulfillmentPolicyId"] == setup_shipping

        listed = (await ebay.client.get("/listings", headers=ebay.auth())).json()["items"]
        shown = {x["publication_id"]: x["policies"] for x in listed}
        assert shown[str(chosen.publication_id)]["fulfillment_policy_id"] == mine
        assert shown[str(chosen.publication_id)]["return_policy_id"] == next(
            iter(defaults["return"].values())
        )
        assert shown[str(plain.publication_id)]["fulfillment_policy_id"] == setup_shipping

        # A revise carries the choice again (catalog keeps it); a choice dropped goes back to the default.
        revise = chosen.model_copy(update={"action": "revise", "attempt": 2, "policies": ListingPolicies()})
        await ebay.send(revise)
        await ebay.wait_event(
            "publication.succeeded", publication_id=str(chosen.publication_id), action="revise"
        )
        assert (await offer_of(ebay, chosen))["fulfillmentPolicyId"] == setup_shipping
        listed = (await ebay.client.get("/listings", headers=ebay.auth())).json()["items"]
        again = next(x for x in listed if x["publication_id"] == str(chosen.publication_id))
        assert again["policies"]["fulfillment_policy_id"] == setup_shipping
