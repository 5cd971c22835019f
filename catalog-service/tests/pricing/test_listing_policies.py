"""A publish chooses eBay business policies per site: checked at marketplace-ebay (422 naming the field and
site of each refused), kept on the publication, shown, and sent again with every re-list and revise."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from catalog_service.errors import EbayPoliciesUnavailable
from vitrine_contracts.catalog import PublicationDelisted
from vitrine_contracts.common import Marketplace
from vitrine_contracts.ebay_api import PolicyCheckRequest, PolicyFault
from vitrine_contracts.marketplace import AccountConnected
from vitrine_kit.db import held

from .conftest import connect_ebay

# What the seller has on eBay, per site (marketplace-ebay reads it on eBay; its own tests cover that).
ON_EBAY = {"EBAY_FR": {"fulfillment": {"F-FR-2"}, "payment": {"P-FR"}, "return": {"R-FR"}}, "EBAY_GB": {}}


class FakeEbay:
    """marketplace-ebay's policy check, as its internal API answers it."""

    def __init__(self) -> None:
        self.asked: list[PolicyCheckRequest] = []
        self.down = False
        self.meanwhile: Callable[[], Awaitable[None]] | None = None  # what happens while eBay is asked

    async def check(self, request: PolicyCheckRequest) -> list[PolicyFault]:
        held.check_outbound("marketplace-ebay")  # as the real client does
        self.asked.append(request)
        if self.meanwhile is not None:
            await self.meanwhile()
        if self.down:
            raise EbayPoliciesUnavailable("marketplace-ebay unreachable")
        owned = ON_EBAY[request.site]
        return [
            PolicyFault(field=field, message=f"no {field.split('_')[0]} policy {i} on {request.site}")
            for field, i in request.policies.chosen().items()
            if i not in owned.get(field.split("_")[0], set())
        ]


@pytest.fixture
def ebay(app, monkeypatch) -> FakeEbay:
    fake = FakeEbay()
    monkeypatch.setattr(app.runtime.context, "ebay_policies", fake)
    return fake


async def publish(seller, product_id: str, body: dict):
    return await seller.post(f"/products/{product_id}/publications", json=body)


async def requests_of(seller, pub_id: str) -> list[dict]:
    return [e for e in await seller.emitted("publication.requested.ebay") if e["publication_id"] == pub_id]


class TestListingPolicies:
    async def test_chosen_policies_are_kept_shown_and_sent_again(self, seller, ebay, ecb_rates) -> None:
        accounts = await connect_ebay(seller, "EBAY_FR", "EBAY_GB")
        product = await seller.ready()
        body = {
            "marketplaces": ["ebay"],
            "ebay_sites": ["EBAY_FR", "EBAY_GB"],
            "ebay_policies": {"EBAY_FR": {"fulfillment_policy_id": "F-FR-2"}},
        }
        response = await publish(seller, product["id"], body)
        assert response.status_code == 202, response.text
        [asked] = ebay.asked  # only the site with a choice is asked about
        assert (asked.site, str(asked.account_id)) == ("EBAY_FR", accounts["EBAY_FR"])
        pubs = {p["site"]: p for p in response.json()}
        assert pubs["EBAY_FR"]["policies"] == {
            "fulfillment_policy_id": "F-FR-2",
            "payment_policy_id": None,
            "return_policy_id": None,
        }
        assert pubs["EBAY_GB"]["policies"]["fulfillment_policy_id"] is None
        fr = pubs["EBAY_FR"]["id"]
        [sent] = await requests_of(seller, fr)
        assert sent["policies"]["fulfillment_policy_id"] == "F-FR-2"

        # Listed, then a price edit: the revise carries the choice.
        await seller.succeed(pubs["EBAY_FR"], "1")
        assert (await seller.patch(f"/products/{product['id']}", json={"price": "50.00"})).status_code == 200

        async def revised() -> list[dict]:
            return [e for e in await requests_of(seller, fr) if e["action"] == "revise"]

        await seller.eventually(revised)
        assert (await revised())[0]["policies"]["fulfillment_policy_id"] == "F-FR-2"

        # Ended, then listed again without naming policies: the listing goes out as before.
        await seller.play(
            PublicationDelisted(
                publication_id=fr,
                product_id=product["id"],
                marketplace=Marketplace.EBAY,
                delisted_at=datetime.now(UTC),
                by="marketplace",
                reason="ended on eBay",
            )
        )

        async def delisted() -> bool:
            shown = (await seller.get(f"/products/{product['id']}/publications")).json()
            return any(p["site"] == "EBAY_FR" and p["status"] == "delisted" for p in shown)

        await seller.eventually(delisted)
        again = await publish(seller, product["id"], {"marketplaces": ["ebay"], "ebay_sites": ["EBAY_FR"]})
        assert again.status_code == 202, again.text
        relist = (await requests_of(seller, fr))[-1]
        assert (relist["action"], relist["policies"]["fulfillment_policy_id"]) == ("publish", "F-FR-2")
        assert len(ebay.asked) == 1  # nothing chosen this time: nothing to check

    async def test_policies_not_the_sellers_on_the_site_are_a_422_naming_field_and_site(
        self, seller, ebay, ecb_rates
    ) -> None:
        await connect_ebay(seller, "EBAY_FR", "EBAY_GB")
        product = await seller.ready()
        body = {
            "marketplaces": ["ebay"],
            "ebay_sites": ["EBAY_FR", "EBAY_GB"],
            "ebay_policies": {
                "EBAY_FR": {"fulfillment_policy_id": "F-FR-2", "return_policy_id": "R-GB"},
                "EBAY_GB": {"payment_policy_id": "P-FR"},
            },
        }
        response = await publish(seller, product["id"], body)
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["type"].endswith("publish-requirements-missing")
        assert [(p["site"], p["field"], p["code"]) for p in problem["missing"]] == [
            ("EBAY_FR", "policies.return_policy_id", "policy-invalid"),
            ("EBAY_GB", "policies.payment_policy_id", "policy-invalid"),
        ]
        assert "ebay[EBAY_FR].policies.return_policy_id" in problem["detail"]
        assert await seller.emitted("publication.requested") == []

        elsewhere = await publish(
            seller,
            product["id"],
            {"marketplaces": ["ebay"], "ebay_sites": ["EBAY_FR"], "ebay_policies": {"EBAY_GB": {}}},
        )
        assert elsewhere.status_code == 422
        nowhere = await publish(
            seller,
            product["id"],
            {
                "marketplaces": ["ebay"],
                "ebay_sites": ["EBAY_DE"],
                "ebay_policies": {"EBAY_DE": {"return_policy_id": "R"}},
            },
        )
        assert nowhere.status_code == 422
        assert {(p["field"], p["code"]) for p in nowhere.json()["missing"]} == {
            ("account", "no-account"),
            ("policies", "no-account"),
        }
        assert [(p["site"], p["code"]) for p in elsewhere.json()["missing"]] == [
            ("EBAY_GB", "site-not-published")
        ]

    async def test_malformed_choices_and_ebay_down_are_refused(self, seller, ebay) -> None:
        await connect_ebay(seller, "EBAY_FR")
        product = await seller.ready()
        for bad in (
            {"marketplaces": ["vinted"], "ebay_policies": {"EBAY_FR": {}}},
            {"marketplaces": ["ebay"], "ebay_policies": {"EBAY_XX": {}}},
            {"marketplaces": ["ebay"], "ebay_policies": {"EBAY_FR": {"shipping_policy_id": "1"}}},
            {"marketplaces": ["ebay"], "ebay_policies": {"EBAY_FR": {"payment_policy_id": ""}}},
        ):
            response = await publish(seller, product["id"], bad)
            assert response.status_code == 422, (bad, response.text)
        ebay.down = True
        down = await publish(
            seller,
            product["id"],
            {"marketplaces": ["ebay"], "ebay_policies": {"EBAY_FR": {"payment_policy_id": "P-FR"}}},
        )
        assert down.status_code == 503
        assert down.json()["type"].endswith("ebay-policies-unavailable")
        assert await seller.emitted("publication.requested") == []

    async def test_ebay_is_asked_with_no_connection_held_and_answers_are_unchanged(
        self, seller, ebay, ecb_rates
    ) -> None:
        await connect_ebay(seller, "EBAY_FR")
        product = await seller.ready()
        chosen = {"marketplaces": ["ebay"], "ebay_sites": ["EBAY_FR"]}
        with held.strict():
            refused = await publish(
                seller, product["id"], {**chosen, "ebay_policies": {"EBAY_FR": {"return_policy_id": "R-GB"}}}
            )
            ebay.down = True
            down = await publish(
                seller, product["id"], {**chosen, "ebay_policies": {"EBAY_FR": {"return_policy_id": "R-FR"}}}
            )
            ebay.down = False
            asked = len(ebay.asked)
            gone = await publish(
                seller,
                "00000000-0000-0000-0000-000000000000",
                {**chosen, "ebay_policies": {"EBAY_FR": {"return_policy_id": "R-FR"}}},
            )
            unasked = len(ebay.asked) == asked  # an unknown product is answered without asking eBay
            accepted = await publish(
                seller, product["id"], {**chosen, "ebay_policies": {"EBAY_FR": {"return_policy_id": "R-FR"}}}
            )
        assert refused.status_code == 422, refused.text
        assert [(p["field"], p["code"]) for p in refused.json()["missing"]] == [
            ("policies.return_policy_id", "policy-invalid")
        ]
        assert down.status_code == 503, down.text
        assert gone.status_code == 404, gone.text
        assert unasked
        assert accepted.status_code == 202, accepted.text
        [pub] = accepted.json()
        assert pub["policies"]["return_policy_id"] == "R-FR"
        assert [e["policies"]["return_policy_id"] for e in await requests_of(seller, pub["id"])] == ["R-FR"]

    async def test_an_account_changed_while_ebay_was_asked_is_a_409(self, seller, ebay, ecb_rates) -> None:
        await connect_ebay(seller, "EBAY_FR")
        product = await seller.ready()
        other = str(uuid.uuid4())

        async def reconnected() -> None:
            await seller.play(
                AccountConnected(marketplace=Marketplace.EBAY, account_id=other, site="EBAY_FR")
            )

            async def known() -> bool:
                shown = (await seller.get("/publish-defaults")).json()
                return {a["account_id"] for a in shown["ebay_accounts"]} == {other}

            await seller.eventually(known)

        ebay.meanwhile = reconnected
        body = {"marketplaces": ["ebay"], "ebay_policies": {"EBAY_FR": {"return_policy_id": "R-FR"}}}
        response = await publish(seller, product["id"], body)
        assert response.status_code == 409, response.text
        assert response.json()["type"].endswith("ebay-accounts-changed")
        assert await seller.emitted("publication.requested") == []
        ebay.meanwhile = None
        again = await publish(seller, product["id"], body)
        assert again.status_code == 202, again.text
        assert str(ebay.asked[-1].account_id) == other
