"""Sending one call to Etsy: the app's key, the shared budget, retries only where safe, a breaker.

``vitrine_marketplace.MarketplaceHttpClient`` takes an in-process limiter with a synchronous ``pause`` and
sends no multipart bodies; Etsy needs a budget shared across replicas (a database round trip to take a
token or to pause) and image uploads, so this client reuses its retry policy and errors around its own loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import httpx
from vitrine_kit.breaker import BreakerOpen, CircuitBreaker
from vitrine_kit.db.held import check_outbound
from vitrine_marketplace import (
    AuthExpired,
    CircuitOpen,
    MarketplaceRejected,
    MarketplaceUnavailable,
    RateLimited,
    RetryPolicy,
)
from vitrine_marketplace.errors import NotFoundOnMarketplace
from vitrine_marketplace.http import retry_after_seconds

from marketplace_etsy.config import Settings
from marketplace_etsy.etsy.budget import SharedBudget

logger = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"})
Files = Mapping[str, tuple[str, bytes, str]]


class EtsyHttp:
    """One connection pool, one breaker and the shared budget for every call to Etsy's API."""

    def __init__(
        self, settings: Settings, budget: SharedBudget, *, http: httpx.AsyncClient | None = None
    ) -> None:
        self.base = settings.api_base_url.rstrip("/")
        self.api_key = f"{settings.keystring}:{settings.shared_secret.get_secret_value()}"
        self.budget = budget
        self.retry = RetryPolicy(
            max_attempts=settings.retry_attempts,
            base_delay_s=settings.retry_base_delay_s,
            max_retry_after_s=settings.max_retry_after_s,
        )
        self.breaker = CircuitBreaker(
            "etsy", failure_threshold=settings.breaker_failures, reset_timeout_s=settings.breaker_reset_s
        )
        self.http = http or httpx.AsyncClient(timeout=settings.http_timeout_s)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def send(
        self,
        method: str,
        path: str,
        *,
        what: str,
        token: str | None = None,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Files | None = None,
        safe: bool | None = None,
    ) -> httpx.Response:
        """One logical call (several attempts at most); a 2xx response, or a typed ``MarketplaceError``.

        ``safe``: may the call be repeated after it may have reached Etsy (default: by method). A POST is
        not (Etsy has no idempotency key); a 429 is always retried, since Etsy refused it unprocessed.
        """
        method = method.upper()
        repeatable = safe if safe is not None else method in SAFE_METHODS
        headers = {"x-api-key": self.api_key}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        attempt = 0
        rate_limited_s = 0.0
        while True:
            attempt += 1
            await self.budget.acquire()
            outcome = await self._once(method, path, headers, params, data, json, files)
            if isinstance(outcome, httpx.TransportError):
                never_sent = isinstance(
                    outcome, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout
                )
                if attempt >= self.retry.max_attempts or not (repeatable or never_sent):
                    kind = type(outcome).__name__
                    reason = f"could not be reached ({kind})" if never_sent else f"did not answer ({kind})"
                    raise MarketplaceUnavailable(f"Etsy {reason} while trying to {what}") from outcome
                await asyncio.sleep(self.retry.backoff(attempt))
                continue
            response = outcome
            status = response.status_code
            if status == 429:
                wait = retry_after_seconds(response.headers.get("retry-after"))
                delay = wait if wait is not None else self.retry.backoff(attempt) + self.retry.base_delay_s
                await self.budget.pause(delay)  # every replica waits, not only this call
                rate_limited_s += delay
                if delay > self.retry.max_retry_after_s or rate_limited_s > self.retry.max_rate_limited_s:
                    raise RateLimited(
                        f"Etsy is rate limiting Vitrine (asked to wait {delay:.0f} s)",
                        retry_after_s=delay,
                        status=429,
                    )
                logger.info("etsy rate limited; waiting", extra={"wait_s": delay, "what": what})
                attempt -= 1  # 429s are bounded by time, not by attempts
                continue
            if status >= 500:
                if not repeatable or attempt >= self.retry.max_attempts:
                    raise MarketplaceUnavailable(
                        f"Etsy answered {status} while trying to {what}",
                        status=status,
                        details=_body(response),
                    )
                await asyncio.sleep(self.retry.backoff(attempt))
                continue
            await self.budget.observe(response.headers)
            if status < 400:
                return response
            raise _rejection(status, what, response)

    async def _once(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        params: Mapping[str, Any] | None,
        data: Mapping[str, Any] | None,
        json: Any,
        files: Files | None,
    ) -> httpx.Response | httpx.TransportError:
        """One attempt through the breaker: a transport failure or a 5xx counts against it."""
        check_outbound("etsy")
        try:
            with self.breaker.attempt() as call:
                try:
                    response = await self.http.request(
                        method,
                        self.base + path,
                        headers=headers,
                        params=params,
                        data=data,
                        json=json,
                        files=files,
                    )
                except httpx.TransportError as exc:
                    call.failed()
                    return exc
                if response.status_code >= 500:
                    call.failed()
                else:
                    call.succeeded()
                return response
        except BreakerOpen as exc:
            raise CircuitOpen(str(exc)) from exc


def error_message(response: httpx.Response) -> str:
    """Etsy's ``{"error": ...}`` (or OAuth's ``error_description``), else the start of the body."""
    body = _body(response)
    if isinstance(body, dict):
        for key in ("error_description", "error"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])
    return str(body)[:300] or f"HTTP {response.status_code}"


def _rejection(status: int, what: str, response: httpx.Response) -> Exception:
    message = error_message(response)
    if status == 401:
        return AuthExpired(f"Etsy refused the access token ({message})", status=401, details=_body(response))
    if status == 404:
        return NotFoundOnMarketplace(f"Etsy could not {what}: {message}", status=404, details=_body(response))
    return MarketplaceRejected(f"Etsy refused to {what}: {message}", status=status, details=_body(response))


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:500]
