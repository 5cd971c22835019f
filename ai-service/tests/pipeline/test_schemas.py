"""Response schemas are strict (what OpenAI's Structured Outputs demand) and built from reference data."""

from __future__ import annotations

from typing import Any

import pytest
from ai_service.pipeline import prompts
from ai_service.pipeline.schemas import category_schema, detail_schema, drafts_schema
from ai_service.reference.catalog import reference


def objects(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if "properties" in node:
            found.append(node)
        for value in node.values():
            found.extend(objects(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(objects(value))
    return found


@pytest.mark.unit
class TestSchemas:
    @pytest.mark.parametrize(
        "schema",
        [
            category_schema(reference(), 3, True),
            detail_schema(reference(), "tops", 5),
            detail_schema(reference(), None, 5),
            drafts_schema(),
        ],
    )
    def test_every_object_is_strict(self, schema: dict[str, Any]) -> None:
        for node in objects(schema):
            assert node["additionalProperties"] is False
            assert node["required"] == list(node["properties"])

    def test_every_field_has_its_confidence(self) -> None:
        properties = detail_schema(reference(), None, 2)["properties"]
        fields = [p for p in properties if not p.endswith("_confidence") and p not in ("flaws", "size_label")]
        assert all(f"{f}_confidence" in properties for f in fields)

    def test_brands_are_free_text_and_listed_in_the_prompt(self) -> None:
        ref = reference()
        assert detail_schema(ref, "tops", 1)["properties"]["brand"] == {
            "type": ["string", "null"],
            "maxLength": 80,
        }
        assert "Levi's" in prompts.detail_prompt(ref, 1, None, "tops", "")

    def test_a_group_s_schema_holds_its_own_values(self) -> None:
        properties = detail_schema(reference(), "bottoms", 1)["properties"]
        assert set(properties["category"]["enum"]) == {"jeans", "trousers", "shorts", "skirts", "leggings"}
        assert "waist:W32" in properties["size"]["anyOf"][0]["enum"]
        assert "neckline" not in properties

    def test_the_prompt_version_follows_the_texts_and_the_data(self) -> None:
        ref = reference()
        version = prompts.prompt_version(ref)
        assert version.startswith(f"{prompts.EDITION}-")
        assert version == prompts.prompt_version(ref)
