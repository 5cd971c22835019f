from __future__ import annotations

import inspect

import pytest
from marketplace_etsy.etsy import text
from marketplace_etsy.etsy.adapter import EtsyAdapter
from vitrine_marketplace import MarketplaceAdapter


@pytest.mark.unit
class TestProtocol:
    def test_the_adapter_has_every_operation_of_the_marketplace_protocol(self) -> None:
        # mypy checks the full types (``adapter._conforms``); this checks names and parameters at run time.
        members = [
            name
            for name, value in vars(MarketplaceAdapter).items()
            if callable(value) and not name.startswith("_")
        ]
        assert {"publish", "revise", "delist", "fetch_orders", "import_listings", "refresh"} <= set(members)
        for name in members:
            wanted = inspect.signature(getattr(MarketplaceAdapter, name))
            found = inspect.signature(getattr(EtsyAdapter, name))
            assert inspect.iscoroutinefunction(
                getattr(MarketplaceAdapter, name)
            ) == inspect.iscoroutinefunction(getattr(EtsyAdapter, name)), name
            for parameter in wanted.parameters.values():
                assert parameter.name in found.parameters, f"{name}({parameter.name})"
                assert found.parameters[parameter.name].kind == parameter.kind, f"{name}({parameter.name})"
            extra = [p for p in found.parameters.values() if p.name not in wanted.parameters]
            assert all(p.default is not inspect.Parameter.empty for p in extra), name


@pytest.mark.unit
class TestText:
    def test_title_keeps_what_etsy_allows(self) -> None:
        assert text.listing_title("Levi's 501 & jacket & belt") == "Levi's 501 & jacket / belt"
        assert text.listing_title("Robe: vintage: 100% soie 50% off") == "Robe: vintage - 100% soie 50 off"
        assert text.listing_title("Sac 👜 cuir\n€ 20 ™") == "Sac cuir 20 ™"
        long = text.listing_title("Manteau " * 30)
        assert len(long) <= 140
        assert not long.endswith(" ")

    def test_tags_and_materials(self) -> None:
        tags = text.tags(
            ["Levi's", "levi's", "blue/indigo", "a very long tag that goes on", *[f"t{i}" for i in range(20)]]
        )
        assert tags[:3] == ["Levi's", "blue indigo", "a very long tag"]
        assert len(tags) == 13
        assert all(len(t) <= 20 for t in tags)
        assert text.materials(["cotton", "wool-blend", "polyester_recycled", "cotton"]) == [
            "cotton",
            "wool blend",
            "polyester recycled",
        ]
