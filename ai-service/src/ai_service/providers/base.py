"""What every provider speaks: a request (prompt, photos, the JSON schema wanted), an answer, an error."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from ai_service.images.prep import PreparedImage


class ErrorKind(StrEnum):
    RATE_LIMITED = "rate_limited"  # 429
    UNAVAILABLE = "unavailable"  # 5xx, connection refused or reset
    TIMEOUT = "timeout"
    REFUSED = "refused"  # 4xx other than 429: our request or our key is wrong; retrying will not help
    INVALID_OUTPUT = "invalid_output"  # the answer is not JSON of the schema asked for


RETRYABLE = frozenset({ErrorKind.RATE_LIMITED, ErrorKind.UNAVAILABLE, ErrorKind.TIMEOUT})


class ProviderError(Exception):
    """A provider call that gave no usable answer."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.retry_after_s = retry_after_s

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


@dataclass(frozen=True)
class Usage:
    """Tokens of one call, as the provider counted them (Gemini's usageMetadata, OpenAI's usage)."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0


@dataclass(frozen=True)
class ModelRequest:
    step: str  # category | detail | full | drafts
    system: str
    prompt: str
    schema: dict[str, Any]
    schema_name: str
    images: tuple[PreparedImage, ...] = ()
    temperature: float = 0.0


@dataclass(frozen=True)
class ModelAnswer:
    data: dict[str, Any]
    usage: Usage = field(default_factory=Usage)
    model: str = ""


class Provider(Protocol):
    """A model behind an API (or none, offline)."""

    name: str
    model: str

    async def generate(self, request: ModelRequest) -> ModelAnswer:
        """One call; raises ``ProviderError``."""

    async def aclose(self) -> None:
        """Release the HTTP client."""


def transport_error(exc: BaseException) -> ProviderError | None:
    """A timeout or connection failure of whichever HTTP library the SDK runs on (httpx, httpx2, aiohttp)."""
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return ProviderError(ErrorKind.TIMEOUT, "the provider did not answer in time")
    module = type(exc).__module__.split(".")[0]
    if module not in {"httpx", "httpx2", "aiohttp", "httpcore", "anyio"}:
        return None
    if "Timeout" in type(exc).__name__:
        return ProviderError(ErrorKind.TIMEOUT, f"the provider did not answer in time ({type(exc).__name__})")
    return ProviderError(ErrorKind.UNAVAILABLE, f"the provider could not be reached ({type(exc).__name__})")
