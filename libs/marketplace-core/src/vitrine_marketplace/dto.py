"""Data shapes every adapter speaks, whatever the marketplace's own wire format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    """Now, timezone-aware (UTC)."""
    return datetime.now(UTC)


class OAuthTokens(BaseModel):
    """A token pair as a marketplace's token endpoint returns it, with absolute expiry times."""

    model_config = ConfigDict(frozen=True)

    access_token: str
    access_expires_at: datetime
    refresh_token: str | None = None
    refresh_expires_at: datetime | None = None
    scopes: list[str] = Field(default_factory=list)

    @classmethod
    def from_response(cls, body: dict[str, Any], *, keep_refresh: str | None = None) -> OAuthTokens:
        """Build from a standard OAuth token response; ``keep_refresh`` when the response has none."""
        now = utcnow()
        refresh = body.get("refresh_token") or keep_refresh
        refresh_in = body.get("refresh_token_expires_in")
        return cls(
            access_token=str(body["access_token"]),
            access_expires_at=now + timedelta(seconds=int(body.get("expires_in", 3600))),
            refresh_token=refresh,
            refresh_expires_at=now + timedelta(seconds=int(refresh_in)) if refresh_in else None,
            scopes=str(body.get("scope", "")).split(),
        )

    def expires_within(self, seconds: float) -> bool:
        """True when the access token expires in less than ``seconds`` (refresh before it does)."""
        return self.access_expires_at - utcnow() < timedelta(seconds=seconds)


class ListingDraft(BaseModel):
    """A product as a marketplace listing needs it, already mapped to the marketplace's ids."""

    sku: str
    title: str
    description: str
    price: Decimal
    currency: str
    quantity: int
    image_urls: list[str] = Field(default_factory=list)
    category_id: str | None = None
    condition_id: str | None = None
    aspects: dict[str, list[str]] = Field(default_factory=dict)
    brand: str | None = None


class PublishedListing(BaseModel):
    """What a publish (or revise) left on the marketplace."""

    external_id: str
    url: str | None = None
    offer_id: str | None = None
    sku: str | None = None


class ExternalOrder(BaseModel):
    """One sold line of a paid order, as Vitrine needs it to decrement stock."""

    order_id: str
    line_id: str
    external_listing_id: str
    sku: str | None = None
    quantity: int = 1
    price: Decimal
    currency: str
    buyer: str | None = None
    ordered_at: datetime
    modified_at: datetime | None = None


class ExternalListing(BaseModel):
    """A listing that exists on the marketplace (for import or linking)."""

    external_id: str
    sku: str | None = None
    title: str
    description: str = ""
    price: Decimal | None = None
    currency: str | None = None
    quantity: int = 0
    image_urls: list[str] = Field(default_factory=list)
    category_id: str | None = None
    condition_id: str | None = None
    aspects: dict[str, list[str]] = Field(default_factory=dict)
    url: str | None = None
