"""The arithmetic of a listing's price: conversion, the rule, the rounding (no I/O here).

Order: the product's price is converted to the listing's currency first, then multiplied by the rule's
coefficient, the fixed amount (in the listing's currency) added, and the result rounded to the rule's
ending. Rounding last is the only way an ending such as .99 survives the conversion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# eBay sites and the currency a listing on each must be priced in.
EBAY_SITE_CURRENCY: dict[str, str] = {
    "EBAY_FR": "EUR",
    "EBAY_BE": "EUR",
    "EBAY_DE": "EUR",
    "EBAY_ES": "EUR",
    "EBAY_IT": "EUR",
    "EBAY_NL": "EUR",
    "EBAY_GB": "GBP",
    "EBAY_PL": "PLN",
}
EBAY_SITES = tuple(EBAY_SITE_CURRENCY)


@dataclass(frozen=True)
class Rule:
    coefficient: Decimal = Decimal("1")
    fixed_amount: Decimal = Decimal("0")
    ending: Decimal | None = None


@dataclass(frozen=True)
class Rate:
    """1 EUR = ``rate`` units of ``currency`` (ECB's convention), on ``day``, from ``source``."""

    currency: str
    rate: Decimal
    day: date | None
    source: str  # ecb | manual | fixed (EUR itself)


@dataclass(frozen=True)
class Quote:
    """What a listing goes out at, and how it was reached."""

    amount: Decimal
    currency: str
    rate: Decimal
    rate_date: date | None
    rate_source: str | None


def listing_currency(
    marketplace: str, site: str, product_currency: str, account_currency: str | None = None
) -> str:
    """eBay: the site's currency; a marketplace whose account sells in its own currency (an Etsy shop):
    that one; elsewhere the product's own."""
    if marketplace == "ebay" and site:
        return EBAY_SITE_CURRENCY[site]
    return account_currency or product_currency


def round_to_ending(amount: Decimal, ending: Decimal | None) -> Decimal:
    """The nearest price ending in ``ending`` cents (a tie goes up), never below ``ending`` itself;
    without an ending, the amount rounded half up to the cent."""
    if ending is None:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    whole = amount.to_integral_value(rounding="ROUND_FLOOR")
    below, above = whole - 1 + ending, whole + ending
    if amount == above:
        return above.quantize(CENT)
    # amount lies in [below, above) or [above, above + 1): pick the nearest of the two bracketing ones.
    if amount > above:
        below, above = above, above + 1
    best = above if (above - amount) <= (amount - below) else below
    if best <= 0:
        best = ending if ending > 0 else Decimal("1")
    return best.quantize(CENT)


def convert(amount: Decimal, source: Rate, target: Rate) -> tuple[Decimal, Decimal]:
    """(amount in the target currency, unrounded; the cross rate used) through EUR."""
    cross = target.rate / source.rate
    return amount * cross, cross


def apply(price: Decimal, rule: Rule, source: Rate, target: Rate) -> Quote:
    """The listing price of ``price`` (in ``source.currency``) in ``target.currency`` under ``rule``."""
    converted, cross = convert(price, source, target)
    raw = converted * rule.coefficient + rule.fixed_amount
    amount = round_to_ending(max(raw, Decimal("0")), rule.ending)
    if source.currency == target.currency:
        return Quote(amount, target.currency, Decimal("1"), None, None)
    used = [r for r in (source, target) if r.source != "fixed"]
    days = [r.day for r in used if r.day is not None]
    sources = sorted({r.source for r in used})
    return Quote(
        amount=amount,
        currency=target.currency,
        rate=cross.quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP),
        # Through two rates (neither currency is EUR): the older date, and both sources when they differ.
        rate_date=min(days) if days else None,
        rate_source="+".join(sources) or None,
    )
