"""A suggested price from what was seen, by rule (no model call, so nothing to pay and every factor shown).

price = base of the category x brand tier x condition x era, less a share per flaw, rounded to a price a
reseller would write; the range is ±25 %. The figures are second-hand market rules of thumb, kept here
until sales data of Vitrine's own sellers can replace them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from vitrine_contracts.ai import FlawSeen, FlawSeverity, ItemAttributes, PriceSuggestion

from ai_service.reference.catalog import Reference

BASE_BY_GROUP = {
    "tops": 14,
    "bottoms": 18,
    "outerwear": 35,
    "dresses-jumpsuits": 22,
    "formalwear": 40,
    "sportswear": 16,
    "nightwear-swimwear": 10,
    "accessories": 15,
}
BASE_BY_CATEGORY = {"jeans": 22, "coats-jackets": 38, "suits": 55, "t-shirts": 10, "leggings": 12}
LUXURY = {"gucci", "prada", "louis-vuitton", "chanel", "dior", "burberry"}
PREMIUM = {"ralph-lauren", "the-north-face", "patagonia", "carhartt", "lacoste", "sandro", "maje", "sezane",
           "comptoir-des-cotonniers", "massimo-dutti", "cos", "arket", "hugo-boss", "armani", "calvin-klein",
           "tommy-hilfiger", "diesel", "dr-martens", "levi-s", "marc-o-polo", "petit-bateau"}  # fmt: skip
BUDGET = {"kiabi", "h-and-m", "primark", "shein", "bershka", "stradivarius", "pull-and-bear", "only", "asos",
          "celio", "promod", "naf-naf"}  # fmt: skip
CONDITION = {
    "new_with_tags": Decimal("1.0"),
    "new_without_tags": Decimal("0.85"),
    "very_good": Decimal("0.7"),
    "good": Decimal("0.55"),
    "satisfactory": Decimal("0.35"),
}
FLAW_CUT = {
    FlawSeverity.MINOR: Decimal("0.05"),
    FlawSeverity.MODERATE: Decimal("0.15"),
    FlawSeverity.MAJOR: Decimal("0.3"),
}
VINTAGE = {"1950s", "1960s", "1970s", "1980s", "1990s"}


def _tier(brand: str | None) -> tuple[Decimal, str]:
    if brand in LUXURY:
        return Decimal("8"), "a luxury brand"
    if brand in PREMIUM:
        return Decimal("1.8"), "a sought-after brand"
    if brand in BUDGET:
        return Decimal("0.6"), "a high-street brand"
    if brand:
        return Decimal("1"), "a known brand"
    return Decimal("0.8"), "no known brand"


def _round(amount: Decimal) -> Decimal:
    """Whole euros under 20, then steps of 5: the prices sellers actually write."""
    step = Decimal("1") if amount < 20 else Decimal("5")
    rounded = (amount / step).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * step
    return max(Decimal("1"), rounded).quantize(Decimal("0.01"))


def suggest_price(
    ref: Reference, attrs: ItemAttributes, flaws: list[FlawSeen], currency: str
) -> PriceSuggestion | None:
    """The suggested price with its reason; None when even the category is unknown."""
    category = attrs.category.reference_id
    group = ref.group_of(category)
    if category is None or group is None:
        return None
    base = Decimal(BASE_BY_CATEGORY.get(category, BASE_BY_GROUP.get(group, 15)))
    tier, tier_reason = _tier(attrs.brand.reference_id)
    condition = CONDITION.get(attrs.condition.reference_id or "", Decimal("0.55"))
    reasons = [
        f"base {base} {currency} for {ref.label('category', category)}",
        f"x{tier} for {tier_reason}" + (f" ({attrs.brand.text})" if attrs.brand.text else ""),
        f"x{condition} for the condition ({ref.label('condition', attrs.condition.reference_id or 'good')})",
    ]
    amount = base * tier * condition
    if attrs.decade is not None and attrs.decade.reference_id in VINTAGE:
        amount *= Decimal("1.25")
        reasons.append(f"x1.25 for a vintage piece ({attrs.decade.text})")
    cut = min(Decimal("0.6"), sum((FLAW_CUT[f.severity] for f in flaws), Decimal("0")))
    if cut:
        amount *= 1 - cut
        reasons.append(f"-{int(cut * 100)} % for {len(flaws)} flaw{'s' if len(flaws) > 1 else ''}")
    price = _round(amount)
    return PriceSuggestion(
        amount=price,
        low=_round(amount * Decimal("0.75")),
        high=_round(amount * Decimal("1.25")),
        currency=currency,
        reason="; ".join(reasons) + f"; rounded to {price} {currency}.",
    )
