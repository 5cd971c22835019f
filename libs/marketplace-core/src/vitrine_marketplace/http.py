"""The HTTP client adapters call marketplaces with: rate limits, retries with jitter, a circuit breaker.

Built on httpx: the kit already uses it, and its transports let tests run the real client against an
in-process ASGI app or a real server alike.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from vitrine_kit.breaker import BreakerOpen, CircuitBreaker
from vitrine_kit.db.held import check_outbound

from vitrine_marketplace.dto import utcnow
from vitrine_marketplace.errors import AuthExpired, CircuitOpen, MarketplaceUnavailable, RateLimited
from vitrine_marketplace.ratelimit import RateLimiter

logger = logging.getLogger(__name__)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a call tries: attempts in all, exponential backoff with full jitter, bounded waits."""

    max_attempts: int = 4
    base_delay_s: float = 0.2
    max_delay_s: float = 8.0
    # A Retry-After longer than this is not waited for inside one call: the caller retries later.
    max_retry_after_s: float = 30.0
    # Total time one call may spend waiting for 429s to pass.
    max_rate_limited_s: float = 60.0

    def backoff(self, attempt: int) -> float:
        """Full-jitter delay before retry number ``attempt`` (1-based)."""
        return random.uniform(0, min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)))


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date); ``None`` when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None


class MarketplaceHttpClient:
    """Sends requests to one marketplace, within its rate limits, retrying only what is safe.

    - Every call takes a token from the account's bucket and the application's bucket.
    - 429: the bucket is paused for ``Retry-After`` (or a jittered backoff) and the call retried; the
      request was refused unprocessed, so this is safe even for a POST.
    - 5xx and dropped connections: retried with jitter only for idempotent calls; a connection that was
      never made is retried for any call.
    - 401 raises ``AuthExpired`` (the adapter refreshes and calls again); other 4xx are returned.
    - A circuit breaker per marketplace refuses calls at once while it keeps failing.
    """

    def __init__(
        self,
        name: str,
        *,
        limiter: RateLimiter,
        breaker: CircuitBreaker | None = None,
        retry: RetryPolicy | None = None,
        http: httpx.AsyncClient | None = None,
        timeout_s: float = 20.0,
    ) -> None:
        self.name = name
        self.limiter = limiter
        self.breaker = breaker or CircuitBreaker(name)
        self.retry = retry or RetryPolicy()
        self.http = http or httpx.AsyncClient(timeout=timeout_s)

    async def aclose(self) -> None:
        """Close the underlying connection pool."""
        await self.http.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        account: str | None = None,
        idempotent: bool | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
        data: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> httpx.Response:
        """Send one logical request (several attempts at most); returns any response below 500 but 401/429."""
        method = method.upper()
        safe = idempotent if idempotent is not None else method in IDEMPOTENT_METHODS
        attempt = 0
        rate_limited_s = 0.0
        while True:
            attempt += 1
            await self.limiter.acquire(account)
            outcome = await self._send(
                method, url, headers=headers, params=params, json=json, data=data, auth=auth
            )
            if isinstance(outcome, httpx.TransportError):
                # No connection made: the marketplace never saw the call, so any method may be retried.
                never_sent = isinstance(
                    outcome, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout
                )
                if attempt >= self.retry.max_attempts or not (safe or never_sent):
                    kind = type(outcome).__name__
                    reason = f"could not be reached: {kind}" if never_sent else f"did not answer ({kind})"
                    raise MarketplaceUnavailable(f"{self.name} {reason}") from outcome
                await asyncio.sleep(self.retry.backoff(attempt))
                continue
            response = outcome
            status = response.status_code
            if status == 429:  # it answered: the marketplace is up, only busy
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                delay = wait if wait is not None else self.retry.backoff(attempt) + self.retry.base_delay_s
                rate_limited_s += delay
                if delay > self.retry.max_retry_after_s or rate_limited_s > self.retry.max_rate_limited_s:
                    raise RateLimited(
                        f"{self.name} is rate limiting this account", retry_after_s=delay, status=429
                    )
                logger.info("rate limited; waiting", extra={"marketplace": self.name, "wait_s": delay})
                self.limiter.pause(account, delay)
                attempt -= 1  # 429s are bounded by time, not by attempts
                continue
            if status >= 500:
                if not safe or attempt >= self.retry.max_attempts:
                    raise MarketplaceUnavailable(
                        f"{self.name} answered {status}", status=status, details=_body(response)
                    )
                await asyncio.sleep(self.retry.backoff(attempt))
                continue
            if status == 401:
                raise AuthExpired(
                    f"{self.name} refused the access token", status=401, details=_body(response)
                )
            return response

    async def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None,
        params: dict[str, Any] | None,
        json: Any,
        data: dict[str, str] | None,
        auth: tuple[str, str] | None,
    ) -> httpx.Response | httpx.TransportError:
        """One attempt through the breaker: a transport failure or a 5xx counts against it."""
        check_outbound(self.name)
        try:
            with self.breaker.attempt() as call:
                try:
                    response = await self.http.request(
                        method, url, headers=headers, params=params, json=json, data=data, auth=auth
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


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:500]
