"""The Gemini API (Developer API, ``generativelanguage.googleapis.com``): generateContent,
streamGenerateContent, countTokens, models. Served under ``/v1beta`` and ``/v1`` (google-genai 3.x
defaults to ``v1``)."""

from __future__ import annotations

import asyncio
import binascii
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from sandbox_ai.calls import Call, SettingsDep, WorldDep, forced_text, known_model
from sandbox_ai.compose import Composer, Seen, default_json, free_text
from sandbox_ai.config import Settings
from sandbox_ai.errors import GeminiError, bad_api_key, gemini_fault, missing_api_key
from sandbox_ai.images import (
    ImageFacts,
    UndecodableImage,
    analyse,
    b64decode,
    gemini_image_tokens,
    text_tokens,
)
from sandbox_ai.prompt import read
from sandbox_ai.routes_openai import get_openai_model, list_openai_models
from sandbox_ai.schema import normalise, property_names

router = APIRouter(tags=["gemini"])
VERSIONS = {"v1", "v1beta", "v1alpha"}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/jpg", "image/webp", "image/heic", "image/heif", "image/gif"}
OTHER_TYPES = ("application/pdf", "text/", "audio/", "video/", "application/json")
RESPONSE_TYPES = {"text/plain", "application/json", "text/x.enum", "application/xml", "application/yaml"}
TOP_LEVEL = {
    "model", "contents", "systemInstruction", "system_instruction", "generationConfig", "generation_config",
    "safetySettings", "safety_settings", "tools", "toolConfig", "tool_config", "cachedContent",
    "cached_content", "labels", "serviceTier", "service_tier", "store", "continuationToken",
    "continuation_token",
}  # fmt: skip
TROUBLESHOOTING = "Please retry or report in https://developers.generativeai.google/guide/troubleshooting"


def check_key(request: Request, settings: Settings) -> None:
    key = request.headers.get("x-goog-api-key") or request.query_params.get("key")
    if not key:
        raise missing_api_key()
    if key.strip() in settings.gemini_denied_keys:
        raise GeminiError(403, "Your API key was reported as leaked. Please use another API key.")
    if key.strip() not in settings.gemini_api_keys:
        raise bad_api_key()


def check_model(version: str, model: str, settings: Settings, method: str = "generateContent") -> None:
    if not known_model(model, settings.gemini_models):
        raise GeminiError(
            404,
            f"models/{model} is not found for API version {version}, or is not supported for {method}. "
            "Call ListModels to see the list of available models and their supported methods.",
        )


def model_info(name: str) -> dict[str, Any]:
    return {
        "name": f"models/{name}",
        "baseModelId": name,
        "version": "001",
        "displayName": name.replace("-", " ").title().replace("Gemini", "Gemini"),
        "description": "Served by sandbox-ai: deterministic answers derived from the request.",
        "inputTokenLimit": 1_048_576,
        "outputTokenLimit": 65_536,
        "supportedGenerationMethods": ["generateContent", "countTokens", "streamGenerateContent"],
        "temperature": 1.0,
        "maxTemperature": 2.0,
        "topP": 0.95,
        "topK": 64,
    }


@dataclass
class Parsed:
    """A generateContent body, read."""

    texts: list[str] = field(default_factory=list)
    images: list[ImageFacts] = field(default_factory=list)
    image_tokens: int = 0
    other_tokens: int = 0
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def prompt_tokens(self) -> int:
        return sum(text_tokens(t) for t in self.texts) + self.image_tokens + self.other_tokens

    def details(self) -> list[dict[str, Any]]:
        out = [
            {"modality": "TEXT", "tokenCount": sum(text_tokens(t) for t in self.texts) + self.other_tokens}
        ]
        if self.image_tokens:
            out.append({"modality": "IMAGE", "tokenCount": self.image_tokens})
        return out


def _get(obj: dict[str, Any], camel: str, snake: str) -> Any:
    return obj.get(camel, obj.get(snake))


async def _body(request: Request, settings: Settings) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > settings.gemini_max_request_bytes:
        raise GeminiError(
            400, f"Request payload size exceeds the limit: {settings.gemini_max_request_bytes} bytes."
        )
    try:
        body = json.loads(raw or b"{}")
    except ValueError as exc:
        raise GeminiError(400, "Invalid JSON payload received. Unexpected token.") from exc
    if not isinstance(body, dict):
        raise GeminiError(400, 'Invalid JSON payload received. Expected an object ("{").')
    return body


async def _parse(body: dict[str, Any], call: Call, *, where: str = "GenerateContentRequest") -> Parsed:
    # Unknown fields are logged, not refused: a newer SDK may send fields this list does not know yet.
    call.ignored = [name for name in body if name not in TOP_LEVEL]
    parsed = Parsed(config=_get(body, "generationConfig", "generation_config") or {})
    system = _get(body, "systemInstruction", "system_instruction")
    contents = body.get("contents")
    if not contents:
        raise GeminiError(400, f"* {where}.contents: contents is not specified\n")
    if not isinstance(contents, list):
        raise GeminiError(400, "Invalid JSON payload received. 'contents' must be a list.")
    blocks: list[tuple[str, Any]] = []
    if isinstance(system, dict):
        blocks.append(("system_instruction", system))
    blocks.extend((f"contents[{i}]", c) for i, c in enumerate(contents))
    for label, content in blocks:
        parts = content.get("parts") if isinstance(content, dict) else None
        if not parts:
            raise GeminiError(400, f"* {where}.{label}.parts: contents.parts must not be empty.\n")
        for j, part in enumerate(parts):
            if not isinstance(part, dict):
                continue
            if isinstance(part.get("text"), str):
                parsed.texts.append(part["text"])
            inline = _get(part, "inlineData", "inline_data")
            if isinstance(inline, dict):
                await _blob(inline, f"{label}.parts[{j}].inline_data", parsed, call)
            if _get(part, "fileData", "file_data") is not None:
                raise GeminiError(
                    400, f"* {where}.{label}.parts[{j}].file_data: the sandbox reads inline data only.\n"
                )
    return parsed


async def _blob(inline: dict[str, Any], label: str, parsed: Parsed, call: Call) -> None:
    mime = str(_get(inline, "mimeType", "mime_type") or "").lower()
    data = inline.get("data")
    if not mime:
        raise GeminiError(400, f"* GenerateContentRequest.{label}.mime_type: mime_type is not specified\n")
    if not isinstance(data, str) or not data:
        raise GeminiError(400, f"* GenerateContentRequest.{label}.data: data is not specified\n")
    try:
        raw = b64decode(data)
    except (ValueError, binascii.Error) as exc:
        raise GeminiError(
            400, f"Invalid value at '{label}.data' (TYPE_BYTES), Base64 decoding failed for \"{data[:40]}\""
        ) from exc
    if mime in IMAGE_TYPES:
        try:
            facts = await asyncio.to_thread(analyse, raw, mime)
        except UndecodableImage as exc:
            call.images.append({"mime_type": mime, "bytes": len(raw), "width": None, "height": None})
            raise GeminiError(400, f"Unable to process input image. {TROUBLESHOOTING}") from exc
        tokens = gemini_image_tokens(facts.width, facts.height)
        parsed.images.append(facts)
        parsed.image_tokens += tokens
        call.images.append({**facts.summary(), "tokens": tokens})
    elif mime.startswith(OTHER_TYPES):
        parsed.other_tokens += (
            text_tokens(raw.decode("utf-8", "replace")) if mime.startswith("text/") else 258
        )
    else:
        raise GeminiError(400, f"Unsupported MIME type: {mime}")


def _schema(config: dict[str, Any], call: Call) -> tuple[dict[str, Any] | None, str]:
    mime = str(_get(config, "responseMimeType", "response_mime_type") or "text/plain")
    schema = _get(config, "responseSchema", "response_schema")
    json_schema = _get(config, "responseJsonSchema", "response_json_schema")
    if json_schema is None:
        json_schema = config.get("_responseJsonSchema")
    if mime not in RESPONSE_TYPES:
        raise GeminiError(
            400,
            "* GenerateContentRequest.generation_config.response_mime_type: allowed mimetypes are "
            "`text/plain`, `application/json`, `application/xml`, `application/yaml` and `text/x.enum`.\n",
        )
    if schema is not None and json_schema is not None:
        raise GeminiError(
            400, "* GenerateContentRequest.generation_config: response_schema and response_json_schema "
            "are mutually exclusive.\n"
        )  # fmt: skip
    chosen = schema if schema is not None else json_schema
    if chosen is not None and mime not in ("application/json", "text/x.enum"):
        raise GeminiError(
            400,
            "* GenerateContentRequest.generation_config.response_mime_type: response_schema and "
            "response_json_schema need response_mime_type `application/json` or `text/x.enum`.\n",
        )
    if chosen is None:
        return None, mime
    if not isinstance(chosen, dict):
        raise GeminiError(
            400, "* GenerateContentRequest.generation_config.response_schema: must be an object.\n"
        )
    call.schema = "responseSchema" if schema is not None else "responseJsonSchema"
    root = normalise(chosen)
    call.schema_properties = property_names(root)
    return root, mime


def _answer(parsed: Parsed, root: dict[str, Any] | None, mime: str, call: Call) -> str:
    forced = call.take_forced()
    if forced is not None:
        return forced_text(forced)
    seen = Seen(parsed.images, read(parsed.text))
    call.hints = seen.prompt.hints
    if root is not None and mime == "text/x.enum":
        return str(Composer(seen, root).compose())
    if root is not None:
        return json.dumps(Composer(seen, root).compose(), ensure_ascii=False)
    if mime == "application/json":
        return json.dumps(default_json(seen), ensure_ascii=False)
    return free_text(seen)


async def _generate(
    version: str, model: str, request: Request, call: Call, settings: Settings
) -> dict[str, Any]:
    check_key(request, settings)
    check_model(version, model, settings)
    body = await _body(request, settings)
    parsed = await _parse(body, call)
    root, mime = _schema(parsed.config, call)
    await call.delay()
    fault = call.take_fault()
    if fault is not None:
        raise gemini_fault(fault.status, fault.retry_after_s, fault.message)
    text = _answer(parsed, root, mime, call)
    prompt_tokens = parsed.prompt_tokens()
    out_tokens = text_tokens(text)
    finish = "STOP"
    limit = parsed.config.get("maxOutputTokens", parsed.config.get("max_output_tokens"))
    if isinstance(limit, int) and 0 < limit < out_tokens:
        text, out_tokens, finish = text[: limit * 4], limit, "MAX_TOKENS"
    call.usage = {"prompt": prompt_tokens, "output": out_tokens, "total": prompt_tokens + out_tokens}
    return {
        "candidates": [
            {"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": finish, "index": 0}
        ],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": out_tokens,
            "totalTokenCount": prompt_tokens + out_tokens,
            "promptTokensDetails": parsed.details(),
        },
        "modelVersion": model,
        "responseId": secrets.token_urlsafe(16),
    }


async def _count(
    version: str, model: str, request: Request, call: Call, settings: Settings
) -> dict[str, Any]:
    check_key(request, settings)
    check_model(version, model, settings, "countTokens")
    body = await _body(request, settings)
    inner = _get(body, "generateContentRequest", "generate_content_request")
    if isinstance(inner, dict):
        body = {k: v for k, v in inner.items() if k != "model"}
    parsed = await _parse(body, call, where="CountTokensRequest")
    total = parsed.prompt_tokens()
    call.usage = {"prompt": total, "output": 0, "total": total}
    return {"totalTokens": total, "promptTokensDetails": parsed.details()}


@router.post("/{version}/models/{model_action}")
async def model_action(
    version: str, model_action: str, request: Request, world: WorldDep, settings: SettingsDep
) -> Response:
    """``models/{model}:generateContent`` | ``:streamGenerateContent`` | ``:countTokens``."""
    model, _, action = model_action.partition(":")
    if version not in VERSIONS:
        raise GeminiError(404, f"Method not found: {version}.")
    call = Call(world, "gemini", action or "?", model)
    try:
        if action == "generateContent":
            return JSONResponse(await _generate(version, model, request, call, settings))
        if action == "streamGenerateContent":
            answer = await _generate(version, model, request, call, settings)
            if request.query_params.get("alt") == "sse":
                chunk = json.dumps(answer, ensure_ascii=False)
                return Response(f"data: {chunk}\r\n\r\n", media_type="text/event-stream")
            return JSONResponse([answer])
        if action == "countTokens":
            return JSONResponse(await _count(version, model, request, call, settings))
        raise GeminiError(404, f"Method not found: models/{model}:{action} is not served by the sandbox.")
    except GeminiError as exc:
        call.status, call.error = exc.code, exc.message
        raise
    except Exception as exc:
        call.status, call.error = 500, repr(exc)
        raise
    finally:
        call.save()


def _openai_caller(request: Request) -> bool:
    """``GET /v1/models`` is both APIs' model list: the OpenAI SDK sends a bearer token and no Google key."""
    return (
        request.headers.get("authorization", "").lower().startswith("bearer ")
        and "x-goog-api-key" not in request.headers
        and "key" not in request.query_params
    )


@router.get("/{version}/models")
async def list_models(version: str, request: Request, settings: SettingsDep) -> dict[str, Any]:
    if version == "v1" and _openai_caller(request):
        return list_openai_models(request, settings)
    if version not in VERSIONS:
        raise GeminiError(404, f"Method not found: {version}.")
    check_key(request, settings)
    return {"models": [model_info(m) for m in settings.gemini_models]}


@router.get("/{version}/models/{model}")
async def get_model(version: str, model: str, request: Request, settings: SettingsDep) -> dict[str, Any]:
    if version == "v1" and _openai_caller(request):
        return get_openai_model(model, request, settings)
    if version not in VERSIONS:
        raise GeminiError(404, f"Method not found: {version}.")
    check_key(request, settings)
    if not known_model(model, settings.gemini_models):
        raise GeminiError(404, f"models/{model} is not found for API version {version}.")
    return model_info(model)
