"""How answers are derived: schemas of many shapes, colours, token rules, prompt reading."""

from __future__ import annotations

import io
import json
from typing import Any

import jsonschema
import pytest
from PIL import Image
from sandbox_ai.colours import nearest_name, rgb_of
from sandbox_ai.compose import Composer, Seen
from sandbox_ai.images import UndecodableImage, analyse, b64decode, gemini_image_tokens, openai_image_tokens
from sandbox_ai.prompt import read
from sandbox_ai.schema import normalise, strict_problem

SCHEMAS: list[dict[str, Any]] = [
    {"type": "string", "minLength": 30, "maxLength": 35},
    {"type": "integer", "exclusiveMinimum": 3, "exclusiveMaximum": 5},
    {"type": "number", "minimum": 0.1, "maximum": 0.8, "multipleOf": 0.25},
    {"type": "integer", "multipleOf": 7, "minimum": 10},
    {
        "type": "array",
        "items": {"type": "string", "enum": ["a", "b", "c"]},
        "minItems": 3,
        "uniqueItems": True,
    },
    {"type": "array", "items": {"type": "integer"}, "minItems": 4, "maxItems": 4},
    {"type": "array", "prefixItems": [{"type": "string"}, {"type": "boolean"}], "minItems": 2},
    {"anyOf": [{"type": "null"}, {"type": "object", "properties": {"a": {"const": "x"}}, "required": ["a"]}]},
    {"type": ["number", "null"], "minimum": 1, "maximum": 2},
    {"type": "string", "format": "date-time"},
    {"type": "string", "format": "email"},
    {"type": "string", "format": "uuid"},
    {"type": "string", "format": "date"},
    {"enum": [1, 2, 3]},
    {"type": "object", "additionalProperties": {"type": "integer"}},
    {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                },
                "required": ["name", "children"],
            }
        },
        "$ref": "#/$defs/Node",
    },
    {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "integer", "minimum": 100}}, "required": ["a"]},
            {"properties": {"b": {"type": "boolean"}}, "required": ["b"]},
        ]
    },
    {
        "type": "object",
        "properties": {
            "confidence_pct": {"type": "integer", "minimum": 0, "maximum": 100},
            "year": {"type": "integer", "minimum": 2000, "maximum": 2010},
            "price": {"type": "number", "exclusiveMinimum": 0},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 6}, "maxItems": 3},
            "colors": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["confidence_pct", "year", "price", "tags", "colors"],
    },
]


def seen(text: str = "Describe.", images: list[bytes] | None = None) -> Seen:
    return Seen([analyse(i, "image/png") for i in images or []], read(text))


def png(colour: tuple[int, int, int], size: tuple[int, int] = (120, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: json.dumps(s)[:50])
def test_answers_conform_to_json_schema(schema: dict[str, Any]) -> None:
    for context in (seen(), seen(images=[png((200, 30, 30))]), seen("Other words")):
        value = Composer(context, normalise(schema)).compose()
        jsonschema.validate(value, schema)


def test_openapi_schema_is_normalised_from_snake_case() -> None:
    schema = {
        "type": "OBJECT",
        "properties": {
            "b": {"type": "ARRAY", "items": {"type": "STRING"}, "min_items": "2", "max_items": "2"},
            "a": {"type": "NUMBER", "nullable": True, "minimum": 1, "maximum": 1},
        },
        "property_ordering": ["a", "b"],
        "required": ["a", "b"],
    }
    value = Composer(seen(), normalise(schema)).compose()
    assert list(value) == ["a", "b"]
    assert value["a"] == 1
    assert len(value["b"]) == 2


def test_colour_names_and_enum_mapping() -> None:
    assert nearest_name((26, 36, 82)) == "navy"
    assert rgb_of("Bleu Marine") == rgb_of("navy")
    assert rgb_of("DARK_GREEN") is not None
    assert rgb_of("other") is None
    schema = {"type": "object", "properties": {"couleur": {"enum": ["Noir", "Blanc", "Jaune", "Autre"]}}}
    assert Composer(seen(images=[png((240, 210, 50))]), normalise(schema)).compose() == {"couleur": "Jaune"}


def test_multicolour_when_many_colours() -> None:
    image = Image.new("RGB", (90, 90))
    for i, colour in enumerate([(200, 30, 30), (40, 145, 60), (40, 90, 200)]):
        image.paste(colour, (30 * i, 0, 30 * (i + 1), 90))
    out = io.BytesIO()
    image.save(out, "PNG")
    schema = {"type": "object", "properties": {"colour": {"enum": ["red", "green", "blue", "multicolour"]}}}
    assert Composer(seen(images=[out.getvalue()]), normalise(schema)).compose() == {"colour": "multicolour"}


def test_features_are_measured() -> None:
    facts = analyse(png((20, 20, 20), (640, 480)), "image/png")
    assert (facts.width, facts.height, facts.format) == (640, 480, "PNG")
    assert facts.brightness < 30
    assert facts.dominant is not None
    assert facts.dominant.name == "black"
    with pytest.raises(UndecodableImage):
        analyse(b"\x89PNG\r\n\x1a\n garbage", "image/png")


def test_token_rules() -> None:
    assert gemini_image_tokens(384, 384) == 258
    assert gemini_image_tokens(385, 100) == 258  # one 768 tile
    assert gemini_image_tokens(1536, 769) == 4 * 258
    assert openai_image_tokens(1024, 1024) == 765
    assert openai_image_tokens(2048, 4096, "high") == 1105
    assert openai_image_tokens(4096, 8192, "low") == 85


def test_prompt_reading() -> None:
    text = (
        "Write a title.\n- brand: the brand if visible, else null\n"
        'Attributes: {"item": {"colour": "red", "size": "S", "brand": "Sézane"}}\n'
        'Answer like {"brand": "string or null", "material": "<material>", "condition": "good"}\n'
        'Schema: {"type": "object", "properties": {"title": {"type": "string"}}}\n'
        'SANDBOX_HINTS: {"Category": "dress", "confidence": 0.1}'
    )
    facts = read(text)
    assert facts.hints == {"category": "dress", "confidence": 0.1}
    assert facts.fact("brand") == "Sézane"
    assert facts.fact("colour") == "red"
    assert facts.fact("material") is None  # a placeholder
    assert facts.fact("condition") == "good"
    assert facts.fact("title") is None  # a schema, not facts
    assert "confidence" not in facts.facts


def test_base64_flavours() -> None:
    raw = bytes(range(256))
    import base64

    assert b64decode(base64.urlsafe_b64encode(raw).decode().rstrip("=")) == raw
    assert b64decode(base64.b64encode(raw).decode()) == raw
    with pytest.raises(ValueError):
        b64decode("@@@@")


def test_strict_problem() -> None:
    ok = {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "required": ["a"],
        "additionalProperties": False,
    }
    assert strict_problem(ok) is None
    assert "Missing 'a'" in (strict_problem({**ok, "required": []}) or "")
    nested = {**ok, "properties": {"a": {"type": "object", "properties": {"b": {"type": "string"}}}}}
    assert "('properties', 'a')" in (strict_problem(nested) or "")
