"""Vinted's reference answers kept as Vinted mappings, and a Vinted publish carrying every id from them.

The answers are sandbox-vinted's (the stand-in's data, in the event's normalised shape). They agree with the
committed seed where both say something, so other tests sharing this database see the same ids.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from catalog_service.reference.catalog import BrandInfo, Mapping, ReferenceCatalog, Value
from catalog_service.reference.vinted import resolve, size_parts
from sandbox_vinted import reference as vinted
from vitrine_contracts.relay.v1 import ReferenceKind
from vitrine_contracts.vinted import VintedReferenceFetched

BRANDS = vinted.BRANDS[
    :5000
]  # the known head and enough of the rest (the whole list: test_vinted_retired.py)


def _flat(nodes: list[dict[str, Any]], parent: int | None = None, path: tuple[str, ...] = ()) -> list[dict]:
    out = []
    for node in nodes:
        here = (*path, node["title"])
        children = node.get("catalogs") or []
        out.append(
            {
                "id": node["id"],
                "title": node["title"],
                "parent_id": parent,
                "path": list(here),
                "leaf": not children,
                "size_group_ids": node.get("size_group_ids", []),
            }
        )
        out += _flat(children, node["id"], here)
    return out


def fetched(what: ReferenceKind, catalog_id: int | None = None, **lists: Any) -> VintedReferenceFetched:
    return VintedReferenceFetched(what=what, catalog_id=catalog_id, fetched_at=datetime.now(UTC), **lists)


async def mappings(seller, kind: str, code: str | None = None) -> dict[str, dict[str, Any]]:
    params = {"kind": kind} | ({"code": code} if code else {})
    found = (await seller.get("/reference/mappings/vinted", params=params)).json()
    return {f"{m['code']}|{m['gender']}": m for m in found}


class TestKeptAsMappings:
    async def test_the_tree_gives_each_category_its_path_and_size_groups(self, seller) -> None:
        await seller.play(fetched(ReferenceKind.CATALOGS, catalogs=_flat(vinted.CATALOGS)))

        async def from_vinted() -> dict[str, Any] | None:
            jeans = (await mappings(seller, "category", "jeans"))["jeans|men"]
            return jeans if jeans["data"].get("source") == "vinted" else None

        jeans = await seller.eventually(from_vinted)
        assert jeans["external_id"] == "257"
        assert jeans["data"]["path"] == "Men > Clothing > Jeans"
        assert jeans["data"]["size_group_ids"] == [vinted.MEN_WAIST, vinted.MEN_LETTER]
        assert len(await mappings(seller, "category")) == 65  # every seeded catalog is a leaf: none dropped

    async def test_sizes_brands_colours_conditions_twice_write_the_same_rows(self, seller) -> None:
        answers = [
            fetched(ReferenceKind.SIZE_GROUPS, size_groups=vinted.SIZE_GROUPS),
            fetched(ReferenceKind.BRANDS, brands=BRANDS),
            fetched(ReferenceKind.COLORS, colors=vinted.COLORS),
            fetched(ReferenceKind.CONDITIONS, conditions=vinted.CONDITIONS),
        ]
        for answer in answers:
            await seller.play(answer)

        async def all_kept() -> bool:
            kinds = ("size", "brand", "colour", "condition")
            found = [await mappings(seller, kind) for kind in kinds]
            return all(any(m["data"].get("source") == "vinted" for m in rows.values()) for rows in found)

        await seller.eventually(all_kept, timeout=30)
        sizes = await mappings(seller, "size")
        before = {
            "sizes": sizes,
            "brands": await mappings(seller, "brand"),
            "colours": await mappings(seller, "colour"),
            "conditions": await mappings(seller, "condition"),
        }
        assert sizes["3/waist:W32|"]["external_id"] == "1628"
        assert sizes["4/letter:M|"]["external_id"] == sizes["4/eu:38|"]["external_id"] == "4"  # "M / 38 / 10"
        assert sizes["2/letter:M|"]["data"] == sizes["2/letter:M|"]["data"] | {"source": "vinted"}
        assert before["brands"]["levi-s|"]["external_id"] == "53"
        assert before["brands"]["pull-and-bear|"]["external_id"] == "13"  # "Pull & Bear" is our Pull&Bear
        assert len(before["brands"]) >= len(BRANDS)
        assert before["colours"]["navy|"]["external_id"] == "27"
        assert before["conditions"]["new_with_tags|"]["external_id"] == "6"

        for answer in answers:  # a re-fetch (new events, same answers)
            await seller.play(answer.model_copy(update={"fetched_at": datetime.now(UTC)}))
        await seller.eventually(
            lambda: _stamped_after(seller, "brand", "levi-s", before["brands"]["levi-s|"]), timeout=30
        )
        after = {
            "sizes": await mappings(seller, "size"),
            "brands": await mappings(seller, "brand"),
            "colours": await mappings(seller, "colour"),
            "conditions": await mappings(seller, "condition"),
        }
        for kind in before:
            assert {k: m["external_id"] for k, m in after[kind].items()} == {
                k: m["external_id"] for k, m in before[kind].items()
            }, kind
        one_name = (await seller.get("/reference/brands", params={"q": "levi"})).json()["items"]
        assert [b["code"] for b in one_name] == ["levi-s"]  # matched to ours, never a second Levi's

    async def test_package_sizes_keep_an_offered_choice_else_take_the_recommended(self, seller) -> None:
        small, medium, large = (
            {"id": i, "title": t, "recommended": r}
            for i, t, r in ((1, "Small", False), (2, "Medium", True), (3, "Large", False))
        )
        await seller.play(fetched(ReferenceKind.PACKAGE_SIZES, 1206, package_sizes=[small, medium, large]))
        await seller.play(fetched(ReferenceKind.PACKAGE_SIZES, 257, package_sizes=[medium, large]))

        async def jeans_medium() -> bool:
            return (await mappings(seller, "package_size", "jeans"))["jeans|"]["external_id"] == "2"

        await seller.eventually(jeans_medium)
        coats = (await mappings(seller, "package_size", "coats-jackets"))["coats-jackets|"]
        assert (coats["external_id"], coats["data"]["catalog_id"]) == ("2", 1206)
        # Back to small for the other tests of this database (1 offered and recommended).
        await seller.play(
            fetched(ReferenceKind.PACKAGE_SIZES, 257, package_sizes=[small | {"recommended": True}])
        )

        async def jeans_small() -> bool:
            return (await mappings(seller, "package_size", "jeans"))["jeans|"]["external_id"] == "1"

        await seller.eventually(jeans_small)


async def _stamped_after(seller, kind: str, code: str, before: dict[str, Any]) -> bool:
    now = (await mappings(seller, kind, code))[f"{code}|"]
    return bool(now["data"]["fetched_at"] > before["data"]["fetched_at"])


class TestPublishCarriesEveryId:
    async def test_a_vinted_publish_has_catalog_status_brand_size_colours_and_package(self, seller) -> None:
        product = await seller.ready(colours=["blue", "navy"])
        await seller.publish(product["id"], "vinted")
        [requested] = await seller.eventually(lambda: seller.emitted("publication.requested"))
        mapping = requested["snapshot"]["mapping"]
        assert (mapping["category_id"], mapping["condition_id"]) == ("257", "2")
        assert mapping["extra"] == {
            "brand_id": 53,
            "size_id": 1628,  # W32 in the men's waist group of catalog 257
            "color_ids": [9, 27],
            "package_size_id": 1,
        }

    async def test_a_size_vinted_has_not_for_the_category_is_a_422_naming_it(self, seller) -> None:
        product = await seller.ready(size_system="eu", size="32")  # men's jeans: waist or letter / EU 42+
        response = await seller.post(
            f"/products/{product['id']}/publications", json={"marketplaces": ["vinted"]}
        )
        assert response.status_code == 422, response.text
        assert response.json()["missing"] == [
            {
                "marketplace": "vinted",
                "field": "size",
                "code": "unmapped",
                "message": "no Vinted size for eu:32 in catalog 257, size groups [3, 2]",
            }
        ]
        assert await seller.emitted("publication.requested") == []


def _ref() -> ReferenceCatalog:
    ref = ReferenceCatalog()
    ref.values["size"] = {
        "letter:M": Value("size", "letter:M", None, 0, {}, {"system": "letter", "value": "M"})
    }
    ref.brands["acme"] = BrandInfo("acme", "Acme", [])
    ref.mappings[("vinted", "category", "t-shirts", "men", "")] = Mapping("77", {"size_group_ids": [2]})
    return ref


class TestResolve:
    def test_every_missing_id_is_named(self) -> None:
        ids, problems = resolve(
            _ref(),
            category="t-shirts",
            gender="men",
            size_code="letter:M",
            brand="acme",
            colours=["blue"],
            condition="good",
        )
        assert ids == {
            "catalog_id": "77",
            "status_id": None,
            "brand_id": None,
            "size_id": None,
            "color_ids": [],
            "package_size_id": None,
        }
        assert [field for field, _, _ in problems] == [
            "condition",
            "brand",
            "colours",
            "package_size",
            "size",
        ]
        assert {code for _, code, _ in problems} == {"unmapped"}
        assert "'Acme'" in {field: message for field, _, message in problems}["brand"]

    def test_all_present(self) -> None:
        ref = _ref()
        for kind, code, ext in (
            ("condition", "good", "3"),
            ("brand", "acme", "900"),
            ("colour", "blue", "9"),
            ("package_size", "t-shirts", "1"),
            ("size", "2/letter:M", "207"),
        ):
            ref.mappings[("vinted", kind, code, "", "")] = Mapping(ext, {})
        ids, problems = resolve(
            ref,
            category="t-shirts",
            gender="men",
            size_code="letter:M",
            brand="acme",
            colours=["blue", "blue"],
            condition="good",
        )
        assert problems == []
        assert ids == {
            "catalog_id": "77",
            "status_id": "3",
            "brand_id": 900,
            "size_id": 207,
            "color_ids": [9],
            "package_size_id": 1,
        }

    def test_a_retired_id_is_named_and_not_used(self) -> None:
        ref = _ref()
        ref.mappings[("vinted", "brand", "acme", "", "")] = Mapping("900", {"title": "Acme"}, retired=True)
        ref.mappings[("vinted", "colour", "blue", "", "")] = Mapping("9", {}, retired=True)
        ref.mappings[("vinted", "size", "2/letter:M", "", "")] = Mapping(
            "207", {"title": "M / 48"}, retired=True
        )
        ids, problems = resolve(
            ref,
            category="t-shirts",
            gender="men",
            size_code="letter:M",
            brand="acme",
            colours=["blue"],
            condition=None,
        )
        assert (ids["brand_id"], ids["color_ids"], ids["size_id"]) == (None, [], None)
        retired = {field: message for field, code, message in problems if code == "retired"}
        assert set(retired) == {"brand", "colours", "size"}
        assert "900" in retired["brand"]
        assert "'Acme'" in retired["brand"]
        assert "207" in retired["size"]

    def test_size_titles_split_on_slashes_and_bars(self) -> None:
        assert size_parts("M / 38 / 10") == {"m", "38", "10"}
        assert size_parts("W32 | L34") == {"w32", "l34"}
        assert size_parts("One size") == {"onesize"}
