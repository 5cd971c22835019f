"""billing-service's marketplace slots played in memory, for the adapters' tests of the plan's limit."""

from __future__ import annotations

import uuid
from collections import defaultdict

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from vitrine_contracts.billing_api import MARKETPLACE_SLOTS_PATH, MarketplaceSlots, SlotRequest

from vitrine_marketplace.slots import SlotsClient


class SlotsStandIn:
    """Slots per tenant under a plan of ``limit`` marketplaces; ``down`` makes every answer a 503."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.down = False
        self.not_yet_known = 0  # how many calls answer 404 first (a seller billing has not seen yet)
        self.slots: dict[uuid.UUID, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.app = FastAPI()
        path = MARKETPLACE_SLOTS_PATH
        self.app.add_api_route(path, self._claim, methods=["POST"])
        self.app.add_api_route(path + "/{tenant}", self._read, methods=["GET"])
        self.app.add_api_route(path + "/{tenant}/{marketplace}/{account}", self._free, methods=["DELETE"])

    def client(self, marketplace: str) -> SlotsClient:
        """A client of this stand-in, as the adapter for ``marketplace`` would hold one."""
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app))
        return SlotsClient("http://billing", marketplace, _Tokens(), http)  # type: ignore[arg-type]

    def held(self, tenant: uuid.UUID) -> list[str]:
        """The marketplaces holding a slot."""
        return sorted(m for m, accounts in self.slots[tenant].items() if accounts)

    def _out(self, tenant: uuid.UUID) -> JSONResponse:
        if self.not_yet_known > 0:
            self.not_yet_known -= 1
            return JSONResponse({"type": "https://errors.vitrine.app/tenant-not-found", "status": 404}, 404)
        if self.down:
            return JSONResponse({"status": 503}, status_code=503)
        held = self.held(tenant)
        body = MarketplaceSlots(tenant_id=tenant, plan="free", limit=self.limit, marketplaces=held)
        return JSONResponse(body.model_dump(mode="json"))

    async def _claim(self, body: SlotRequest) -> JSONResponse:
        if self.not_yet_known > 0:
            return self._out(body.tenant_id)
        held = self.held(body.tenant_id)
        if not self.down and body.marketplace not in held and len(held) >= self.limit:
            problem = {
                "type": "https://errors.vitrine.app/marketplace-limit-reached",
                "status": 402,
                "detail": f"The free plan connects {self.limit} marketplace(s).",
                "plan": "free",
                "limit": self.limit,
                "connected": held,
            }
            return JSONResponse(problem, status_code=402)
        if not self.down:
            self.slots[body.tenant_id][body.marketplace].add(body.account)
        return self._out(body.tenant_id)

    async def _read(self, tenant: uuid.UUID) -> JSONResponse:
        return self._out(tenant)

    async def _free(self, tenant: uuid.UUID, marketplace: str, account: str) -> JSONResponse:
        self.slots[tenant][marketplace].discard(account)
        return self._out(tenant)


class _Tokens:
    async def headers(self) -> dict[str, str]:
        return {"Authorization": "Bearer service-token"}
