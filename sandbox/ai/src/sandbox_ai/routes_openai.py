"""The OpenAI API: ``POST /v1/chat/completions``, ``POST /v1/responses``, ``GET /v1/models``."""

from __future__ import annotations

import asyncio
import binascii
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from sandbox_ai.calls import Call, SettingsDep, WorldDep, forced_text, known_model
from sandbox_ai.compose import Composer, Seen, default_json, free_text
from sandbox_ai.config import Settings
from sandbox_ai.errors import OpenAIError, openai_fault
from sandbox_ai.images import (
    ImageFacts,
    UndecodableImage,
    analyse,
    b64decode,
    openai_image_tokens,
    text_tokens,
)
from sandbox_ai.prompt import read
from sandbox_ai.schema import normalise, property_names, strict_problem

router = APIRouter(prefix="/v1", tags=["openai"])
DATA_URL = re.compile(r"^data:(?P<mime>[^;,]*)(?P<params>(;[^;,]*)*?);base64,(?P<data>.*)$", re.DOTALL)
OPENAI_FORMATS = {"PNG", "JPEG", "MPO", "GIF", "WEBP"}
CREATED = 1_715_367_049


def check_key(request: Request, settings: Settings) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise OpenAIError(
            401,
            "You didn't provide an API key. You need to provide your API key in an Authorization header "
            "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank "
            "username) if you're accessing the API from your browser and are prompted for a username and "
            "password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
            type="invalid_request_error",
        )
    if token not in settings.openai_api_keys:
        masked = f"{token[:3]}{'*' * max(0, len(token) - 7)}{token[-4:]}" if len(token) > 8 else "***"
        raise OpenAIError(
            401,
            f"Incorrect API key provided: {masked}. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            type="invalid_request_error",
            code="invalid_api_key",
        )


def _model_not_found(model: str) -> OpenAIError:
    return OpenAIError(
        404,
        f"The model `{model}` does not exist or you do not have access to it.",
        type="invalid_request_error",
        code="model_not_found",
    )


def _model(model: str) -> dict[str, Any]:
    return {"id": model, "object": "model", "created": CREATED, "owned_by": "system"}


def list_openai_models(request: Request, settings: Settings) -> dict[str, Any]:
    check_key(request, settings)
    return {"object": "list", "data": [_model(m) for m in settings.openai_models]}


def get_openai_model(model: str, request: Request, settings: Settings) -> dict[str, Any]:
    check_key(request, settings)
    if not known_model(model, settings.openai_models):
        raise _model_not_found(model)
    return _model(model)


@dataclass
class Parsed:
    texts: list[str] = field(default_factory=list)
    images: list[ImageFacts] = field(default_factory=list)
    image_tokens: int = 0
    messages: int = 0

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


@dataclass
class Format:
    kind: str = "text"  # text | json_object | json_schema
    name: str | None = None
    root: dict[str, Any] | None = None
    schema_tokens: int = 0


def _missing(param: str) -> OpenAIError:
    return OpenAIError(
        400,
        f"Missing required parameter: '{param}'.",
        type="invalid_request_error",
        param=param,
        code="missing_required_parameter",
    )


def _invalid(param: str | None, message: str, code: str | None = "invalid_value") -> OpenAIError:
    return OpenAIError(400, message, type="invalid_request_error", param=param, code=code)


async def _body(request: Request, settings: Settings) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > settings.openai_max_request_bytes:
        raise OpenAIError(413, "Request too large.", type="invalid_request_error", code="request_too_large")
    try:
        body = json.loads(raw or b"{}")
    except ValueError as exc:
        raise OpenAIError(
            400,
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your "
            "HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid "
            "JSON. If you have trouble figuring out how to fix this, please contact us through our help "
            "center at help.openai.com.)",
            type="invalid_request_error",
        ) from exc
    if not isinstance(body, dict):
        raise _invalid("body", "The request body must be a JSON object.", None)
    if not body.get("model"):
        raise OpenAIError(400, "you must provide a model parameter", type="invalid_request_error")
    if body.get("stream"):
        raise _invalid(
            "stream", "The sandbox does not stream; call without stream=True.", "unsupported_value"
        )
    return body


async def _image(url: Any, detail: str, param: str, parsed: Parsed, call: Call) -> None:
    if not isinstance(url, str) or not url:
        raise _missing(param)
    if url.startswith(("http://", "https://")):
        raise _invalid(
            param,
            f"Error while downloading {url[:100]}. The sandbox does not fetch remote images; send a data URL.",
            "invalid_image_url",
        )
    match = DATA_URL.match(url)
    if match is None or not match.group("mime").startswith("image/"):
        raise _invalid(
            param,
            f"Invalid '{param}'. Expected a base64-encoded data URL with an image MIME type (e.g. "
            "'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got a value that is not.",
        )
    try:
        raw = b64decode(match.group("data"))
    except (ValueError, binascii.Error) as exc:
        raise _invalid(
            param, f"Invalid '{param}'. The base64 data of the image could not be decoded."
        ) from exc
    unsupported = _invalid(
        None,
        "You uploaded an unsupported image. Please make sure your image has of one the following formats: "
        "['png', 'jpeg', 'gif', 'webp'].",
        "invalid_image_format",
    )
    try:
        facts = await asyncio.to_thread(analyse, raw, match.group("mime"))
    except UndecodableImage as exc:
        call.images.append(
            {"mime_type": match.group("mime"), "bytes": len(raw), "width": None, "height": None}
        )
        raise unsupported from exc
    if facts.format not in OPENAI_FORMATS:
        call.images.append({**facts.summary(), "tokens": 0})
        raise unsupported
    tokens = openai_image_tokens(facts.width, facts.height, detail)
    parsed.images.append(facts)
    parsed.image_tokens += tokens
    call.images.append({**facts.summary(), "detail": detail, "tokens": tokens})


async def _content(content: Any, param: str, parsed: Parsed, call: Call) -> None:
    """A message's content: a string or a list of parts (chat and responses part types)."""
    if isinstance(content, str):
        parsed.texts.append(content)
        return
    if not isinstance(content, list):
        return
    for i, part in enumerate(content):
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        where = f"{param}[{i}]"
        if kind in ("text", "input_text", "output_text") and isinstance(part.get("text"), str):
            parsed.texts.append(part["text"])
        elif kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            detail = image.get("detail", "auto") if isinstance(image, dict) else "auto"
            await _image(url, str(detail or "auto"), f"{where}.image_url.url", parsed, call)
        elif kind == "input_image":
            if part.get("file_id") and not part.get("image_url"):
                raise _invalid(f"{where}.file_id", "The sandbox has no Files API; send a data URL.", None)
            await _image(
                part.get("image_url"), str(part.get("detail") or "auto"), f"{where}.image_url", parsed, call
            )
        elif kind == "refusal" and isinstance(part.get("refusal"), str):
            parsed.texts.append(part["refusal"])


def _format(spec: Any, param: str, call: Call, texts: str) -> Format:
    """``response_format`` (chat) or ``text.format`` (responses)."""
    if not isinstance(spec, dict) or spec.get("type") in (None, "text"):
        call.response_type = "text"
        return Format()
    kind = spec.get("type")
    call.response_type = str(kind)
    if kind == "json_object":
        if "json" not in texts.lower():
            where = "messages" if param == "response_format" else "input"
            raise OpenAIError(
                400,
                f"'{where}' must contain the word 'json' in some form, to use '{param}' of type 'json_object'.",
                type="invalid_request_error",
                param=where,
            )
        return Format(kind="json_object")
    if kind != "json_schema":
        raise _invalid(f"{param}.type", f"Invalid value: '{kind}'. Supported values are: 'text', "
                       "'json_object', and 'json_schema'.")  # fmt: skip
    inner = spec.get("json_schema") if param == "response_format" else spec
    inner_param = f"{param}.json_schema" if param == "response_format" else param
    if not isinstance(inner, dict):
        raise _missing(inner_param)
    name = inner.get("name")
    if not name:
        raise _missing(f"{inner_param}.name")
    schema = inner.get("schema")
    if not isinstance(schema, dict):
        schema = {}
    if inner.get("strict") is True and (problem := strict_problem(schema)) is not None:
        raise OpenAIError(
            400,
            f"Invalid schema for {param} '{name}': {problem}",
            type="invalid_request_error",
            param=param if param == "response_format" else f"{param}.schema",
        )
    root = normalise(schema)
    call.schema = "json_schema"
    call.schema_properties = property_names(root)
    return Format(
        kind="json_schema", name=str(name), root=root, schema_tokens=text_tokens(json.dumps(schema))
    )


def _answer(parsed: Parsed, fmt: Format, call: Call) -> str:
    forced = call.take_forced()
    if forced is not None:
        return forced_text(forced)
    seen = Seen(parsed.images, read(parsed.text))
    call.hints = seen.prompt.hints
    if fmt.kind == "json_schema" and fmt.root is not None:
        return json.dumps(Composer(seen, fmt.root).compose(), ensure_ascii=False)
    if fmt.kind == "json_object":
        return json.dumps(default_json(seen), ensure_ascii=False)
    return free_text(seen)


async def _prepare(request: Request, call: Call, settings: Settings) -> dict[str, Any]:
    check_key(request, settings)
    body = await _body(request, settings)
    call.model = str(body["model"])
    if not known_model(call.model, settings.openai_models):
        raise _model_not_found(call.model)
    return body


def _request_id(request: Request) -> str:
    rid = "req_" + secrets.token_hex(16)
    request.state.request_id = rid
    return rid


@router.post("/chat/completions")
async def chat_completions(request: Request, world: WorldDep, settings: SettingsDep) -> JSONResponse:
    call = Call(world, "openai", "chat.completions", "")
    rid = _request_id(request)
    try:
        body = await _prepare(request, call, settings)
        messages = body.get("messages")
        if not isinstance(messages, list):
            raise _missing("messages")
        if not messages:
            raise _invalid("messages", "Invalid 'messages': empty array. Expected an array with minimum "
                           "length 1, but got an empty array instead.", "empty_array")  # fmt: skip
        parsed = Parsed(messages=len(messages))
        for i, message in enumerate(messages):
            if not isinstance(message, dict) or "role" not in message:
                raise _missing(f"messages[{i}].role")
            await _content(message.get("content"), f"messages[{i}].content", parsed, call)
        fmt = _format(body.get("response_format"), "response_format", call, parsed.text)
        await call.delay()
        fault = call.take_fault()
        if fault is not None:
            raise openai_fault(fault.status, fault.retry_after_s, fault.message)
        text = _answer(parsed, fmt, call)
        prompt = sum(text_tokens(t) for t in parsed.texts) + 3 * parsed.messages + 3
        prompt += parsed.image_tokens + fmt.schema_tokens
        completion = text_tokens(text)
        finish = "stop"
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if isinstance(limit, int) and 0 < limit < completion:
            text, completion, finish = text[: limit * 4], limit, "length"
        call.usage = {"prompt": prompt, "output": completion, "total": prompt + completion}
        wanted = body.get("n")
        n = wanted if isinstance(wanted, int) and wanted > 0 else 1
        choice: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None, "annotations": []}
        return JSONResponse(
            {
                "id": "chatcmpl-" + secrets.token_urlsafe(21).replace("-", "x").replace("_", "y"),
                "object": "chat.completion",
                "created": int(time.time()),
                "model": call.model,
                "choices": [
                    {"index": i, "message": choice, "logprobs": None, "finish_reason": finish}
                    for i in range(n)
                ],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                    "completion_tokens_details": {
                        "reasoning_tokens": 0,
                        "audio_tokens": 0,
                        "accepted_prediction_tokens": 0,
                        "rejected_prediction_tokens": 0,
                    },
                },
                "service_tier": "default",
                "system_fingerprint": "fp_sandbox",
            },
            headers={"x-request-id": rid},
        )
    except OpenAIError as exc:
        call.status, call.error = exc.status, exc.message
        raise
    except Exception as exc:
        call.status, call.error = 500, repr(exc)
        raise
    finally:
        call.save()


@router.post("/responses")
async def responses(request: Request, world: WorldDep, settings: SettingsDep) -> JSONResponse:
    call = Call(world, "openai", "responses", "")
    rid = _request_id(request)
    try:
        body = await _prepare(request, call, settings)
        items = body.get("input")
        instructions = body.get("instructions")
        if items is None or items == "" or items == []:
            raise _missing("input")
        parsed = Parsed()
        if isinstance(instructions, str):
            parsed.texts.append(instructions)
        if isinstance(items, str):
            parsed.texts.append(items)
            parsed.messages = 1
        elif isinstance(items, list):
            for i, item in enumerate(items):
                if not isinstance(item, dict):
                    continue
                parsed.messages += 1
                if item.get("type") in (None, "message"):
                    await _content(item.get("content"), f"input[{i}].content", parsed, call)
                elif isinstance(item.get("output"), str):
                    parsed.texts.append(item["output"])
        else:
            raise _invalid(
                "input", "Invalid type for 'input': expected a string or an array.", "invalid_type"
            )
        text_spec: dict[str, Any] = body["text"] if isinstance(body.get("text"), dict) else {}
        fmt = _format(text_spec.get("format"), "text.format", call, parsed.text)
        await call.delay()
        fault = call.take_fault()
        if fault is not None:
            raise openai_fault(fault.status, fault.retry_after_s, fault.message)
        text = _answer(parsed, fmt, call)
        prompt = sum(text_tokens(t) for t in parsed.texts) + parsed.image_tokens + fmt.schema_tokens
        prompt += 3 * max(parsed.messages, 1)
        completion = text_tokens(text)
        status, incomplete = "completed", None
        limit = body.get("max_output_tokens")
        if isinstance(limit, int) and 0 < limit < completion:
            text, completion = text[: limit * 4], limit
            status, incomplete = "incomplete", {"reason": "max_output_tokens"}
        call.usage = {"prompt": prompt, "output": completion, "total": prompt + completion}
        format_echo = text_spec.get("format") or {"type": "text"}
        return JSONResponse(
            {
                "id": "resp_" + secrets.token_hex(24),
                "object": "response",
                "created_at": int(time.time()),
                "status": status,
                "background": False,
                "error": None,
                "incomplete_details": incomplete,
                "instructions": instructions if isinstance(instructions, str) else None,
                "max_output_tokens": limit if isinstance(limit, int) else None,
                "model": call.model,
                "output": [
                    {
                        "id": "msg_" + secrets.token_hex(24),
                        "type": "message",
                        "status": status,
                        "role": "assistant",
                        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
                    }
                ],
                "parallel_tool_calls": True,
                "previous_response_id": None,
                "reasoning": {"effort": None, "summary": None},
                "store": bool(body.get("store", True)),
                "temperature": body.get("temperature", 1.0),
                "text": {"format": format_echo},
                "tool_choice": "auto",
                "tools": [],
                "top_p": body.get("top_p", 1.0),
                "truncation": "disabled",
                "usage": {
                    "input_tokens": prompt,
                    "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                    "output_tokens": completion,
                    "output_tokens_details": {"reasoning_tokens": 0},
                    "total_tokens": prompt + completion,
                },
                "user": None,
                "metadata": body.get("metadata") or {},
            },
            headers={"x-request-id": rid},
        )
    except OpenAIError as exc:
        call.status, call.error = exc.status, exc.message
        raise
    except Exception as exc:
        call.status, call.error = 500, repr(exc)
        raise
    finally:
        call.save()
