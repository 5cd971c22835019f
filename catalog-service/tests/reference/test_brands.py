"""Brands: paged search of the shared list, and a typed brand the list lacks kept pending review."""

from __future__ import annotations

import uuid


def as_role(seller, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {seller.app.keys.issue(tenant_id=seller.tenant_id, roles=(role,))}"}


def as_service(seller, scope: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {seller.app.keys.issue(sub='curation', roles=(), scope=scope)}"}


class TestSearch:
    async def test_pages_follow_the_cursor_without_repeats(self, seller) -> None:
        at_once = (await seller.get("/reference/brands", params={"limit": 200})).json()["items"]
        seen, cursor = [], None
        for _ in range(40):
            params = {"limit": 7} | ({"cursor": cursor} if cursor else {})
            page = (await seller.get("/reference/brands", params=params)).json()
            seen += [b["code"] for b in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None or len(seen) >= len(at_once):
                break
        assert len(at_once) >= 58
        assert seen[: len(at_once)] == [b["code"] for b in at_once]
        assert len(set(seen)) == len(seen)
        bad = await seller.get("/reference/brands", params={"cursor": "not-a-cursor"})
        assert bad.status_code == 422
        assert bad.json()["type"].endswith("/invalid-cursor")

    async def test_names_starting_with_the_query_come_first(self, seller) -> None:
        found = (await seller.get("/reference/brands", params={"q": "co"})).json()["items"]
        starts = [b["name"].lower().startswith("co") for b in found]
        assert starts[0]
        assert starts == sorted(starts, reverse=True)  # every prefix match before the rest
        assert "Converse" in [b["name"] for b in found]


class TestTypedBrands:
    async def test_an_unknown_brand_is_kept_on_the_product_and_pending_not_shared(self, seller) -> None:
        name = f"Atelier Zoë {uuid.uuid4().hex[:6]}"
        product = await seller.create(**seller.sample(brand=name))
        assert product["brand"] == name
        again = await seller.create(**seller.sample(brand=name.upper()))  # same brand, other case
        assert again["brand"] == name.upper()
        pending = (await seller.get("/reference/brands/pending")).json()["items"]
        assert [(p["name"], p["status"], p["code"]) for p in pending] == [(name, "pending", None)]
        shared = (await seller.get("/reference/brands", params={"q": name})).json()["items"]
        assert shared == []  # out of the shared list until reviewed
        assert (await seller.app.seller().get("/reference/brands/pending")).json()[
            "items"
        ] == []  # per account

    async def test_a_known_name_or_alias_becomes_its_code(self, seller) -> None:
        product = await seller.create(**seller.sample(brand="Hennes & Mauritz"))
        assert product["brand"] == "h-and-m"
        assert (await seller.get("/reference/brands/pending")).json()["items"] == []

    async def test_vinted_needs_a_brand_id_the_typed_brand_lacks(self, seller) -> None:
        product = await seller.ready(brand="Brand Nobody Knows")
        response = await seller.post(
            f"/products/{product['id']}/publications", json={"marketplaces": ["vinted"]}
        )
        assert response.status_code == 422, response.text
        [missing] = response.json()["missing"]
        assert (missing["field"], missing["code"]) == ("brand", "unmapped")
        assert "'Brand Nobody Knows'" in missing["message"]

    async def test_ebay_gets_the_typed_brand_as_its_brand_aspect(self, seller) -> None:
        product = await seller.ready(brand="Brand Nobody Knows")
        await seller.publish(product["id"], "ebay")
        [requested] = await seller.eventually(lambda: seller.emitted("publication.requested"))
        assert requested["snapshot"]["mapping"]["aspects"]["Marque"] == ["Brand Nobody Knows"]  # EBAY_FR
        assert requested["snapshot"]["brand"] == "Brand Nobody Knows"

    async def test_only_a_curator_adds_it_to_the_shared_list_and_the_products_get_its_code(
        self, seller
    ) -> None:
        name = f"Maison Test {uuid.uuid4().hex[:6]}"
        product = await seller.create(**seller.sample(brand=name))
        [pending] = (await seller.get("/reference/brands/pending")).json()["items"]
        url = f"/internal/reference/brands/pending/{seller.tenant_id}/{pending['id']}/accept"
        # The shared list is every seller's: no seller's role reaches it, nor another service's scope.
        for headers in (as_role(seller, "owner"), as_service(seller, "service media:read")):
            refused = await seller.post(url, headers=headers)
            assert refused.status_code == 403, refused.text
        curator = as_service(seller, "service catalog:brands-review")
        other = await seller.post(
            f"/internal/reference/brands/pending/{uuid.uuid4()}/{pending['id']}/accept", headers=curator
        )
        assert other.status_code == 404, other.text
        accepted = await seller.post(url, headers=curator)
        assert accepted.status_code == 200, accepted.text
        code = accepted.json()["code"]
        assert (accepted.json()["status"], code) == ("accepted", name.lower().replace(" ", "-"))
        assert (await seller.product(product["id"]))["brand"] == code

        async def shared() -> list | None:
            return (await seller.get("/reference/brands", params={"q": name})).json()["items"] or None

        assert [b["code"] for b in await seller.eventually(shared)] == [code]
        twice = await seller.post(url, headers=curator)
        assert twice.status_code == 409
        # Typed again later, it is the shared brand now.
        assert (await seller.create(**seller.sample(brand=name.lower())))["brand"] == code

    async def test_a_rejected_brand_stays_free_text_and_out_of_the_list(self, seller) -> None:
        name = f"Not A Brand {uuid.uuid4().hex[:6]}"
        product = await seller.create(**seller.sample(brand=name))
        [pending] = (await seller.get("/reference/brands/pending")).json()["items"]
        rejected = await seller.post(f"/reference/brands/pending/{pending['id']}/reject")
        assert (rejected.status_code, rejected.json()["status"]) == (200, "rejected")
        assert (await seller.product(product["id"]))["brand"] == name
        assert (await seller.get("/reference/brands", params={"q": name})).json()["items"] == []
        listed = (await seller.get("/reference/brands/pending", params={"status": "pending"})).json()["items"]
        assert listed == []
        unknown = await seller.post(f"/reference/brands/pending/{uuid.uuid4()}/reject")
        assert unknown.status_code == 404
