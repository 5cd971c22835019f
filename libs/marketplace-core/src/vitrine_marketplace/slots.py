"""The plan's marketplace slots at billing-service (``vitrine_contracts.billing_api``), as adapters use them.

An adapter claims a slot before it keeps a newly connected account, and frees it when the account is
disconnected. Both calls are idempotent at billing, so a retry after a lost answer is harmless.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import httpx
from vitrine_contracts.billing_api import MARKETPLACE_SLOTS_PATH, MarketplaceSlots, SlotRequest
from vitrine_kit.auth.service_client import ServiceTokenClient
from vitrine_kit.db.held import check_outbound
from vitrine_kit.errors import ProblemError

logger = logging.getLogger(__name__)
# A seller who connects a marketplace within a second of signing up may be ahead of billing's account.
NEW_TENANT_WAITS_S = (0.2, 0.4, 0.8, 1.6)


class MarketplaceLimitReached(ProblemError):
    status, code, title = 402, "marketplace-limit-reached", "Your plan allows no more marketplaces"


class PlanCheckUnavailable(ProblemError):
    status, code, title = 503, "plan-check-unavailable", "Your plan cannot be checked right now"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": "5"})


class SlotsClient:
    """Claims and frees marketplace slots with a service token (scope ``billing:marketplaces``)."""

    def __init__(
        self, base_url: str, marketplace: str, tokens: ServiceTokenClient, http: httpx.AsyncClient
    ) -> None:
        self.base = base_url.rstrip("/") + MARKETPLACE_SLOTS_PATH
        self.marketplace = marketplace
        self.tokens = tokens
        self.http = http

    async def claim(self, tenant_id: uuid.UUID, account: str) -> MarketplaceSlots:
        """May ``account`` be connected? ``MarketplaceLimitReached`` (402, naming the plan and its limit) if
        not; ``PlanCheckUnavailable`` (503) when billing cannot say — an account is never kept unchecked."""
        body = SlotRequest(tenant_id=tenant_id, marketplace=self.marketplace, account=account)
        response = await self._call("POST", self.base, content=body.model_dump_json())
        if response.status_code == 402:
            problem = self._json(response)
            raise MarketplaceLimitReached(
                str(problem.get("detail") or "Your plan allows no more marketplaces."),
                **{k: problem[k] for k in ("plan", "limit", "connected") if k in problem},
            )
        return self._slots(response)

    async def check(self, tenant_id: uuid.UUID) -> None:
        """Before the seller goes to the marketplace's consent page: ``MarketplaceLimitReached`` if a new
        account of this marketplace could not be kept (the claim at the callback decides for good)."""
        slots = self._slots(await self._call("GET", f"{self.base}/{tenant_id}"))
        held = slots.marketplaces
        if self.marketplace not in held and slots.limit is not None and len(held) >= slots.limit:
            raise MarketplaceLimitReached(
                f"The {slots.plan} plan connects {slots.limit} marketplace{'s' if slots.limit != 1 else ''} "
                f"({', '.join(held)}); upgrade the plan, or disconnect one, to connect {self.marketplace}.",
                plan=slots.plan,
                limit=slots.limit,
                connected=held,
            )

    async def release(self, tenant_id: uuid.UUID, account: str) -> None:
        """The account is gone; a failure is logged, not raised (the seller's disconnect stands, and the
        next claim of this account is idempotent)."""
        try:
            response = await self._call("DELETE", f"{self.base}/{tenant_id}/{self.marketplace}/{account}")
            self._slots(response)
        except PlanCheckUnavailable as exc:
            logger.warning("marketplace slot not freed", extra={"error": exc.detail})

    async def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One call; a 404 (billing has not handled the new seller's ``tenant.created`` yet, a moment after
        sign-up) is asked again a few times before it is reported as unavailable."""
        waits = list(NEW_TENANT_WAITS_S)
        check_outbound("billing-service")
        while True:
            try:
                headers = {**await self.tokens.headers(), "Content-Type": "application/json"}
                response = await self.http.request(method, url, headers=headers, **kwargs)
            except httpx.HTTPError as exc:
                raise PlanCheckUnavailable(f"billing-service did not answer ({type(exc).__name__}).") from exc
            if response.status_code != 404 or not waits:
                return response
            await asyncio.sleep(waits.pop(0))

    def _slots(self, response: httpx.Response) -> MarketplaceSlots:
        if response.status_code != 200:
            raise PlanCheckUnavailable(f"billing-service answered {response.status_code}.")
        try:
            return MarketplaceSlots.model_validate_json(response.content)
        except ValueError as exc:
            raise PlanCheckUnavailable("billing-service answered something unexpected.") from exc

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}
