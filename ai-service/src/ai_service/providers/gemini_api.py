"""Gemini through google-genai's async client (``client.aio``), pointed at the stand-in locally.

The SDK's own retries stay off (its default): ``generate_with_retries`` retries with the delay Gemini
asks for in its ``RetryInfo``, the same way for every provider.

The request body is built here, as the REST API's JSON (the same body the SDK's ``generate_content``
sends, inline images as URL-safe base64), and sent with the SDK's API client (``async_request``: its
transport, key, base URL, timeout and ``APIError``s). ``generate_content`` would first build pydantic
models of the request, deep-copy them with their inline photos and walk them field by field to make that
same dict, then build a pydantic response: about 90 ms of CPU on the event loop per analysis (bench/ai).
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from ai_service.providers.base import (
    ErrorKind,
    ModelAnswer,
    ModelRequest,
    ProviderError,
    Usage,
    transport_error,
)

_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)s\s*$")


def retry_delay(details: Any) -> float | None:
    """Seconds from the ``google.rpc.RetryInfo`` of an error body (``"retryDelay": "12s"``)."""
    error = details.get("error", details) if isinstance(details, dict) else {}
    for item in error.get("details") or [] if isinstance(error, dict) else []:
        if isinstance(item, dict) and str(item.get("@type", "")).endswith("google.rpc.RetryInfo"):
            match = _DURATION.match(str(item.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


def classify(exc: genai_errors.APIError) -> ProviderError:
    code = int(exc.code or 500)
    message = f"Gemini answered {code} {exc.status or ''}: {exc.message or ''}".strip()
    if code == 429:
        return ProviderError(
            ErrorKind.RATE_LIMITED, message, status=code, retry_after_s=retry_delay(exc.details)
        )
    if code >= 500 or code == 408:
        return ProviderError(
            ErrorKind.UNAVAILABLE, message, status=code, retry_after_s=retry_delay(exc.details)
        )
    return ProviderError(ErrorKind.REFUSED, message, status=code)


def request_body(request: ModelRequest) -> dict[str, Any]:
    """The ``models.generateContent`` body of ``request``, as google-genai's ``generate_content`` sends it."""
    parts: list[dict[str, Any]] = [
        {"inlineData": {"data": base64.urlsafe_b64encode(image.data).decode(), "mime_type": image.mime_type}}
        for image in request.images
    ]
    parts.append({"text": request.prompt})
    return {
        "contents": [{"parts": parts, "role": "user"}],
        "systemInstruction": {"parts": [{"text": request.system}], "role": "user"},
        "generationConfig": {
            "temperature": request.temperature,
            "responseMimeType": "application/json",
            "responseJsonSchema": request.schema,
        },
    }


def answer_text(body: dict[str, Any]) -> tuple[str, Any]:
    """The first candidate's text (its parts that are not thoughts, joined, as the SDK's ``.text``) and
    its finish reason."""
    candidates = body.get("candidates") or []
    if not candidates or not isinstance(candidates[0], dict):
        return "", None
    first = candidates[0]
    parts = (first.get("content") or {}).get("parts") or []
    text = "".join(
        p["text"]
        for p in parts
        if isinstance(p, dict) and isinstance(p.get("text"), str) and not p.get("thought")
    )
    return text, first.get("finishReason")


class GeminiProvider:
    name = "gemini"

    def __init__(self, *, api_key: str, model: str, base_url: str | None, timeout_s: float) -> None:
        options: dict[str, Any] = {"api_version": "v1beta", "timeout": int(timeout_s * 1000)}
        if base_url:
            options["base_url"] = base_url
        self.model = model
        self._client = genai.Client(api_key=api_key, http_options=types.HttpOptions(**options))

    async def generate(self, request: ModelRequest) -> ModelAnswer:
        try:
            response = await self._client.aio._api_client.async_request(
                "post", f"models/{self.model}:generateContent", request_body(request)
            )
        except genai_errors.APIError as exc:
            raise classify(exc) from exc
        except Exception as exc:
            error = transport_error(exc)
            if error is None:
                raise
            raise error from exc
        try:
            body = json.loads(response.body) if response.body else {}
        except ValueError as exc:
            raise ProviderError(ErrorKind.INVALID_OUTPUT, f"Gemini's response is not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise ProviderError(ErrorKind.INVALID_OUTPUT, "Gemini's response is not a JSON object")
        text, reason = answer_text(body)
        if not text:
            raise ProviderError(ErrorKind.INVALID_OUTPUT, f"Gemini gave no text (finish reason {reason})")
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ProviderError(ErrorKind.INVALID_OUTPUT, f"Gemini's answer is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ProviderError(ErrorKind.INVALID_OUTPUT, "Gemini's answer is not a JSON object")
        meta = body.get("usageMetadata") or {}
        usage = Usage(
            input_tokens=int(meta.get("promptTokenCount") or 0),
            output_tokens=int(meta.get("candidatesTokenCount") or 0),
            total_tokens=int(meta.get("totalTokenCount") or 0),
        )
        return ModelAnswer(data, usage, str(body.get("modelVersion") or self.model))

    async def aclose(self) -> None:
        await self._client.aio.aclose()
