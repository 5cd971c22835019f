"""Value types shared by several events."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Marketplace(StrEnum):
    """The marketplaces Vitrine lists on."""

    EBAY = "ebay"
    ETSY = "etsy"
    VINTED = "vinted"


CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")]


class Money(BaseModel):
    """An amount in a currency; decimals travel as strings in JSON, never floats."""

    model_config = ConfigDict(frozen=True)

    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    currency: CurrencyCode
