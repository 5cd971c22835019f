"""The Gemini stand-in driven by the real google-genai SDK."""

from __future__ import annotations

import base64
import io
import json
import time
from enum import StrEnum
from typing import Literal

import httpx
import jsonschema
import pytest
from google.genai import errors, types
from PIL import Image
from pydantic import BaseModel, Field

pytestmark = pytest.mark.filterwarnings("ignore:Inheritance class AiohttpClientSession:DeprecationWarning")
MODEL = "gemini-2.5-flash"


class Category(StrEnum):
    JACKET = "jacket"
    DRESS = "dress"
    SHOES = "shoes"
    BAG = "bag"


class Measure(BaseModel):
    label: str
    value: float = Field(ge=0, le=10)


class Analysis(BaseModel):
    category: Category
    colour: Literal[
        "black", "white", "grey", "red", "pink", "blue", "navy", "green", "beige", "brown", "multicolour"
    ]
    colours: list[Literal["black", "white", "grey", "red", "pink", "blue", "navy", "green", "beige"]] = Field(
        min_length=1, max_length=3
    )
    brand: str | None = None
    confidence: float = Field(ge=0, le=1)
    title: str = Field(max_length=40)
    tags: list[str] = Field(min_length=2, max_length=4)
    pieces: int = Field(ge=1, le=5)
    measures: list[Measure] = Field(min_length=2, max_length=2)


def config(schema: object, **kw: object) -> types.GenerateContentConfig:
    return types.GenerateContentConfig(response_mime_type="application/json", response_schema=schema, **kw)  # type: ignore[arg-type]


def image_part(data: bytes, mime: str = "image/jpeg") -> types.Part:
    return types.Part.from_bytes(data=data, mime_type=mime)


async def test_pydantic_schema_is_answered_with_a_valid_instance(gemini, photo) -> None:
    response = await gemini.models.generate_content(
        model=MODEL,
        contents=[image_part(photo((200, 30, 30))), "Describe the item in the photo."],
        config=config(Analysis),
    )
    assert isinstance(response.parsed, Analysis)
    parsed = response.parsed
    assert parsed.colour == "red"  # a red block on a white background
    assert parsed.colours[0] == "red"
    assert parsed.brand is None  # nothing says which brand it is
    assert 0.5 <= parsed.confidence <= 0.99
    assert parsed.category.value in parsed.title.lower()
    candidate = response.candidates[0]
    assert candidate.finish_reason == types.FinishReason.STOP
    assert response.model_version == MODEL
    assert response.response_id
    usage = response.usage_metadata
    assert usage.prompt_token_count == 516 + usage.prompt_tokens_details[0].token_count  # 800x600: 2 tiles
    assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count
    assert usage.candidates_token_count == -(-len(response.text) // 4)


async def test_openapi_dict_schema_with_uppercase_types(gemini, photo) -> None:
    schema = {
        "type": "OBJECT",
        "properties": {
            "primary_color": {"type": "STRING", "enum": ["Noir", "Blanc", "Bleu marine", "Rouge", "Vert"]},
            "condition": {"type": "STRING", "enum": ["new", "very_good", "good", "fair"]},
            "price_eur": {"type": "NUMBER", "minimum": 5, "maximum": 15},
            "stock": {"type": "INTEGER", "minimum": 2, "maximum": 3},
            "defects": {"type": "ARRAY", "items": {"type": "STRING"}, "maxItems": 2},
            "keywords": {"type": "ARRAY", "items": {"type": "STRING"}, "minItems": 3, "maxItems": 3},
            "model_name": {"type": "STRING", "nullable": True},
            "dims": {
                "type": "OBJECT",
                "properties": {"width": {"type": "INTEGER"}, "height": {"type": "INTEGER"}},
                "required": ["width", "height"],
            },
            "is_blurry": {"type": "BOOLEAN"},
        },
        "required": ["primary_color", "condition", "price_eur", "stock", "keywords", "dims"],
    }
    response = await gemini.models.generate_content(
        model=MODEL,
        contents=[image_part(photo((25, 35, 80), size=(640, 480))), "Analyse this photo."],
        config=config(schema),
    )
    parsed = response.parsed
    assert isinstance(parsed, dict)
    assert parsed == json.loads(response.text)
    assert parsed["primary_color"] == "Bleu marine"
    assert parsed["condition"] in ["new", "very_good", "good", "fair"]
    assert 5 <= parsed["price_eur"] <= 15
    assert parsed["stock"] in (2, 3)
    assert parsed["defects"] == []
    assert len(parsed["keywords"]) == 3
    assert parsed["model_name"] is None
    assert parsed["dims"] == {"width": 640, "height": 480}  # measured
    assert parsed["is_blurry"] is False


async def test_json_schema_form_with_refs_validates(gemini, photo) -> None:
    schema = Analysis.model_json_schema()
    assert "$defs" in schema
    response = await gemini.models.generate_content(
        model=MODEL,
        contents=[image_part(photo((40, 150, 60), fmt="PNG"), "image/png"), "Describe."],
        config=types.GenerateContentConfig(
            response_mime_type="application/json", response_json_schema=schema
        ),
    )
    value = json.loads(response.text)
    jsonschema.validate(value, schema)
    assert value["colour"] == "green"


async def test_same_request_same_answer_different_photo_other_answer(gemini, photo) -> None:
    async def ask(data: bytes) -> str:
        response = await gemini.models.generate_content(
            model=MODEL, contents=[image_part(data), "Describe."], config=config(Analysis)
        )
        return response.text

    first = await ask(photo((200, 30, 30)))
    assert await ask(photo((200, 30, 30))) == first
    blue = json.loads(await ask(photo((40, 90, 200), size=(500, 700))))
    assert blue["colour"] == "blue"
    assert json.loads(first) != blue


async def test_hints_force_values(gemini, photo) -> None:
    prompt = 'Describe the item.\nSANDBOX_HINTS: {"brand": "Zara", "category": "bag", "confidence": 0.2}'
    response = await gemini.models.generate_content(
        model=MODEL, contents=[image_part(photo()), prompt], config=config(Analysis)
    )
    parsed = response.parsed
    assert parsed.brand == "Zara"
    assert parsed.category == Category.BAG
    assert parsed.confidence == 0.2
    assert parsed.title.startswith("Zara")


async def test_prompt_facts_fill_strings(gemini, photo) -> None:
    schema = {
        "type": "OBJECT",
        "properties": {"brand": {"type": "STRING", "nullable": True}, "size": {"type": "STRING"}},
    }
    prompt = 'Known attributes: {"brand": "Levi\'s", "size": "W32 L34"}'
    response = await gemini.models.generate_content(
        model=MODEL, contents=[image_part(photo()), prompt], config=config(schema)
    )
    assert response.parsed == {"brand": "Levi's", "size": "W32 L34"}


@pytest.mark.parametrize(
    ("size", "image_tokens"),
    [((300, 200), 258), ((384, 384), 258), ((800, 600), 516), ((1600, 1200), 1548), ((2400, 2400), 4128)],
)
async def test_image_tokens_follow_gemini_tiles(gemini, photo, size, image_tokens) -> None:
    contents = [image_part(photo(size=size)), "What is it?"]
    counted = await gemini.models.count_tokens(model=MODEL, contents=contents)
    text_tokens = 3  # "What is it?" is 11 characters
    assert counted.total_tokens == image_tokens + text_tokens
    response = await gemini.models.generate_content(model=MODEL, contents=contents)
    assert response.usage_metadata.prompt_token_count == image_tokens + text_tokens


async def test_two_images_count_and_are_logged(gemini, control, photo) -> None:
    small, big = photo(size=(300, 300)), photo(size=(1000, 800), fmt="WEBP")
    await gemini.models.generate_content(
        model=MODEL,
        contents=[image_part(small), image_part(big, "image/webp"), "Describe both."],
        config=config(Analysis),
    )
    [entry] = (await control.get("/sandbox/requests", params={"provider": "gemini"})).json()
    assert entry["endpoint"] == "generateContent"
    assert entry["model"] == MODEL
    assert entry["status"] == 200
    assert entry["image_count"] == 2
    assert [(i["width"], i["height"]) for i in entry["images"]] == [(300, 300), (1000, 800)]
    assert [i["bytes"] for i in entry["images"]] == [len(small), len(big)]
    assert [i["tokens"] for i in entry["images"]] == [258, 1032]
    assert entry["usage"]["prompt"] == 258 + 1032 + 4
    assert entry["schema"] == "responseSchema"
    assert {"category", "colour", "colours", "confidence", "measures", "measures[].label"} <= set(
        entry["schema_properties"]
    )


async def test_text_answer_and_stream(gemini, photo) -> None:
    response = await gemini.models.generate_content(
        model=MODEL, contents=[image_part(photo()), "Describe it."]
    )
    assert "red" in response.text
    chunks = [c async for c in await gemini.models.generate_content_stream(model=MODEL, contents=["Hello"])]
    assert len(chunks) == 1
    assert chunks[0].text


async def test_transparent_png_is_seen_on_white(gemini) -> None:
    image = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    image.paste((20, 20, 20, 255), (50, 50, 150, 150))
    out = io.BytesIO()
    image.save(out, "PNG")
    schema = {"type": "OBJECT", "properties": {"colour": {"type": "STRING"}}}
    response = await gemini.models.generate_content(
        model=MODEL, contents=[image_part(out.getvalue(), "image/png"), "Colour?"], config=config(schema)
    )
    assert response.parsed == {"colour": "black"}


async def test_v1beta_path(sandbox_url, photo) -> None:
    from google import genai

    client = genai.Client(
        api_key="test-gemini-key", http_options=types.HttpOptions(base_url=sandbox_url, api_version="v1beta")
    )
    try:
        response = await client.aio.models.generate_content(model=MODEL, contents=["Hello"])
        assert response.text
        models = [m.name async for m in await client.aio.models.list()]
        assert f"models/{MODEL}" in models
    finally:
        await client.aio.aclose()


async def test_undecodable_image_is_invalid_argument(gemini, control) -> None:
    with pytest.raises(errors.ClientError) as caught:
        await gemini.models.generate_content(
            model=MODEL, contents=[image_part(b"\xff\xd8\xff\xe0 not really a jpeg"), "Describe."]
        )
    assert caught.value.code == 400
    assert caught.value.status == "INVALID_ARGUMENT"
    assert "Unable to process input image" in caught.value.message
    [entry] = (await control.get("/sandbox/requests")).json()
    assert entry["status"] == 400
    assert entry["images"][0]["bytes"] == len(b"\xff\xd8\xff\xe0 not really a jpeg")


async def test_truncated_jpeg_is_invalid_argument(gemini, photo) -> None:
    with pytest.raises(errors.ClientError) as caught:
        await gemini.models.generate_content(model=MODEL, contents=[image_part(photo()[:2000]), "Describe."])
    assert caught.value.code == 400


async def test_bad_and_missing_key(sandbox_url, control) -> None:
    from google import genai

    client = genai.Client(api_key="wrong", http_options=types.HttpOptions(base_url=sandbox_url))
    try:
        with pytest.raises(errors.ClientError) as caught:
            await client.aio.models.generate_content(model=MODEL, contents=["Hello"])
    finally:
        await client.aio.aclose()
    assert caught.value.code == 400
    assert caught.value.details["error"]["details"][0]["reason"] == "API_KEY_INVALID"
    client = genai.Client(
        api_key="sandbox-gemini-denied-key", http_options=types.HttpOptions(base_url=sandbox_url)
    )
    try:
        with pytest.raises(errors.ClientError) as caught:
            await client.aio.models.generate_content(model=MODEL, contents=["Hello"])
    finally:
        await client.aio.aclose()
    assert caught.value.code == 403
    assert caught.value.status == "PERMISSION_DENIED"
    missing = await control.post(f"/v1beta/models/{MODEL}:generateContent", json={"contents": []})
    assert missing.status_code == 403
    assert missing.json()["error"]["status"] == "PERMISSION_DENIED"
    by_query = await control.post(
        f"/v1beta/models/{MODEL}:generateContent",
        params={"key": "test-gemini-key"},
        json={"contents": [{"parts": [{"text": "hi"}]}]},
    )
    assert by_query.status_code == 200


async def test_unknown_model_is_not_found(gemini) -> None:
    with pytest.raises(errors.ClientError) as caught:
        await gemini.models.generate_content(model="gemini-0.1-nope", contents=["Hello"])
    assert caught.value.code == 404
    assert caught.value.status == "NOT_FOUND"


async def test_rate_limit_fault_carries_retry_info(gemini, control) -> None:
    fault = {"provider": "gemini", "status": 429, "count": 2, "retry_after_s": 7}
    assert (await control.post("/sandbox/faults", json=fault)).status_code == 201
    for _ in range(2):
        with pytest.raises(errors.ClientError) as caught:
            await gemini.models.generate_content(model=MODEL, contents=["Hello"])
        assert caught.value.code == 429
        assert caught.value.status == "RESOURCE_EXHAUSTED"
        details = caught.value.details["error"]["details"]
        retry = [d for d in details if d["@type"] == "type.googleapis.com/google.rpc.RetryInfo"]
        assert retry == [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}]
    assert (await gemini.models.generate_content(model=MODEL, contents=["Hello"])).text
    log = (await control.get("/sandbox/requests")).json()
    assert [e["status"] for e in log] == [429, 429, 200]


@pytest.mark.parametrize(("status", "name"), [(500, "INTERNAL"), (503, "UNAVAILABLE")])
async def test_server_faults(gemini, control, status, name) -> None:
    await control.post("/sandbox/faults", json={"provider": "gemini", "status": status})
    with pytest.raises(errors.ServerError) as caught:
        await gemini.models.generate_content(model=MODEL, contents=["Hello"])
    assert caught.value.code == status
    assert caught.value.status == name


async def test_fault_for_one_model_spares_the_others(gemini, control) -> None:
    await control.post(
        "/sandbox/faults", json={"provider": "gemini", "model": "gemini-2.5-pro", "status": 503}
    )
    await control.post("/sandbox/faults", json={"provider": "openai", "status": 500})
    assert (await gemini.models.generate_content(model=MODEL, contents=["Hello"])).text
    with pytest.raises(errors.ServerError):
        await gemini.models.generate_content(model="gemini-2.5-pro", contents=["Hello"])


async def test_sdk_retry_options_ride_out_a_fault(sandbox_url, control) -> None:
    from google import genai

    await control.post("/sandbox/faults", json={"provider": "gemini", "status": 503, "count": 1})
    retry = types.HttpRetryOptions(attempts=2, initial_delay=0.05, max_delay=0.1, jitter=0)
    client = genai.Client(
        api_key="test-gemini-key", http_options=types.HttpOptions(base_url=sandbox_url, retry_options=retry)
    )
    try:
        assert (await client.aio.models.generate_content(model=MODEL, contents=["Hello"])).text
    finally:
        await client.aio.aclose()
    assert [e["status"] for e in (await control.get("/sandbox/requests")).json()] == [503, 200]


async def test_forced_answer_then_back_to_derived(gemini, control, photo) -> None:
    await control.post("/sandbox/next", json={"provider": "gemini", "json": {"anything": [1, 2]}})
    await control.post("/sandbox/next", json={"provider": "gemini", "json": "{not json"})
    contents = [image_part(photo()), "Describe."]
    first = await gemini.models.generate_content(model=MODEL, contents=contents, config=config(Analysis))
    assert json.loads(first.text) == {"anything": [1, 2]}
    second = await gemini.models.generate_content(model=MODEL, contents=contents)
    assert second.text == "{not json"
    third = await gemini.models.generate_content(model=MODEL, contents=contents, config=config(Analysis))
    assert isinstance(third.parsed, Analysis)
    assert [e["forced"] for e in (await control.get("/sandbox/requests")).json()] == [True, True, False]


async def test_latency(gemini, control) -> None:
    await control.post("/sandbox/latency", json={"ms": 300, "provider": "gemini"})
    started = time.monotonic()
    await gemini.models.generate_content(model=MODEL, contents=["Hello"])
    assert time.monotonic() - started >= 0.3
    await control.post("/sandbox/latency", json={"ms": 0, "provider": "gemini"})


async def test_max_output_tokens_cuts_the_answer(gemini, photo) -> None:
    response = await gemini.models.generate_content(
        model=MODEL,
        contents=[image_part(photo()), "Describe."],
        config=config(Analysis, max_output_tokens=5),
    )
    assert response.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    assert response.usage_metadata.candidates_token_count == 5
    assert len(response.text) == 20


async def test_request_validation_like_gemini(control) -> None:
    url = f"/v1beta/models/{MODEL}:generateContent"
    headers = {"x-goog-api-key": "test-gemini-key"}
    empty = await control.post(url, json={"contents": []}, headers=headers)
    assert empty.status_code == 400
    assert empty.json()["error"]["status"] == "INVALID_ARGUMENT"
    unknown = await control.post(
        url, json={"contents": [{"parts": [{"text": "x"}]}], "nope": 1}, headers=headers
    )
    assert unknown.status_code == 200
    assert (await control.get("/sandbox/requests")).json()[-1]["ignored_fields"] == ["nope"]
    bad_b64 = {"contents": [{"parts": [{"inlineData": {"mimeType": "image/png", "data": "@@@"}}]}]}
    assert (
        "Base64 decoding failed"
        in (await control.post(url, json=bad_b64, headers=headers)).json()["error"]["message"]
    )
    schema_without_json = {
        "contents": [{"parts": [{"text": "x"}]}],
        "generationConfig": {"responseSchema": {"type": "STRING"}},
    }
    assert (await control.post(url, json=schema_without_json, headers=headers)).status_code == 400
    standard_b64 = base64.b64encode(b"hello").decode()
    text_blob = {"contents": [{"parts": [{"inlineData": {"mimeType": "text/plain", "data": standard_b64}}]}]}
    assert (await control.post(url, json=text_blob, headers=headers)).status_code == 200


async def test_enum_mime_type(gemini, photo) -> None:
    response = await gemini.models.generate_content(
        model=MODEL,
        contents=[image_part(photo((240, 215, 40))), "Main colour?"],
        config=types.GenerateContentConfig(
            response_mime_type="text/x.enum",
            response_schema={"type": "STRING", "enum": ["red", "yellow", "blue"], "title": "colour"},
        ),
    )
    assert response.text in ("red", "yellow", "blue")


async def test_models_endpoints(gemini) -> None:
    model = await gemini.models.get(model=MODEL)
    assert model.name == f"models/{MODEL}"
    assert "generateContent" in model.supported_actions
    with pytest.raises(errors.ClientError):
        await gemini.models.get(model="gemini-0.1-nope")


async def test_health(sandbox_url) -> None:
    async with httpx.AsyncClient(base_url=sandbox_url) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
