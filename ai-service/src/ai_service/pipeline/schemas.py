"""Structured-output schemas, built from catalog's reference data (JSON Schema both providers accept).

Each schema is strict (every property required, no others; "not seen" is ``null``), as OpenAI's
Structured Outputs demand and Gemini's ``responseJsonSchema`` accepts. Short value lists become enums;
the brand list is long and grows, so brands travel in the prompt and come back as free text, resolved
against the list afterwards. Every field has a sibling ``<field>_confidence``.
"""

from __future__ import annotations

from typing import Any

from vitrine_contracts.ai import FlawKind, FlawSeverity

from ai_service.reference.catalog import Reference

Schema = dict[str, Any]
CONFIDENCE: Schema = {"type": "number", "minimum": 0, "maximum": 1}


def strict_object(properties: dict[str, Schema]) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def nullable_enum(values: list[str]) -> Schema:
    # anyOf rather than a null inside the enum: both Gemini's JSON Schema and OpenAI's strict mode take it.
    return {"anyOf": [{"type": "string", "enum": values}, {"type": "null"}]}


def nullable(kind: str, **extra: Any) -> Schema:
    return {"type": [kind, "null"], **extra}


def with_confidence(name: str, schema: Schema) -> dict[str, Schema]:
    return {name: schema, f"{name}_confidence": CONFIDENCE}


def category_schema(ref: Reference, photo_count: int, find_label: bool) -> Schema:
    """The first pass: the leaf category, its confidence and, when the seller marked none, the label photo."""
    properties: dict[str, Schema] = {
        "category": {"type": "string", "enum": [v.code for v in ref.leaves()]},
        "category_confidence": CONFIDENCE,
    }
    if find_label:
        properties["label_photo"] = nullable("integer", minimum=1, maximum=photo_count)
    return strict_object(properties)


def detail_schema(ref: Reference, group: str | None, photo_count: int) -> Schema:
    """Every attribute of a garment of ``group`` (of any group when None: the one full call)."""
    categories = [v.code for v in ref.leaves(group)] or [v.code for v in ref.leaves()]
    sizes = [v.code for v in ref.sizes(group)]
    properties: dict[str, Schema] = {
        **with_confidence("category", {"type": "string", "enum": categories}),
        **with_confidence("brand", nullable("string", maxLength=80)),
        "size_label": nullable("string", maxLength=40),
        **with_confidence("size", nullable_enum(sizes)),
        **with_confidence(
            "colours",
            {"type": "array", "items": {"type": "string", "enum": ref.codes("colour")}, "maxItems": 2},
        ),
        **with_confidence(
            "materials",
            {
                "type": "array",
                "maxItems": 6,
                "items": strict_object(
                    {
                        "material": {"type": "string", "enum": ref.codes("material")},
                        "percent": nullable("integer", minimum=1, maximum=100),
                    }
                ),
            },
        ),
        **with_confidence("condition_score", nullable("integer", minimum=0, maximum=10)),
        **with_confidence("gender", nullable_enum(ref.codes("gender"))),
    }
    for attribute in ref.attributes_for(group):
        codes = ref.codes(attribute)
        if codes:
            properties.update(with_confidence(attribute, nullable_enum(codes)))
    properties["flaws"] = {
        "type": "array",
        "maxItems": 10,
        "items": strict_object(
            {
                "kind": {"type": "string", "enum": [k.value for k in FlawKind]},
                "location": {"type": "string", "maxLength": 120},
                "severity": {"type": "string", "enum": [s.value for s in FlawSeverity]},
                "photo": nullable("integer", minimum=1, maximum=photo_count),
            }
        ),
    }
    return strict_object(properties)


DRAFT_LIMITS = {
    "ebay": {"title": 80, "description": 4000},
    "etsy": {"title": 140, "description": 4000},
    "vinted": {"title": 100, "description": 2000},
}
ETSY_TAGS, ETSY_TAG_LENGTH = 13, 20


def drafts_schema() -> Schema:
    """A title and a description per marketplace, within each one's limits, and Etsy's tags."""
    properties: dict[str, Schema] = {}
    for marketplace, limits in DRAFT_LIMITS.items():
        title: Schema = {"type": "string", "maxLength": limits["title"]}
        if marketplace == "vinted":
            title["minLength"] = 5
        properties[f"{marketplace}_title"] = title
        properties[f"{marketplace}_description"] = {"type": "string", "maxLength": limits["description"]}
    properties["etsy_tags"] = {
        "type": "array",
        "maxItems": ETSY_TAGS,
        "items": {"type": "string", "maxLength": ETSY_TAG_LENGTH},
    }
    return strict_object(properties)
