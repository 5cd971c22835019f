"""Retries of a provider call."""

from __future__ import annotations

import pytest
from ai_service.providers.base import ErrorKind, ModelAnswer, ModelRequest, ProviderError
from ai_service.providers.gemini_api import retry_delay
from ai_service.providers.openai_api import retry_after
from ai_service.providers.retry import RetryPolicy, generate_with_retries

REQUEST = ModelRequest(step="category", system="s", prompt="p", schema={}, schema_name="x")


class Scripted:
    """A provider answering from a script of errors and answers."""

    name, model = "scripted", "scripted-1"

    def __init__(self, *script: ProviderError | dict) -> None:
        self.script = list(script)
        self.calls = 0

    async def generate(self, request: ModelRequest) -> ModelAnswer:
        self.calls += 1
        step = self.script.pop(0)
        if isinstance(step, ProviderError):
            raise step
        return ModelAnswer(step)

    async def aclose(self) -> None:
        return None


@pytest.mark.unit
class TestGenerateWithRetries:
    async def test_the_provider_s_delay_is_honoured(self) -> None:
        waits: list[float] = []

        async def sleep(s: float) -> None:
            waits.append(s)

        provider = Scripted(ProviderError(ErrorKind.RATE_LIMITED, "429", retry_after_s=7), {"ok": 1})
        answer, calls = await generate_with_retries(
            provider, REQUEST, RetryPolicy(max_delay_s=30), sleep=sleep
        )
        assert (answer.data, calls, waits) == ({"ok": 1}, 2, [7])

    async def test_without_a_delay_the_backoff_grows(self) -> None:
        waits: list[float] = []

        async def sleep(s: float) -> None:
            waits.append(s)

        failing = [ProviderError(ErrorKind.UNAVAILABLE, "503") for _ in range(3)]
        provider = Scripted(*failing, {"ok": 1})
        await generate_with_retries(provider, REQUEST, RetryPolicy(max_attempts=4, backoff_s=1), sleep=sleep)
        assert len(waits) == 3
        assert 0.5 <= waits[0] <= 1.5
        assert 2 <= waits[2] <= 6

    async def test_it_gives_up_after_max_attempts(self) -> None:
        async def sleep(s: float) -> None:
            return None

        provider = Scripted(*[ProviderError(ErrorKind.TIMEOUT, "slow") for _ in range(5)])
        with pytest.raises(ProviderError):
            await generate_with_retries(provider, REQUEST, RetryPolicy(max_attempts=3), sleep=sleep)
        assert provider.calls == 3

    async def test_a_delay_longer_than_allowed_fails_at_once(self) -> None:
        provider = Scripted(ProviderError(ErrorKind.RATE_LIMITED, "429", retry_after_s=120), {"ok": 1})
        with pytest.raises(ProviderError):
            await generate_with_retries(provider, REQUEST, RetryPolicy(max_delay_s=30))
        assert provider.calls == 1

    async def test_a_refusal_is_not_retried(self) -> None:
        provider = Scripted(ProviderError(ErrorKind.REFUSED, "400"), {"ok": 1})
        with pytest.raises(ProviderError):
            await generate_with_retries(provider, REQUEST, RetryPolicy())
        assert provider.calls == 1

    async def test_an_invalid_answer_is_asked_again_once(self) -> None:
        def validate(answer: ModelAnswer) -> None:
            if "category" not in answer.data:
                raise ProviderError(ErrorKind.INVALID_OUTPUT, "no category")

        provider = Scripted({"colour": "blue"}, {"category": "jeans"})
        answer, calls = await generate_with_retries(provider, REQUEST, RetryPolicy(), validate)
        assert (answer.data, calls) == ({"category": "jeans"}, 2)
        twice = Scripted({"colour": "blue"}, {"colour": "red"}, {"category": "jeans"})
        with pytest.raises(ProviderError):
            await generate_with_retries(twice, REQUEST, RetryPolicy(invalid_output_retries=1), validate)


@pytest.mark.unit
class TestRetryDelays:
    def test_gemini_retry_info(self) -> None:
        body = {
            "error": {
                "code": 429,
                "details": [
                    {"@type": "type.googleapis.com/google.rpc.QuotaFailure"},
                    {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "12.5s"},
                ],
            }
        }
        assert retry_delay(body) == 12.5
        assert retry_delay({"error": {"code": 500}}) is None

    def test_openai_retry_headers(self) -> None:
        assert retry_after({"retry-after-ms": "250", "retry-after": "1"}) == 0.25
        assert retry_after({"retry-after": "3"}) == 3.0
        assert retry_after({}) is None
