"""Events of the marketplace adapters about the seller's accounts."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from vitrine_contracts.common import Marketplace, Money
from vitrine_contracts.envelope import Event


class AccountConnected(Event):
    event_type = "marketplace.account.connected"
    marketplace: Marketplace
    account_id: uuid.UUID
    display_name: str | None = None
    site: str | None = None
    currency: str | None = Field(
        default=None,
        description="The currency the account's listings must be priced in when the account has its own "
        "(an Etsy shop's, ISO 4217); None: the site's (eBay) or the product's own",
    )


class AccountDisconnected(Event):
    event_type = "marketplace.account.disconnected"
    marketplace: Marketplace
    account_id: uuid.UUID
    reason: str | None = None


class AccountSessionExpired(Event):
    """The account can no longer act (revoked token, Vinted session expired); the seller must reconnect."""

    event_type = "marketplace.account.session_expired"
    marketplace: Marketplace
    account_id: uuid.UUID
    live_listings: int = 0


class ImportedListing(BaseModel):
    """A listing found on a marketplace, as catalog needs it to create or link a product."""

    model_config = ConfigDict(extra="ignore")

    external_listing_id: str
    sku: str | None = None
    title: str
    description: str = ""
    price: Money | None = None
    quantity: int = Field(default=1, ge=0)
    image_urls: list[str] = Field(default_factory=list)
    category_id: str | None = Field(default=None, description="The marketplace's category id")
    condition_id: str | None = Field(default=None, description="The marketplace's condition id")
    aspects: dict[str, list[str]] = Field(default_factory=dict)
    url: str | None = None


class ListingImported(Event):
    """An adapter imports a live listing: catalog links it to ``product_id``, or creates a new product when
    it is ``None``, and records the publication as listed with ``external_listing_id`` (a listing catalog
    already knows is skipped). Photos are fetched into media-service from ``listing.image_urls``."""

    event_type = "marketplace.listing.imported"
    marketplace: Marketplace
    account_id: uuid.UUID
    product_id: uuid.UUID | None = None
    listing: ImportedListing
    publication_id: uuid.UUID | None = Field(
        default=None, description="The id the adapter knows the listing by; catalog's publication takes it"
    )
    import_id: uuid.UUID | None = Field(
        default=None, description="The seller's import this listing belongs to (its progress in catalog)"
    )
    import_total: int | None = Field(default=None, ge=1, description="How many listings that import holds")
