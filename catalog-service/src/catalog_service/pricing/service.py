"""Price rules, exchange rates (ECB's and the seller's own), and the price a listing goes out at."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from vitrine_kit.db.base import utcnow

from catalog_service.errors import (
    ExchangeRateMissing,
    InvalidPriceRule,
    PriceRuleNotFound,
    RateOverrideNotFound,
)
from catalog_service.models import EcbRate, MarketplaceAccount, PriceRule, Product, RateOverride
from catalog_service.pricing.rules import Quote, Rate, Rule, apply, listing_currency
from catalog_service.pricing.schemas import PriceRuleIn, PriceRuleOut, RateIn, RateOut, RatesOut
from catalog_service.scope import Scope

EUR = Rate("EUR", Decimal("1"), None, "fixed")


def _rule_out(row: PriceRule) -> PriceRuleOut:
    return PriceRuleOut(
        marketplace=row.marketplace,
        site=row.site or None,
        coefficient=row.coefficient,
        fixed_amount=row.fixed_amount,
        ending=row.ending,
        updated_at=row.updated_at,
    )


class PricingService:
    """Rules per (marketplace, site), rates per currency, and quotes."""

    # --- rules ----------------------------------------------------------------------------------------

    async def rules(self, scope: Scope) -> list[PriceRuleOut]:
        rows = await scope.session.scalars(
            sa.select(PriceRule).order_by(PriceRule.marketplace, PriceRule.site)
        )
        return [_rule_out(r) for r in rows]

    async def set_rule(self, scope: Scope, body: PriceRuleIn) -> PriceRuleOut:
        if body.site and body.marketplace.value != "ebay":
            raise InvalidPriceRule(f"Only eBay has sites; {body.marketplace.value} takes a rule without one.")
        values = {
            "marketplace": body.marketplace.value,
            "site": body.site or "",
            "coefficient": body.coefficient,
            "fixed_amount": body.fixed_amount,
            "ending": body.ending,
            "updated_at": utcnow(),
        }
        stmt = insert(PriceRule).values(**values)
        row = await scope.session.scalar(
            stmt.on_conflict_do_update(index_elements=["marketplace", "site"], set_=values)
            .returning(PriceRule)
            .execution_options(populate_existing=True)
        )
        assert row is not None
        return _rule_out(row)

    async def delete_rule(self, scope: Scope, marketplace: str, site: str | None) -> None:
        deleted = await scope.session.execute(
            sa.delete(PriceRule).where(PriceRule.marketplace == marketplace, PriceRule.site == (site or ""))
        )
        if not deleted.rowcount:  # type: ignore[attr-defined]
            raise PriceRuleNotFound()

    async def rule_for(self, scope: Scope, marketplace: str, site: str) -> Rule:
        """The site's own rule, else the marketplace's, else the identity (* 1 + 0, to the cent)."""
        rows = {
            r.site: r
            for r in await scope.session.scalars(
                sa.select(PriceRule).where(
                    PriceRule.marketplace == marketplace, PriceRule.site.in_({site, ""})
                )
            )
        }
        row = rows.get(site) or rows.get("")
        return Rule() if row is None else Rule(row.coefficient, row.fixed_amount, row.ending)

    # --- rates ----------------------------------------------------------------------------------------

    async def _ecb_latest(self, scope: Scope, currencies: set[str] | None = None) -> dict[str, EcbRate]:
        latest = sa.select(EcbRate.currency, sa.func.max(EcbRate.rate_date).label("day")).group_by(
            EcbRate.currency
        )
        if currencies is not None:
            latest = latest.where(EcbRate.currency.in_(currencies))
        sub = latest.subquery()
        rows = await scope.session.scalars(
            sa.select(EcbRate).join(
                sub, sa.and_(EcbRate.currency == sub.c.currency, EcbRate.rate_date == sub.c.day)
            )
        )
        return {r.currency: r for r in rows}

    async def rate(self, scope: Scope, currency: str) -> Rate | None:
        """1 EUR in ``currency``: the seller's own rate, else ECB's latest; None when neither exists."""
        if currency == "EUR":
            return EUR
        own = await scope.session.get(RateOverride, currency)
        if own is not None:
            return Rate(currency, own.rate, own.rate_date, "manual")
        ecb = (await self._ecb_latest(scope, {currency})).get(currency)
        return None if ecb is None else Rate(currency, ecb.rate, ecb.rate_date, "ecb")

    async def rates(self, scope: Scope) -> RatesOut:
        ecb = await self._ecb_latest(scope)
        own = {r.currency: r for r in await scope.session.scalars(sa.select(RateOverride))}
        out = []
        for currency in sorted(set(ecb) | set(own)):
            e, o = ecb.get(currency), own.get(currency)
            out.append(
                RateOut(
                    currency=currency,
                    rate=o.rate if o else e.rate,  # type: ignore[union-attr]
                    rate_date=o.rate_date if o else e.rate_date,  # type: ignore[union-attr]
                    source="manual" if o else "ecb",
                    ecb_rate=e.rate if e else None,
                    ecb_date=e.rate_date if e else None,
                )
            )
        return RatesOut(source_url=scope.context.settings.ecb_rates_url, rates=out)

    async def set_rate(self, scope: Scope, currency: str, body: RateIn) -> RateOut:
        if currency == "EUR":
            raise InvalidPriceRule("EUR is the base: 1 EUR = 1 EUR.")
        day = body.rate_date or datetime.now(UTC).date()
        values = {"currency": currency, "rate": body.rate, "rate_date": day, "updated_at": utcnow()}
        stmt = insert(RateOverride).values(**values)
        await scope.session.execute(stmt.on_conflict_do_update(index_elements=["currency"], set_=values))
        ecb = (await self._ecb_latest(scope, {currency})).get(currency)
        return RateOut(
            currency=currency,
            rate=body.rate,
            rate_date=day,
            source="manual",
            ecb_rate=ecb.rate if ecb else None,
            ecb_date=ecb.rate_date if ecb else None,
        )

    async def delete_rate(self, scope: Scope, currency: str) -> None:
        deleted = await scope.session.execute(
            sa.delete(RateOverride).where(RateOverride.currency == currency)
        )
        if not deleted.rowcount:  # type: ignore[attr-defined]
            raise RateOverrideNotFound()

    # --- quotes ---------------------------------------------------------------------------------------

    async def account_currency(self, scope: Scope, marketplace: str) -> str | None:
        """The currency the seller's account on ``marketplace`` sells in, when it has its own (an Etsy shop:
        one per tenant; the newest reported wins); None when the adapter reported none."""
        if marketplace == "ebay":
            return None  # per site (``EBAY_SITE_CURRENCY``)
        found: str | None = await scope.session.scalar(
            sa.select(MarketplaceAccount.currency)
            .where(MarketplaceAccount.marketplace == marketplace, MarketplaceAccount.currency.is_not(None))
            .order_by(MarketplaceAccount.connected_at.desc())
            .limit(1)
        )
        return found

    async def quote(self, scope: Scope, product: Product, marketplace: str, site: str) -> Quote:
        """The price ``product`` goes out at on ``marketplace`` (and ``site``); 422 when a rate is missing."""
        price = product.price or Decimal("0")
        target_currency = listing_currency(
            marketplace, site, product.currency, await self.account_currency(scope, marketplace)
        )
        source = await self.rate(scope, product.currency)
        target = await self.rate(scope, target_currency)
        missing = [c for c, r in ((product.currency, source), (target_currency, target)) if r is None]
        if missing:
            where = f"{marketplace}{' ' + site if site else ''}"
            raise ExchangeRateMissing(
                f"No exchange rate for {', '.join(sorted(set(missing)))} (needed to list on {where} in "
                f"{target_currency} from {product.currency}): refresh the rates or set one yourself.",
                missing=[{"currency": c, "marketplace": marketplace, "site": site} for c in missing],
            )
        assert source is not None
        assert target is not None
        quote = apply(price, await self.rule_for(scope, marketplace, site), source, target)
        if quote.amount <= 0:
            raise InvalidPriceRule(
                f"The price rule of {marketplace}{' ' + site if site else ''} makes the price "
                f"{quote.amount} {quote.currency}: it must stay above zero."
            )
        return quote


pricing_service = PricingService()
