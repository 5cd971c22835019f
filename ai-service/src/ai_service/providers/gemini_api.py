"""Gemini through google-genai's async client (``client.aio``), pointed at the stand-in locally.

The SDK's own retries stay off (its default): ``generate_with_retries`` retries with the delay Gemini
asks for in its ``RetryInfo``, the same way for every provider.
"""

from __future__ import annotations

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


class GeminiProvider:
    name = "gemini"

    def __init__(self, *, api_key: str, model: str, base_url: str | None, timeout_s: float) -> None:
        options: dict[str, Any] = {"api_version": "v1beta", "timeout": int(timeout_s * 1000)}
        if base_url:
            options["base_url"] = base_url
        self.model = model
        self._client = genai.Client(api_key=api_key, http_options=types.HttpOptions(**options))

    async def generate(self, request: ModelRequest) -> ModelAnswer:
        parts = [
            types.Part.from_bytes(data=image.data, mime_type=image.mime_type) for image in request.images
        ]
        parts.append(types.Part.from_text(text=request.prompt))
        config = types.GenerateContentConfig(
            system_instruction=request.system,
            temperature=request.temperature,
            response_mime_type="application/json",
            response_json_schema=request.schema,
            # No tools are declared; this also silences the SDK's per-call "AFC is enabled" log line.
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        )
        try:
            response = await self._client.aio.models.generate_content(
                model=self.model, contents=[types.Content(role="user", parts=parts)], config=config
            )
        except genai_errors.APIError as exc:
            raise classify(exc) from exc
        except Exception as exc:
            error = transport_error(exc)
            if error is None:
                raise
            raise error from exc
        text = response.text
        if not text:
            reason = response.candidates[0].finish_reason if response.candidates else None
            raise ProviderError(ErrorKind.INVALID_OUTPUT, f"Gemini gave no text (finish reason {reason})")
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ProviderError(ErrorKind.INVALID_OUTPUT, f"Gemini's answer is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ProviderError(ErrorKind.INVALID_OUTPUT, "Gemini's answer is not a JSON object")
        meta = response.usage_metadata
        usage = Usage(
            input_tokens=(meta.prompt_token_count or 0) if meta else 0,
            output_tokens=(meta.candidates_token_count or 0) if meta else 0,
            total_tokens=(meta.total_token_count or 0) if meta else 0,
        )
        return ModelAnswer(data, usage, response.model_version or self.model)

    async def aclose(self) -> None:
        await self._client.aio.aclose()
