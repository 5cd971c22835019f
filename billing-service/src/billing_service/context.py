"""billing-service's context: the kit's parts, the Stripe client and the price list, built once at start-up."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from prometheus_client import Counter
from vitrine_kit.context import Kit, ServiceContext

from billing_service.config import Settings
from billing_service.plans.catalog import PriceList
from billing_service.stripe_api import StripeApi


@dataclass(kw_only=True)
class BillingContext(ServiceContext[Settings]):
    """What billing's services act with besides a session."""

    stripe: StripeApi
    prices: PriceList
    credits_spent: Counter
    # Set when a webhook is stored, so this replica's worker handles it without waiting for its next poll.
    webhook_arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    async def build(cls, kit: Kit[Settings]) -> BillingContext:
        stripe = StripeApi(kit.settings)
        return cls(
            settings=kit.settings,
            db=kit.db,
            outbox=kit.outbox,
            metrics=kit.metrics,
            tenants=kit.tenants,
            stripe=stripe,
            prices=PriceList(stripe),
            credits_spent=Counter(
                "billing_credits_spent_total",
                "Credits spent (reservations committed), by the service that spent them",
                ["caller"],
                registry=kit.metrics.registry,
            ),
        )

    async def aclose(self) -> None:
        await self.stripe.aclose()
