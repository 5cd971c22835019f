"""Retries of one provider call: 429/5xx/timeouts with a growing delay, or the provider's own delay."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ai_service.providers.base import ErrorKind, ModelAnswer, ModelRequest, Provider, ProviderError

logger = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    backoff_s: float = 1.0
    max_delay_s: float = 30.0
    invalid_output_retries: int = 1

    def delay(self, error: ProviderError, attempt: int) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``; None: give up now."""
        if error.retry_after_s is not None:
            # A provider asking for longer than we can wait: fail now rather than hold the worker.
            return error.retry_after_s if error.retry_after_s <= self.max_delay_s else None
        base: float = self.backoff_s * 2 ** (attempt - 1)
        return min(self.max_delay_s, base * (0.5 + random.random()))


async def generate_with_retries(
    provider: Provider,
    request: ModelRequest,
    policy: RetryPolicy,
    validate: Callable[[ModelAnswer], None] | None = None,
    *,
    sleep: Sleep = asyncio.sleep,
) -> tuple[ModelAnswer, int]:
    """The answer and how many calls it took; ``ProviderError`` once retries are spent.

    ``validate`` raises ``ProviderError(INVALID_OUTPUT)`` for an answer that parsed but is unusable; such
    an answer is asked for again ``invalid_output_retries`` times (it is paid for by the same credits).
    """
    transient_failures = 0
    invalid_answers = 0
    calls = 0
    while True:
        calls += 1
        try:
            answer = await provider.generate(request)
            if validate is not None:
                validate(answer)
            return answer, calls
        except ProviderError as error:
            if error.kind is ErrorKind.INVALID_OUTPUT:
                invalid_answers += 1
                if invalid_answers > policy.invalid_output_retries:
                    raise
                logger.warning("invalid model output; asking again", extra={"step": request.step})
                continue
            if not error.retryable:
                raise
            transient_failures += 1
            wait = policy.delay(error, transient_failures)
            if transient_failures >= policy.max_attempts or wait is None:
                raise
            logger.warning(
                "provider call failed; retrying",
                extra={
                    "step": request.step,
                    "kind": error.kind.value,
                    "status": error.status,
                    "wait_s": wait,
                },
            )
            await sleep(wait)
