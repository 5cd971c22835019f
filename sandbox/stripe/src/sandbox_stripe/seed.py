"""What exists before any call: the webhook endpoints and prices the settings ask for (no events for them)."""

from __future__ import annotations

from typing import Any

from sandbox_stripe import billing
from sandbox_stripe.state import Endpoint, World, new_id


def seed(world: World) -> None:
    settings = world.settings
    for url in settings.webhook_urls:
        endpoint: dict[str, Any] = {
            "id": new_id("we_"),
            "object": "webhook_endpoint",
            "api_version": None,
            "application": None,
            "created": world.now(),
            "description": "from SANDBOX_STRIPE_WEBHOOK_URLS",
            "enabled_events": ["*"],
            "livemode": False,
            "metadata": {},
            "status": "enabled",
            "url": url,
        }
        world.put(endpoint)
        world.endpoints[str(endpoint["id"])] = Endpoint(endpoint, settings.webhook_secret)
    for wanted in settings.seed_prices:
        product = billing.new_product(world, wanted.product_name, announce=False)
        price = billing.new_price(
            world,
            product=str(product["id"]),
            currency=wanted.currency.lower(),
            unit_amount=wanted.unit_amount,
            recurring=billing.recurring_of(wanted.interval) if wanted.interval else None,
            lookup_key=wanted.lookup_key,
            metadata=dict(wanted.metadata),
            announce=False,
        )
        product["default_price"] = price["id"]
