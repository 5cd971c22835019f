"""billing-service's credit API (``vitrine_contracts.billing_api``): reserve, then commit or release.

Every call carries the caller's idempotency key, so a retried call has one effect at billing.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from pydantic import ValidationError
from vitrine_contracts.billing_api import RESERVATIONS_PATH, Reservation, ReservationRequest
from vitrine_kit.auth.service_client import ServiceTokenClient
from vitrine_kit.db.held import check_outbound


class BillingUnavailable(Exception):
    """billing-service could not be reached or answered something unexpected: try again later."""


class CreditsExhausted(Exception):
    """The tenant has fewer credits left than the analysis costs."""

    def __init__(self, detail: str, *, monthly_left: int | None, purchased_left: int | None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.monthly_left = monthly_left
        self.purchased_left = purchased_left

    @property
    def credits_left(self) -> int | None:
        if self.monthly_left is None and self.purchased_left is None:
            return None
        return (self.monthly_left or 0) + (self.purchased_left or 0)


class ReservationClosed(Exception):
    """A commit of a released (or expired) reservation, or a release of a committed one (409)."""


def _int(body: dict[str, Any], *names: str) -> int | None:
    for name in names:
        value = body.get(name)
        if isinstance(value, int):
            return value
    return None


def reservation_key(analysis_id: uuid.UUID) -> str:
    """One reservation per analysis: its category, detail and draft calls are paid together."""
    return f"ai-analysis:{analysis_id}:analysis"


class CreditsClient:
    """Calls billing-service's ``/internal/credits`` endpoints with a service token."""

    def __init__(self, base_url: str, tokens: ServiceTokenClient, http: httpx.AsyncClient) -> None:
        self.base = base_url.rstrip("/") + RESERVATIONS_PATH
        self.tokens = tokens
        self.http = http

    async def reserve(self, tenant_id: uuid.UUID, amount: int, key: str, reason: str) -> Reservation:
        """Hold ``amount`` credits; ``CreditsExhausted`` when the tenant has fewer."""
        body = ReservationRequest(tenant_id=tenant_id, amount=amount, key=key, reason=reason)
        response = await self._post(self.base, body.model_dump_json())
        if response.status_code == 402:
            problem = self._json(response)
            raise CreditsExhausted(
                str(problem.get("detail") or "No credits left."),
                monthly_left=_int(problem, "monthly_left"),
                purchased_left=_int(problem, "purchased_left"),
            )
        if response.status_code not in (200, 201):
            raise BillingUnavailable(f"billing-service answered {response.status_code} to a reservation")
        return self._reservation(response)

    async def commit_reservation(self, key: str) -> Reservation:
        """Spend the held credits (idempotent); ``ReservationClosed`` if it was released or expired."""
        return await self._settle(key, "commit")

    async def release_reservation(self, key: str) -> Reservation:
        """Give the held credits back (idempotent); ``ReservationClosed`` if it was committed."""
        return await self._settle(key, "release")

    async def _settle(self, key: str, action: str) -> Reservation:
        response = await self._post(f"{self.base}/{key}/{action}", None)
        if response.status_code == 409:
            raise ReservationClosed(f"reservation {key} refused the {action}: {response.text[:300]}")
        if response.status_code != 200:
            raise BillingUnavailable(f"billing-service answered {response.status_code} to a {action}")
        return self._reservation(response)

    async def _post(self, url: str, content: str | None) -> httpx.Response:
        check_outbound("billing-service")
        try:
            headers = {"content-type": "application/json", **await self.tokens.headers()}
            return await self.http.post(url, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise BillingUnavailable(f"billing-service unreachable: {exc!r}") from exc

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    @staticmethod
    def _reservation(response: httpx.Response) -> Reservation:
        try:
            return Reservation.model_validate_json(response.content)
        except ValidationError as exc:
            raise BillingUnavailable(f"billing-service answered an unexpected body: {exc}") from exc
