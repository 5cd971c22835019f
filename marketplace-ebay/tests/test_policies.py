"""Business policies through Vitrine: list, create, replace, the default set; eBay's refusals as 422 by field."""

from __future__ import annotations

RETURN = {"kind": "return", "name": "Retours 30 jours", "return_days": 30, "return_shipping_paid_by": "BUYER"}
SHIPPING = {
    "kind": "fulfillment",
    "name": "Colissimo",
    "handling_days": 2,
    "shipping_services": [
        {"service_code": "FR_ColiposteColissimo", "cost": "4.90", "additional_cost": "1.00"}
    ],
}


class TestPolicies:
    async def test_create_list_replace_and_choose_the_default(self, ebay, h) -> None:
        account = await h.ready_account(ebay)
        base = f"/accounts/{account}/policies"
        made = await ebay.client.post(base, json=SHIPPING, headers=ebay.auth())
        assert made.status_code == 201, made.text
        shipping = made.json()
        assert shipping["shipping_services"][0]["service_code"] == "FR_ColiposteColissimo"
        assert not shipping["is_default"]
        listed = (await ebay.client.get(base, headers=ebay.auth())).json()
        assert listed["site"] == "EBAY_FR"
        assert listed["currency"] == "EUR"
        kinds = sorted(p["kind"] for p in listed["policies"])
        assert kinds == ["fulfillment", "fulfillment", "payment", "return"]  # the setup's three + the new one
        mine = next(p for p in listed["policies"] if p["policy_id"] == shipping["policy_id"])
        assert mine["handling_days"] == 2
        assert mine["shipping_services"][0]["cost"] == "4.90"
        assert mine["shipping_services"][0]["additional_cost"] == "1.00"

        replaced = await ebay.client.put(
            f"{base}/{shipping['policy_id']}", json={**SHIPPING, "handling_days": 1}, headers=ebay.auth()
        )
        assert replaced.status_code == 200, replaced.text
        assert replaced.json()["handling_days"] == 1

        chosen = await ebay.client.put(
            f"/accounts/{account}/policy-defaults",
            json={"fulfillment_policy_id": shipping["policy_id"]},
            headers=ebay.auth(),
        )
        assert chosen.status_code == 200, chosen.text
        assert chosen.json()["fulfillment_policy_id"] == shipping["policy_id"]
        assert chosen.json()["payment_policy_id"]  # kinds left out keep theirs
        after = (await ebay.client.get(base, headers=ebay.auth())).json()
        assert [
            p["policy_id"] for p in after["policies"] if p["is_default"] and p["kind"] == "fulfillment"
        ] == [shipping["policy_id"]]
        # new listings of the account go out with it
        event = h.request(account)
        await ebay.send(event)
        done = await ebay.wait_event("publication.succeeded", publication_id=str(event.publication_id))
        offers = (
            await ebay.sandbox.get("/sandbox/offers", params={"sku": f"VTR-{event.publication_id.hex}"})
        ).json()
        assert done["external_id"]
        assert offers[0]["listingPolicies"]["fulfillmentPolicyId"] == shipping["policy_id"]

    async def test_ebay_validation_is_a_422_naming_each_field(self, ebay, h) -> None:
        account = await h.ready_account(ebay)
        base = f"/accounts/{account}/policies"
        bad = await ebay.client.post(
            base, json={**RETURN, "return_days": 21, "refund_method": "CASH"}, headers=ebay.auth()
        )
        assert bad.status_code == 422, bad.text
        problem = bad.json()
        assert problem["type"].endswith("/policy-invalid")
        assert [e["field"] for e in problem["errors"]] == ["return_days", "refund_method"]
        assert "14, 30, 60" in problem["errors"][0]["message"]
        wrong_site = {
            **SHIPPING,
            "shipping_services": [{"service_code": "FR_Chronopost"}, {"service_code": "UK_EvriStandard"}],
        }
        bad = await ebay.client.post(base, json=wrong_site, headers=ebay.auth())
        assert [e["field"] for e in bad.json()["errors"]] == ["shipping_services[1].service_code"]
        taken = await ebay.client.post(
            base, json={**RETURN, "name": "Vitrine - 30-day returns"}, headers=ebay.auth()
        )
        assert [e["field"] for e in taken.json()["errors"]] == ["name"]  # the setup's own policy name

    async def test_unknown_policies_are_refused(self, ebay, h) -> None:
        account = await h.ready_account(ebay)
        missing = await ebay.client.put(f"/accounts/{account}/policies/123", json=RETURN, headers=ebay.auth())
        assert missing.status_code == 404
        assert missing.json()["type"].endswith("/policy-not-found")
        gb = await h.ready_account(ebay)  # another account: a policy of another seller is not this one's
        theirs = (await ebay.client.get(f"/accounts/{gb}/policies", headers=ebay.auth())).json()["policies"]
        other = next(p for p in theirs if p["kind"] == "return")
        chosen = await ebay.client.put(
            f"/accounts/{account}/policy-defaults",
            json={"return_policy_id": other["policy_id"], "payment_policy_id": "404"},
            headers=ebay.auth(),
        )
        assert chosen.status_code == 422
        assert {e["field"] for e in chosen.json()["errors"]} == {"return_policy_id", "payment_policy_id"}
