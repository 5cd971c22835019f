"""Price rules, exchange rates and publish defaults as the API shows and takes them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field
from vitrine_contracts.common import Marketplace

EbaySite = Literal["EBAY_FR", "EBAY_GB", "EBAY_DE", "EBAY_ES", "EBAY_IT", "EBAY_NL", "EBAY_BE", "EBAY_PL"]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")]


class PriceRuleIn(BaseModel):
    """``price`` (converted to the listing's currency) * ``coefficient`` + ``fixed_amount``, then rounded to
    the nearest amount ending in ``ending`` (0.90 → 12.90; 0.99 → 12.99; 0.00 → whole units; null → the
    cent)."""

    marketplace: Marketplace
    site: EbaySite | None = Field(default=None, description="eBay only: one site's rule (null: every site)")
    coefficient: Decimal = Field(default=Decimal("1"), gt=0, le=100, max_digits=8, decimal_places=4)
    fixed_amount: Decimal = Field(
        default=Decimal("0"),
        ge=-100000,
        le=100000,
        max_digits=12,
        decimal_places=2,
        description="In the listing's currency, added after the conversion and the coefficient",
    )
    ending: Decimal | None = Field(default=None, ge=0, lt=1, max_digits=3, decimal_places=2)


class PriceRuleOut(BaseModel):
    marketplace: str
    site: str | None
    coefficient: Decimal
    fixed_amount: Decimal
    ending: Decimal | None
    updated_at: datetime


class RateOut(BaseModel):
    """1 EUR = ``rate`` ``currency``; ``source``: ``manual`` (the seller's own, which wins) or ``ecb``."""

    currency: str
    rate: Decimal
    rate_date: date
    source: Literal["ecb", "manual"]
    ecb_rate: Decimal | None = Field(default=None, description="ECB's latest, shown beside the seller's own")
    ecb_date: date | None = None


class RatesOut(BaseModel):
    base: Literal["EUR"] = "EUR"
    source_url: str = Field(description="Where ECB's rates are read from")
    rates: list[RateOut]


class RateIn(BaseModel):
    rate: Decimal = Field(gt=0, le=1_000_000, max_digits=18, decimal_places=8, description="1 EUR = rate")
    rate_date: date | None = Field(default=None, description="The day the rate is for (default: today)")


class RefreshOut(BaseModel):
    rate_date: date
    currencies: int


class PublishDefaultsIn(BaseModel):
    ebay_sites: list[EbaySite] = Field(max_length=8, description="Where a plain 'ebay' publish goes")


class EbayAccountOut(BaseModel):
    account_id: str
    site: str


class PublishDefaultsOut(BaseModel):
    ebay_sites: list[str] = Field(description="Empty: the sites of the connected eBay accounts")
    effective_ebay_sites: list[str] = Field(description="Where a plain 'ebay' publish goes now")
    ebay_accounts: list[EbayAccountOut] = Field(description="The eBay accounts catalog knows connected")
