"""OpenAI through ``openai.AsyncOpenAI`` (Chat Completions with Structured Outputs), with the SDK's own
retries off: ``generate_with_retries`` honours ``retry-after-ms`` / ``retry-after`` itself."""

from __future__ import annotations

import base64
import json
from typing import Any

import openai

from ai_service.providers.base import (
    ErrorKind,
    ModelAnswer,
    ModelRequest,
    ProviderError,
    Usage,
    transport_error,
)


def retry_after(headers: Any) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (OpenAI sends both on a 429)."""
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) * scale
        except ValueError:
            continue
    return None


def classify(exc: openai.APIStatusError) -> ProviderError:
    code = exc.status_code
    message = f"OpenAI answered {code}: {exc.message}"
    delay = retry_after(exc.response.headers if exc.response is not None else None)
    if code == 429:
        return ProviderError(ErrorKind.RATE_LIMITED, message, status=code, retry_after_s=delay)
    if code >= 500 or code in (408, 409):
        return ProviderError(ErrorKind.UNAVAILABLE, message, status=code, retry_after_s=delay)
    return ProviderError(ErrorKind.REFUSED, message, status=code)


class OpenAIProvider:
    name = "openai"

    def __init__(self, *, api_key: str, model: str, base_url: str | None, timeout_s: float) -> None:
        self.model = model
        self._client = openai.AsyncOpenAI(
            api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_s
        )

    async def generate(self, request: ModelRequest) -> ModelAnswer:
        content: list[dict[str, Any]] = [{"type": "text", "text": request.prompt}]
        for image in request.images:
            url = f"data:{image.mime_type};base64,{base64.b64encode(image.data).decode()}"
            # A thumbnail is there to be recognised, not read: the fixed low-detail price (85 tokens).
            detail = "low" if image.role == "thumb" else "high"
            content.append({"type": "image_url", "image_url": {"url": url, "detail": detail}})
        messages: Any = [
            {"role": "system", "content": request.system},
            {"role": "user", "content": content},
        ]
        response_format: Any = {
            "type": "json_schema",
            "json_schema": {"name": request.schema_name, "schema": request.schema, "strict": True},
        }
        try:
            response = await self._client.chat.completions.create(
                model=self.model,
                messages=messages,
                response_format=response_format,
                temperature=request.temperature,
            )
        except openai.APIStatusError as exc:
            raise classify(exc) from exc
        except openai.APITimeoutError as exc:
            raise ProviderError(ErrorKind.TIMEOUT, "OpenAI did not answer in time") from exc
        except openai.APIConnectionError as exc:
            raise ProviderError(ErrorKind.UNAVAILABLE, f"OpenAI could not be reached: {exc}") from exc
        except Exception as exc:
            error = transport_error(exc)
            if error is None:
                raise
            raise error from exc
        if not response.choices:
            raise ProviderError(ErrorKind.INVALID_OUTPUT, "OpenAI gave no choice")
        message = response.choices[0].message
        if message.refusal:
            raise ProviderError(ErrorKind.INVALID_OUTPUT, f"OpenAI refused: {message.refusal}")
        try:
            data = json.loads(message.content or "")
        except ValueError as exc:
            raise ProviderError(ErrorKind.INVALID_OUTPUT, f"OpenAI's answer is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ProviderError(ErrorKind.INVALID_OUTPUT, "OpenAI's answer is not a JSON object")
        usage = response.usage
        return ModelAnswer(
            data,
            Usage(
                input_tokens=usage.prompt_tokens if usage else 0,
                output_tokens=usage.completion_tokens if usage else 0,
                total_tokens=usage.total_tokens if usage else 0,
            ),
            response.model or self.model,
        )

    async def aclose(self) -> None:
        await self._client.close()
