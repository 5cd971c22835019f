from __future__ import annotations

import httpx
import pytest
from vitrine_kit.breaker import CircuitBreaker
from vitrine_marketplace.errors import AuthExpired, CircuitOpen, MarketplaceUnavailable, RateLimited
from vitrine_marketplace.http import MarketplaceHttpClient, RetryPolicy, retry_after_seconds
from vitrine_marketplace.ratelimit import RateLimiter


def client_for(handler, **kwargs) -> MarketplaceHttpClient:
    limiter = RateLimiter(app_rate_per_s=1000, app_burst=1000, account_rate_per_s=1000, account_burst=1000)
    return MarketplaceHttpClient(
        "test",
        limiter=limiter,
        retry=kwargs.pop("retry", RetryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=0.02)),
        http=httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://mp"),
        **kwargs,
    )


def scripted(*statuses: int, headers: dict[str, str] | None = None):
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        status = statuses[min(len(calls) - 1, len(statuses) - 1)]
        return httpx.Response(status, json={}, headers=headers if status == 429 else None)

    return handler, calls


class TestRetries:
    async def test_5xx_retried_for_idempotent_calls(self) -> None:
        handler, calls = scripted(500, 503, 200)
        response = await client_for(handler).request("PUT", "/x")
        assert response.status_code == 200
        assert len(calls) == 3

    async def test_5xx_not_retried_for_a_post(self) -> None:
        handler, calls = scripted(500, 200)
        with pytest.raises(MarketplaceUnavailable):
            await client_for(handler).request("POST", "/x")
        assert len(calls) == 1

    async def test_429_retried_even_for_a_post_after_retry_after(self) -> None:
        handler, calls = scripted(429, 429, 201, headers={"Retry-After": "0"})
        response = await client_for(handler).request("POST", "/x", account="acc")
        assert response.status_code == 201
        assert len(calls) == 3

    async def test_long_retry_after_gives_up_with_rate_limited(self) -> None:
        handler, _ = scripted(429, headers={"Retry-After": "3600"})
        with pytest.raises(RateLimited) as caught:
            await client_for(handler).request("GET", "/x")
        assert caught.value.retry_after_s == 3600

    async def test_401_is_auth_expired_and_4xx_returned(self) -> None:
        handler, _ = scripted(401)
        with pytest.raises(AuthExpired):
            await client_for(handler).request("GET", "/x")
        handler, _ = scripted(400)
        assert (await client_for(handler).request("POST", "/x")).status_code == 400

    async def test_connection_refused_is_retried_then_unavailable(self) -> None:
        calls = []

        def handler(request: httpx.Request) -> httpx.Response:
            calls.append(request)
            raise httpx.ConnectError("refused", request=request)

        with pytest.raises(MarketplaceUnavailable):
            await client_for(handler).request("POST", "/x")
        assert len(calls) == 3

    async def test_breaker_opens_after_repeated_failures(self) -> None:
        handler, calls = scripted(500)
        client = client_for(handler, breaker=CircuitBreaker("t", failure_threshold=2, reset_timeout_s=60))
        with pytest.raises(MarketplaceUnavailable):
            await client.request("GET", "/x")
        with pytest.raises(CircuitOpen):
            await client.request("GET", "/x")
        assert len(calls) == 2


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("7") == 7
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("garbage") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0
