"""Etsy Open API v3 resources, as far as this adapter reads them (unknown fields are ignored)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class EtsyMoney(Wire):
    """Etsy's ``Money``: an integer amount over a divisor."""

    amount: int
    divisor: int = 100
    currency_code: str

    @property
    def value(self) -> Decimal:
        return (Decimal(self.amount) / Decimal(self.divisor or 1)).quantize(Decimal("0.01"))


class Page(Wire, Generic[T]):
    count: int = 0
    results: list[T] = Field(default_factory=list)


class TokenResponse(Wire):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int = 3600
    refresh_token: str | None = None


class Me(Wire):
    user_id: int
    shop_id: int | None = None


class Shop(Wire):
    shop_id: int
    shop_name: str
    currency_code: str | None = None
    url: str | None = None
    shop_location_country_iso: str | None = None
    shipping_from_country_iso: str | None = None

    @property
    def country(self) -> str | None:
        return self.shop_location_country_iso or self.shipping_from_country_iso


class ShippingProfile(Wire):
    shipping_profile_id: int
    title: str | None = None
    is_deleted: bool = False


class ReadinessState(Wire):
    """A processing profile (``ShopProcessingProfile``)."""

    readiness_state_id: int
    readiness_state: str | None = None
    processing_days_display_label: str | None = None


class ReturnPolicy(Wire):
    return_policy_id: int
    accepts_returns: bool = False
    accepts_exchanges: bool = False
    return_deadline: int | None = None


class ListingImage(Wire):
    listing_image_id: int
    rank: int = 1
    url_fullxfull: str | None = None
    url_570xN: str | None = None


class ShopListing(Wire):
    listing_id: int
    shop_id: int | None = None
    title: str = ""
    description: str | None = None
    state: str = "draft"
    quantity: int = 0
    url: str | None = None
    price: EtsyMoney | None = None
    taxonomy_id: int | None = None
    tags: list[str] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)
    who_made: str | None = None
    when_made: str | None = None
    shipping_profile_id: int | None = None
    readiness_state_id: int | None = None
    created_timestamp: int | None = None
    images: list[ListingImage] | None = None
    skus: list[str] | None = None


class Transaction(Wire):
    transaction_id: int
    listing_id: int | None = None
    quantity: int = 1
    price: EtsyMoney
    sku: str | None = None
    title: str | None = None


class Receipt(Wire):
    receipt_id: int
    status: str = ""
    is_paid: bool = False
    buyer_user_id: int | None = None
    name: str | None = None
    created_timestamp: int | None = None
    create_timestamp: int | None = None
    updated_timestamp: int | None = None
    update_timestamp: int | None = None
    transactions: list[Transaction] = Field(default_factory=list)

    @property
    def created_at(self) -> datetime:
        return _when(self.created_timestamp or self.create_timestamp)

    @property
    def updated_at(self) -> datetime:
        return _when(self.updated_timestamp or self.update_timestamp or self.created_timestamp)

    @property
    def canceled(self) -> bool:
        """Canceled or refunded in full: the sale no longer stands."""
        return self.status.lower() in {"canceled", "fully refunded"}

    @property
    def sold(self) -> bool:
        """Paid and standing: its lines are sales."""
        return self.is_paid and not self.canceled


def _when(epoch: int | None) -> datetime:
    return datetime.fromtimestamp(epoch or 0, UTC)
