"""Stripe prices for the price list: made on first use by ``lookup_key``, then remembered.

The lookup key carries the amount and currency, so changing a plan's price in the table makes a new Stripe
price on the next checkout while existing subscribers keep theirs (Stripe prices are immutable).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.models import CreditPack, Plan
from billing_service.models.enums import PriceKind
from billing_service.plans import repository
from billing_service.stripe_api import StripeApi

# Metadata keys on the prices we make, read back when a subscription or invoice names a price.
PLAN_KEY = "vitrine_plan"
PACK_KEY = "vitrine_pack"


def lookup_key_of(item: Plan | CreditPack) -> str:
    if isinstance(item, Plan):
        return f"vitrine-plan-{item.code}-{item.price_cents}-{item.currency}-month"
    return f"vitrine-pack-{item.code}-{item.price_cents}-{item.currency}"


class PriceList:
    """Price ids by lookup key: this process's memory, then the table, then Stripe (found, or made, with no
    connection held: the caller commits between :meth:`known` and :meth:`from_stripe`)."""

    def __init__(self, stripe: StripeApi) -> None:
        self.stripe = stripe
        self._ids: dict[str, str] = {}

    async def known(self, session: AsyncSession, item: Plan | CreditPack) -> str | None:
        """The item's price id if this process or the table knows it (``None``: ask :meth:`from_stripe`)."""
        key = lookup_key_of(item)
        known = self._ids.get(key) or await repository.price_id(session, key)
        if known is not None:
            self._ids[key] = known
        return known

    async def from_stripe(self, item: Plan | CreditPack) -> str:
        """The item's price found or made at Stripe (call it with no database connection held), then
        :meth:`remember` it."""
        return await self._from_stripe(lookup_key_of(item), item)

    async def remember(self, session: AsyncSession, item: Plan | CreditPack, price_id: str) -> None:
        """Record the price found at Stripe (a racing replica's row, for the same lookup key, is kept)."""
        key = lookup_key_of(item)
        kind = PriceKind.PLAN if isinstance(item, Plan) else PriceKind.PACK
        await repository.remember_price(session, key, price_id, kind, item.code)
        self._ids[key] = price_id

    async def _from_stripe(self, key: str, item: Plan | CreditPack) -> str:
        found = await self.stripe.find_price(key)
        if found is not None:
            return found
        metadata = {PLAN_KEY: item.code} if isinstance(item, Plan) else {PACK_KEY: item.code}
        return await self.stripe.create_price(
            lookup_key=key,
            name=f"Vitrine {item.name}",
            amount=item.price_cents,
            currency=item.currency,
            monthly=isinstance(item, Plan),
            metadata=metadata,
        )

    async def plan_known(self, session: AsyncSession, price: str | dict[str, Any]) -> tuple[str | None, str]:
        """The plan code from the price's metadata or our table (``None``: ask :meth:`plan_from_stripe`, with
        no connection held), and the price's id."""
        if isinstance(price, dict):
            code = (price.get("metadata") or {}).get(PLAN_KEY)
            price_id = str(price.get("id"))
            if code:
                return str(code), price_id
        else:
            price_id = price
        return await repository.code_of_price(session, price_id, PriceKind.PLAN), price_id

    async def plan_from_stripe(self, price_id: str) -> str | None:
        """The plan code in Stripe's copy of the price (call it with no database connection held)."""
        fetched = await self.stripe.retrieve_price(price_id)
        code = (fetched.get("metadata") or {}).get(PLAN_KEY)
        return str(code) if code else None
