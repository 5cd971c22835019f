"""The OpenAI stand-in driven by the real openai SDK."""

from __future__ import annotations

import base64
import json
from enum import StrEnum

import httpx
import jsonschema
import openai
import pytest
from pydantic import BaseModel, Field

MODEL = "gpt-4o-mini"
ATTRIBUTES = {
    "brand": "Levi's",
    "category": "Jacket",
    "colour": "Blue",
    "material": "Denim",
    "size": "M",
    "condition": "Very good",
    "pattern": "Plain",
}


class Listing(BaseModel):
    title: str = Field(max_length=60)
    description: str = Field(max_length=300)
    tags: list[str] = Field(max_length=8)


def data_url(data: bytes, mime: str = "image/jpeg") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def prompt() -> str:
    return "Write a listing title and description for this item.\nAttributes: " + json.dumps(ATTRIBUTES)


async def test_parse_with_pydantic_builds_text_from_the_attributes(oai) -> None:
    completion = await oai.chat.completions.parse(
        model=MODEL,
        messages=[
            {"role": "system", "content": "You write listings."},
            {"role": "user", "content": prompt()},
        ],
        response_format=Listing,
    )
    listing = completion.choices[0].message.parsed
    assert isinstance(listing, Listing)
    assert listing.title == "Levi's blue denim jacket, size M"
    assert listing.description.startswith("Levi's jacket in blue denim. Size M. Condition: very good.")
    assert "Pattern: Plain." in listing.description
    assert {"levi's", "jacket", "blue", "denim"} <= set(listing.tags)
    assert completion.id.startswith("chatcmpl-")
    assert completion.choices[0].finish_reason == "stop"
    usage = completion.usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage.completion_tokens == -(-len(completion.choices[0].message.content) // 4)


async def test_short_max_length_is_respected(oai) -> None:
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string", "maxLength": 20},
            "description": {"type": "string", "maxLength": 50, "minLength": 10},
        },
        "required": ["title", "description"],
        "additionalProperties": False,
    }
    completion = await oai.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": prompt()}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "listing", "schema": schema, "strict": True},
        },
    )
    value = json.loads(completion.choices[0].message.content)
    jsonschema.validate(value, schema)
    assert value["title"] == "Levi's blue jacket"
    assert value["description"] == "Levi's jacket in blue denim. Size M."


async def test_image_url_and_dict_schema(oai, control, photo) -> None:
    schema = {
        "type": "object",
        "properties": {
            "colour": {"type": "string", "enum": ["black", "white", "red", "blue"]},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "brand": {"type": ["string", "null"]},
            "items": {
                "type": "array",
                "minItems": 1,
                "maxItems": 2,
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string", "maxLength": 30}, "count": {"type": "integer"}},
                    "required": ["name", "count"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["colour", "confidence", "brand", "items"],
        "additionalProperties": False,
    }
    image = photo((200, 30, 30), size=(1024, 1024))
    completion = await oai.chat.completions.create(
        model=MODEL,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": data_url(image), "detail": "high"}},
                ],
            }
        ],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "item", "schema": schema, "strict": True},
        },
    )
    value = json.loads(completion.choices[0].message.content)
    jsonschema.validate(value, schema)
    assert value["colour"] == "red"
    assert value["brand"] is None
    [entry] = (await control.get("/sandbox/requests", params={"provider": "openai"})).json()
    assert entry["images"][0]["width"] == 1024
    assert entry["images"][0]["bytes"] == len(image)
    assert entry["images"][0]["tokens"] == 85 + 170 * 4  # 1024² → 768² → 2x2 tiles of 512
    assert entry["schema_properties"] == [
        "colour",
        "confidence",
        "brand",
        "items",
        "items[].name",
        "items[].count",
    ]


async def test_low_detail_costs_85(oai, control, photo) -> None:
    content = [
        {"type": "image_url", "image_url": {"url": data_url(photo(size=(2000, 1000))), "detail": "low"}}
    ]
    await oai.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": content}])
    [entry] = (await control.get("/sandbox/requests")).json()
    assert entry["images"][0]["tokens"] == 85


async def test_responses_with_text_format(oai, photo) -> None:
    schema = Listing.model_json_schema()
    response = await oai.responses.create(
        model=MODEL,
        instructions="You write listings.",
        input=[
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": prompt()},
                    {"type": "input_image", "image_url": data_url(photo(fmt="PNG"), "image/png")},
                ],
            }
        ],
        text={"format": {"type": "json_schema", "name": "listing", "schema": schema, "strict": False}},
    )
    assert response.status == "completed"
    value = json.loads(response.output_text)
    jsonschema.validate(value, schema)
    assert value["title"].startswith("Levi's")
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    assert response.id.startswith("resp_")


async def test_responses_parse(oai) -> None:
    response = await oai.responses.parse(model=MODEL, input=prompt(), text_format=Listing)
    assert isinstance(response.output_parsed, Listing)
    assert response.output_parsed.title == "Levi's blue denim jacket, size M"


async def test_plain_text_answers(oai) -> None:
    completion = await oai.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Write a description.\n" + json.dumps(ATTRIBUTES)}]
    )
    assert completion.choices[0].message.content.startswith("Levi's jacket in blue denim.")
    response = await oai.responses.create(model=MODEL, input="Suggest a title for: " + json.dumps(ATTRIBUTES))
    assert response.output_text == "Levi's blue denim jacket, size M"


async def test_same_request_same_answer(oai) -> None:
    async def ask() -> str | None:
        completion = await oai.chat.completions.parse(
            model=MODEL, messages=[{"role": "user", "content": "Item: a wool coat"}], response_format=Listing
        )
        return completion.choices[0].message.content

    assert await ask() == await ask()


async def test_hints(oai) -> None:
    completion = await oai.chat.completions.parse(
        model=MODEL,
        messages=[{"role": "user", "content": prompt() + '\nSANDBOX_HINTS: {"title": "Forced title"}'}],
        response_format=Listing,
    )
    assert completion.choices[0].message.parsed.title == "Forced title"


async def test_json_object_mode(oai) -> None:
    completion = await oai.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Answer in JSON. " + prompt()}],
        response_format={"type": "json_object"},
    )
    assert json.loads(completion.choices[0].message.content)["title"].startswith("Levi's")
    with pytest.raises(openai.BadRequestError):
        await oai.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "Hello"}],
            response_format={"type": "json_object"},
        )


async def test_strict_schema_rules(oai) -> None:
    schema = {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}
    with pytest.raises(openai.BadRequestError) as caught:
        await oai.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "Hello"}],
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "x", "schema": schema, "strict": True},
            },
        )
    assert "additionalProperties" in caught.value.message
    assert caught.value.param == "response_format"


async def test_bad_key(sandbox_url) -> None:
    client = openai.AsyncOpenAI(base_url=sandbox_url + "/v1", api_key="sk-wrong-key-123", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        await client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}])
    await client.close()
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"
    assert "sk-wrong-key-123" not in caught.value.message


async def test_rate_limit_fault(oai, control) -> None:
    await control.post("/sandbox/faults", json={"provider": "openai", "status": 429, "retry_after_s": 3})
    with pytest.raises(openai.RateLimitError) as caught:
        await oai.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}])
    assert caught.value.code == "rate_limit_exceeded"
    assert caught.value.response.headers["retry-after"] == "3"
    assert caught.value.response.headers["retry-after-ms"] == "3000"
    assert (
        await oai.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}])
    ).choices


async def test_sdk_retries_after_the_delay_the_sandbox_asks(sandbox_url, control) -> None:
    await control.post("/sandbox/faults", json={"provider": "openai", "status": 429, "retry_after_s": 0.05})
    client = openai.AsyncOpenAI(base_url=sandbox_url + "/v1", api_key="test-openai-key", max_retries=2)
    response = await client.responses.create(model=MODEL, input="Hi")
    await client.close()
    assert response.output_text
    assert [e["status"] for e in (await control.get("/sandbox/requests")).json()] == [429, 200]


async def test_server_error_fault_on_responses(oai, control) -> None:
    await control.post("/sandbox/faults", json={"provider": "openai", "status": 500, "count": 1})
    with pytest.raises(openai.InternalServerError):
        await oai.responses.create(model=MODEL, input="Hi")


async def test_unknown_model(oai) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        await oai.chat.completions.create(model="gpt-0", messages=[{"role": "user", "content": "Hi"}])
    assert caught.value.code == "model_not_found"


async def test_undecodable_image(oai) -> None:
    content = [{"type": "image_url", "image_url": {"url": data_url(b"GIF89a-broken")}}]
    with pytest.raises(openai.BadRequestError) as caught:
        await oai.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": content}])
    assert caught.value.code == "invalid_image_format"
    remote = [{"type": "image_url", "image_url": {"url": "https://example.com/a.jpg"}}]
    with pytest.raises(openai.BadRequestError) as caught:
        await oai.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": remote}])
    assert caught.value.code == "invalid_image_url"


async def test_length_limit(oai) -> None:
    with pytest.raises(openai.LengthFinishReasonError):
        await oai.chat.completions.parse(
            model=MODEL,
            messages=[{"role": "user", "content": prompt()}],
            response_format=Listing,
            max_tokens=5,
        )
    response = await oai.responses.create(model=MODEL, input=prompt(), max_output_tokens=5)
    assert response.status == "incomplete"
    assert response.incomplete_details.reason == "max_output_tokens"


async def test_forced_answer(oai, control) -> None:
    await control.post("/sandbox/next", json={"provider": "openai", "json": {"title": "x" * 500}})
    completion = await oai.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}])
    assert json.loads(completion.choices[0].message.content) == {"title": "x" * 500}


async def test_models_list_is_openai_shaped(oai, sandbox_url) -> None:
    ids = [m.id async for m in oai.models.list()]
    assert MODEL in ids
    assert (await oai.models.retrieve("gpt-4o-mini-2024-07-18")).id == "gpt-4o-mini-2024-07-18"
    async with httpx.AsyncClient(base_url=sandbox_url) as client:
        gemini_list = await client.get("/v1/models", headers={"x-goog-api-key": "test-gemini-key"})
    assert "models" in gemini_list.json()


class Condition(StrEnum):
    NEW = "new"
    GOOD = "good"
    FAIR = "fair"


class Variant(BaseModel):
    size: str
    stock: int = Field(ge=0, le=3)


class Draft(BaseModel):
    title: str = Field(max_length=50)
    condition: Condition
    previous_condition: Condition | None
    variants: list[Variant] = Field(min_length=1, max_length=2)
    brand: str | None


async def test_parse_nested_models_with_refs(oai) -> None:
    """The SDK sends a strict schema with $defs/$ref for nested models and enums; it passes the strict
    check and the answer parses."""
    completion = await oai.chat.completions.parse(
        model=MODEL,
        messages=[{"role": "user", "content": 'Draft this: {"brand": "Sézane", "condition": "good"}'}],
        response_format=Draft,
    )
    draft = completion.choices[0].message.parsed
    assert isinstance(draft, Draft)
    assert draft.condition == Condition.GOOD
    assert draft.brand == "Sézane"
    assert draft.title.startswith("Sézane")
    response = await oai.responses.parse(model=MODEL, input="Draft a listing.", text_format=Draft)
    assert isinstance(response.output_parsed, Draft)
    assert response.output_parsed.brand is None
