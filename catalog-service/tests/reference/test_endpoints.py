from __future__ import annotations


class TestReference:
    async def test_types_cover_the_prior_systems_attributes(self, seller) -> None:
        types = (await seller.get("/reference")).json()
        for expected in ("category", "colour", "condition", "material", "size", "gender", "fit", "season",
                         "pattern", "neckline", "sleeve_length", "length", "rise", "closure", "stretch",
                         "lining", "origin", "decade", "sport", "trend", "brand"):  # fmt: skip
            assert expected in types

    async def test_labels_per_language(self, seller) -> None:
        colours = {
            c["code"]: c for c in (await seller.get("/reference/colour", params={"lang": "de"})).json()
        }
        assert colours["white"]["label"] == "Weiß"
        assert colours["white"]["labels"] == {
            "en": "White",
            "fr": "Blanc",
            "de": "Weiß",
            "it": "Bianco",
            "es": "Blanco",
        }
        dresses = (await seller.get("/reference/category", params={"lang": "fr", "q": "robe"})).json()
        assert ("dresses", "dresses-jumpsuits") in [(c["code"], c["parent"]) for c in dresses]
        assert "jeans" not in [c["code"] for c in dresses]
        conditions = (await seller.get("/reference/condition", params={"lang": "it"})).json()
        assert conditions[0]["label"] == "Nuovo con cartellino"
        assert (await seller.get("/reference/nonsense")).status_code == 404

    async def test_brands_are_found_by_alias_without_accents_or_case(self, seller) -> None:
        by_alias = (await seller.get("/reference/brands", params={"q": "tnf"})).json()["items"]
        assert [b["name"] for b in by_alias] == ["The North Face"]
        assert [
            b["code"] for b in (await seller.get("/reference/brands", params={"q": "SEZANE"})).json()["items"]
        ] == ["sezane"]
        levis = (await seller.get("/reference/brands", params={"q": "levis"})).json()["items"]
        assert levis[0]["name"] == "Levi's"
        hm = (await seller.get("/reference/brands", params={"q": "Hennes"})).json()["items"]
        assert [b["code"] for b in hm] == ["h-and-m"]

    async def test_marketplace_mappings(self, seller) -> None:
        ebay = (
            await seller.get("/reference/mappings/ebay", params={"kind": "category", "code": "dresses"})
        ).json()
        assert {(m["gender"], m["site"], m["external_id"]) for m in ebay} >= {("women", "EBAY_FR", "63861")}
        assert {m["site"] for m in ebay} == {"EBAY_FR", "EBAY_BE", "EBAY_ES", "EBAY_NL", "EBAY_IT", "EBAY_GB",
                                             "EBAY_PL", "EBAY_DE"}  # fmt: skip
        conditions = (await seller.get("/reference/mappings/vinted", params={"kind": "condition"})).json()
        assert {m["code"]: m["external_id"] for m in conditions}["new_with_tags"] == "6"
        when_made = (await seller.get("/reference/mappings/etsy", params={"kind": "when_made"})).json()
        assert {m["code"]: m["external_id"] for m in when_made}["default"] == "2020_2026"
        assert (await seller.get("/reference/mappings/amazon")).status_code == 422
