"""Taxonomy API: default tree per site, suggestions in the site's language, aspects of a leaf category."""

from __future__ import annotations

import secrets
import time

import httpx
import pytest
from sandbox_ebay.app import create_app
from sandbox_ebay.state import AccessToken, World

TAX = "/commerce/taxonomy/v1"


@pytest.fixture
async def ebay():
    world = World()
    token = secrets.token_urlsafe(16)
    world.access[token] = AccessToken(None, time.time() + 3600, [])  # an application token
    transport = httpx.ASGITransport(app=create_app(world=world))
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox", headers=headers) as client:
        yield client


async def tree_of(ebay, site: str) -> str:
    r = await ebay.get(f"{TAX}/get_default_category_tree_id", params={"marketplace_id": site})
    assert r.status_code == 200, r.text
    return str(r.json()["categoryTreeId"])


class TestTaxonomy:
    async def test_each_site_has_its_tree_and_an_unknown_site_is_refused(self, ebay) -> None:
        assert await tree_of(ebay, "EBAY_FR") == "71"
        assert await tree_of(ebay, "EBAY_GB") == "3"
        bad = await ebay.get(f"{TAX}/get_default_category_tree_id", params={"marketplace_id": "EBAY_XX"})
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["inputRefIds"] == ["marketplace_id"]
        assert (await ebay.get(f"{TAX}/get_default_category_tree_id")).status_code == 400

    async def test_suggestions_in_the_sites_language_with_ancestors(self, ebay) -> None:
        fr = await tree_of(ebay, "EBAY_FR")
        r = await ebay.get(
            f"{TAX}/category_tree/{fr}/get_category_suggestions", params={"q": "manteau femme"}
        )
        assert r.status_code == 200, r.text
        suggestions = r.json()["categorySuggestions"]
        assert 0 < len(suggestions) <= 10
        best = suggestions[0]
        assert "Manteaux" in best["category"]["categoryName"]
        assert best["categoryTreeNodeAncestors"][0]["categoryName"] == "Femme : vêtements"
        assert best["categoryTreeNodeAncestors"][-1]["categoryId"] == "11450"  # the root, last
        assert best["categoryTreeNodeLevel"] == len(best["categoryTreeNodeAncestors"]) + 1
        gb = await tree_of(ebay, "EBAY_GB")
        coats = await ebay.get(
            f"{TAX}/category_tree/{gb}/get_category_suggestions", params={"q": "women's coat"}
        )
        assert "Coats" in coats.json()["categorySuggestions"][0]["category"]["categoryName"]
        nothing = await ebay.get(
            f"{TAX}/category_tree/{gb}/get_category_suggestions", params={"q": "tractor"}
        )
        assert nothing.json()["categorySuggestions"] == []
        assert (
            await ebay.get(f"{TAX}/category_tree/9999/get_category_suggestions", params={"q": "x"})
        ).status_code == 404

    async def test_aspects_of_a_leaf_named_in_the_sites_language(self, ebay) -> None:
        for site, brand, size in (
            ("EBAY_FR", "Marque", "Taille"),
            ("EBAY_DE", "Marke", "Größe"),
            ("EBAY_GB", "Brand", "Size"),
        ):
            tree = await tree_of(ebay, site)
            r = await ebay.get(
                f"{TAX}/category_tree/{tree}/get_item_aspects_for_category", params={"category_id": "57988"}
            )
            assert r.status_code == 200, r.text
            required = [
                a["localizedAspectName"]
                for a in r.json()["aspects"]
                if a["aspectConstraint"]["aspectRequired"]
            ]
            assert required == [brand, size]
        fr = await tree_of(ebay, "EBAY_FR")
        branch = await ebay.get(
            f"{TAX}/category_tree/{fr}/get_item_aspects_for_category", params={"category_id": "11450"}
        )
        assert branch.status_code == 400  # not a leaf
        unknown = await ebay.get(
            f"{TAX}/category_tree/{fr}/get_item_aspects_for_category", params={"category_id": "1"}
        )
        assert unknown.status_code == 400

    async def test_a_token_is_needed(self, ebay) -> None:
        r = await ebay.get(
            f"{TAX}/get_default_category_tree_id",
            params={"marketplace_id": "EBAY_FR"},
            headers={"Authorization": ""},
        )
        assert r.status_code == 401
