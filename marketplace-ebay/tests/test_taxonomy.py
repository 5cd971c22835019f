"""Category suggestions and required item specifics from the Taxonomy API, cached per (site, category)."""

from __future__ import annotations

ASPECTS_CALL = "GET /commerce/taxonomy/v1/category_tree/71/get_item_aspects_for_category"


async def aspect_calls(ebay) -> int:
    return int((await ebay.sandbox.get("/sandbox/requests")).json().get(ASPECTS_CALL, 0))


class TestSuggestions:
    async def test_suggestions_in_the_sites_language(self, ebay) -> None:
        r = await ebay.client.get(
            "/categories/suggestions", params={"q": "manteau femme", "site": "EBAY_FR"}, headers=ebay.auth()
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["category_tree_id"] == "71"
        best = body["suggestions"][0]
        assert "Manteaux" in best["name"]
        assert best["path"][0] == "Vêtements, accessoires"
        assert best["path"][-1] == best["name"]
        assert "Femme : vêtements" in best["path"]
        gb = await ebay.client.get(
            "/categories/suggestions", params={"q": "women's coat", "site": "EBAY_GB"}, headers=ebay.auth()
        )
        assert gb.json()["suggestions"][0]["category_id"] == best["category_id"]  # ids are global

    async def test_bad_queries_are_refused(self, ebay) -> None:
        unknown = await ebay.client.get(
            "/categories/suggestions", params={"q": "manteau", "site": "EBAY_XX"}, headers=ebay.auth()
        )
        assert unknown.status_code == 422
        assert unknown.json()["type"].endswith("/unknown-site")
        short = await ebay.client.get("/categories/suggestions", params={"q": "m"}, headers=ebay.auth())
        assert short.status_code == 422
        assert (await ebay.client.get("/categories/suggestions", params={"q": "manteau"})).status_code == 401


class TestAspects:
    async def test_aspects_are_cached_per_site_and_category_until_the_ttl(self, ebay) -> None:
        ebay.ctx.taxonomy_cache.clear()
        before = await aspect_calls(ebay)
        first = await ebay.client.get(
            "/categories/57988/aspects", params={"site": "EBAY_FR"}, headers=ebay.auth()
        )
        assert first.status_code == 200, first.text
        assert first.json()["required"] == ["Marque", "Taille"]
        again = await ebay.client.get(
            "/categories/57988/aspects", params={"site": "EBAY_FR"}, headers=ebay.auth()
        )
        assert again.json() == first.json()
        assert await aspect_calls(ebay) == before + 1
        gb = await ebay.client.get(
            "/categories/57988/aspects", params={"site": "EBAY_GB"}, headers=ebay.auth()
        )
        assert gb.json()["required"] == ["Brand", "Size"]  # another site, another entry
        cache = ebay.ctx.taxonomy_cache
        later = cache.clock() + ebay.ctx.settings.taxonomy_cache_ttl_s + 1
        cache.clock = lambda: later
        await ebay.client.get("/categories/57988/aspects", params={"site": "EBAY_FR"}, headers=ebay.auth())
        assert await aspect_calls(ebay) == before + 2

    async def test_the_check_names_every_missing_aspect(self, ebay) -> None:
        path = "/categories/57988/aspects/check"
        bad = await ebay.client.post(
            path,
            params={"site": "EBAY_FR"},
            json={"aspects": {"Brand": ["Levi's"], "Taille": [""]}},
            headers=ebay.auth(),
        )
        assert bad.status_code == 422
        problem = bad.json()
        assert problem["type"].endswith("/aspects-missing")
        assert problem["missing"] == ["Marque", "Taille"]
        ok = await ebay.client.post(
            path,
            params={"site": "EBAY_FR"},
            json={"aspects": {"marque": ["Levi's"], "Taille": ["M"]}},
            headers=ebay.auth(),
        )
        assert ok.status_code == 200, ok.text
        branch = await ebay.client.get(
            "/categories/11450/aspects", params={"site": "EBAY_FR"}, headers=ebay.auth()
        )
        assert branch.status_code == 422
        assert branch.json()["type"].endswith("/category-invalid")


class TestPublishCheck:
    async def test_a_publish_missing_required_aspects_fails_naming_them(
        self, make_settings, sandbox, test_keys, h
    ) -> None:
        async with h.started(make_settings(check_required_aspects=True), sandbox, test_keys) as ebay:
            account = await h.ready_account(ebay)
            event = h.request(account)
            event.snapshot.mapping.aspects = {"Brand": ["Levi's"]}  # English names on EBAY_FR
            await ebay.send(event)
            failed = await ebay.wait_event("publication.failed", publication_id=str(event.publication_id))
            assert failed["code"] == "aspects-missing"
            assert failed["reason"].endswith("Marque, Taille.")
            good = h.request(account)  # Marque, Taille
            await ebay.send(good)
            done = await ebay.wait_event("publication.succeeded", publication_id=str(good.publication_id))
            assert done["external_id"]
