"""marketplace-etsy's context: the kit's parts, the token cipher, the shared budget, Etsy and media-service."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx
from vitrine_kit.auth.service_client import ServiceTokenClient
from vitrine_kit.clients.media import MediaClient
from vitrine_kit.context import Kit, ServiceContext
from vitrine_kit.db.tenancy import TenantRegistry
from vitrine_marketplace import TokenCipher
from vitrine_marketplace.slots import SlotsClient

from marketplace_etsy.config import Settings
from marketplace_etsy.etsy.adapter import EtsyAdapter
from marketplace_etsy.etsy.budget import BudgetLimits, SharedBudget
from marketplace_etsy.etsy.http import EtsyHttp

logger = logging.getLogger(__name__)


@dataclass(kw_only=True)
class EtsyContext(ServiceContext[Settings]):
    """What marketplace-etsy's services act with besides a session."""

    registry: TenantRegistry
    cipher: TokenCipher
    budget: SharedBudget
    etsy: EtsyAdapter
    media: MediaClient
    # None when billing-service is not configured: the plan's marketplace limit is not checked.
    slots: SlotsClient | None

    @classmethod
    async def build(cls, kit: Kit[Settings]) -> EtsyContext:
        settings = kit.settings
        if kit.tenants is None:
            raise RuntimeError("marketplace-etsy keeps tenant data: it needs its migration trees")
        budget = SharedBudget(
            kit.db,
            BudgetLimits(
                rate_per_s=settings.app_rate_per_s,
                burst=settings.app_burst,
                background_reserve=settings.background_reserve,
                background_daily_floor=settings.background_daily_floor,
                background_max_wait_s=settings.background_max_wait_s,
                seller_max_wait_s=settings.seller_max_wait_s,
            ),
        )
        media_http = httpx.AsyncClient(timeout=30.0)
        tokens = ServiceTokenClient(
            settings.auth_token_url,
            settings.service_client_id,
            settings.service_client_secret,
            http=media_http,
        )
        return cls(
            settings=settings,
            db=kit.db,
            outbox=kit.outbox,
            metrics=kit.metrics,
            tenants=kit.tenants,
            registry=kit.tenants,
            cipher=TokenCipher([k.get_secret_value() for k in settings.token_keys]),
            budget=budget,
            etsy=EtsyAdapter(settings, EtsyHttp(settings, budget)),
            media=MediaClient(settings.media_url, tokens, media_http),
            slots=SlotsClient(settings.billing_url, "etsy", tokens, media_http)
            if settings.billing_url
            else None,
        )

    async def start(self) -> None:
        try:
            await self.budget.ensure()
        except Exception:  # not migrated yet: /readyz says so; the row is created on the next start
            logger.exception("could not set up Etsy's rate budget at start-up")

    async def aclose(self) -> None:
        await self.etsy.aclose()
        await self.media.http.aclose()
