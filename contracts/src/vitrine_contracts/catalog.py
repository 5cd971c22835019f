"""Events of catalog-service and the marketplace adapters: publications, orders, sales."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vitrine_contracts.common import Marketplace, Money
from vitrine_contracts.envelope import Event


class ImageRef(BaseModel):
    """One photo of a product, in order; ``url`` is fetchable by the marketplace (signed, JPEG)."""

    model_config = ConfigDict(extra="ignore")

    media_id: uuid.UUID
    url: str
    is_label: bool = False


class MaterialShare(BaseModel):
    model_config = ConfigDict(extra="ignore")

    material: str
    percent: int | None = Field(default=None, ge=0, le=100)


class MarketplaceMapping(BaseModel):
    """The product's reference data translated to one marketplace's ids (from catalog's mapping tables).

    eBay: ``category_id``, ``condition_id`` (ConditionEnum), ``aspects``. Etsy: ``category_id`` (taxonomy id),
    ``extra.when_made``, ``extra.who_made``. Vinted: ``category_id`` (catalog_id), ``condition_id``
    (status_id), ``extra.color_ids``, ``extra.size_id``, ``extra.brand_id``, ``extra.package_size_id``.
    """

    model_config = ConfigDict(extra="ignore")

    category_id: str | None = None
    condition_id: str | None = None
    aspects: dict[str, list[str]] = Field(default_factory=dict)
    extra: dict[str, Any] = Field(default_factory=dict)


class ProductSnapshot(BaseModel):
    """What an adapter needs to list a product, frozen at the moment of the request."""

    model_config = ConfigDict(extra="ignore")

    product_id: uuid.UUID
    sku: str
    title: str
    description: str
    price: Money
    quantity: int = Field(ge=0)
    brand: str | None = None
    category_id: str | None = Field(default=None, description="Vitrine's category id")
    category_path: list[str] = Field(default_factory=list)
    condition: str | None = Field(default=None, description="Vitrine's condition code")
    size: str | None = None
    size_system: str | None = None
    gender: str | None = None
    colours: list[str] = Field(default_factory=list)
    materials: list[MaterialShare] = Field(default_factory=list)
    measurements_cm: dict[str, Decimal] = Field(default_factory=dict)
    attributes: dict[str, str] = Field(default_factory=dict, description="fit, season, pattern, neckline…")
    flaws: list[str] = Field(default_factory=list)
    images: list[ImageRef] = Field(default_factory=list)
    mapping: MarketplaceMapping = Field(default_factory=MarketplaceMapping)


ATTEMPT_DOC = (
    "The publication's attempt: every publish, revise and delist of a publication is a new attempt, "
    "numbered from 1; (publication_id, attempt) is the adapter's idempotency key, and an attempt older "
    "than the last one the adapter saw for the publication is stale and ignored"
)
RESULT_ATTEMPT_DOC = "The attempt this result answers (None: an adapter that does not number attempts)"


class ListingPolicies(BaseModel):
    """eBay business policies one listing goes out with, chosen by the seller for its site; a kind left
    None takes the account's default policy of that kind."""

    model_config = ConfigDict(extra="forbid")

    fulfillment_policy_id: str | None = Field(default=None, min_length=1, max_length=40)
    payment_policy_id: str | None = Field(default=None, min_length=1, max_length=40)
    return_policy_id: str | None = Field(default=None, min_length=1, max_length=40)

    def chosen(self) -> dict[str, str]:
        """``{field: policy id}`` of the kinds chosen (the others are the account's defaults)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class PublicationRequested(Event):
    """Catalog asks one marketplace adapter to publish (or revise) a product.

    Routed as ``publication.requested.<marketplace>`` so that each adapter binds only its own.
    ``revise`` changes a live listing to the snapshot (price, quantity, content); every marketplace gets
    the same command shape.
    """

    event_type = "publication.requested"
    publication_id: uuid.UUID
    product_id: uuid.UUID
    marketplace: Marketplace
    account_id: uuid.UUID | None = Field(default=None, description="The seller's account on the marketplace")
    site: str | None = Field(
        default=None,
        description="eBay: the site the listing goes to (EBAY_FR, EBAY_GB…), one publication per site; the "
        "snapshot's category ids, aspects and price are that site's. None: the adapter's default site",
    )
    action: Literal["publish", "revise"] = "publish"
    attempt: int = Field(default=1, ge=1, description=ATTEMPT_DOC)
    external_id: str | None = Field(default=None, description="The live listing a revise changes")
    policies: ListingPolicies | None = Field(
        default=None,
        description="eBay: the business policies the seller chose for this listing (checked on the site by "
        "catalog), sent on every publish and revise; None, or a kind left None: the account's default set",
    )
    snapshot: ProductSnapshot

    def routing_key(self) -> str:
        return f"{self.event_type}.{self.marketplace.value}"


class PublicationStarted(Event):
    """The adapter began the marketplace calls for a publication (catalog shows it as ``listing``).

    Emitted outside the adapter's handler transaction, so the seller sees it while the calls run.
    """

    event_type = "publication.started"
    publication_id: uuid.UUID
    product_id: uuid.UUID
    marketplace: Marketplace
    attempt: int = Field(default=1, ge=1)


class PublicationSucceeded(Event):
    """The adapter listed (or revised) the product."""

    event_type = "publication.succeeded"
    publication_id: uuid.UUID
    product_id: uuid.UUID
    marketplace: Marketplace
    external_id: str
    url: str | None = None
    listed_at: datetime | None = None
    action: Literal["publish", "revise"] = "publish"
    attempt: int | None = Field(default=None, ge=1, description=RESULT_ATTEMPT_DOC)


class PublicationFailed(Event):
    """The adapter could not list the product; ``reason`` is for the seller, ``retryable`` says if trying later may work."""

    event_type = "publication.failed"
    publication_id: uuid.UUID
    product_id: uuid.UUID
    marketplace: Marketplace
    reason: str
    code: str | None = Field(default=None, description="A stable code, e.g. 'missing-policies'")
    retryable: bool = False
    action: Literal["publish", "revise"] = "publish"
    attempt: int | None = Field(default=None, ge=1, description=RESULT_ATTEMPT_DOC)


class PublicationDelistRequested(Event):
    """Catalog asks one adapter to end a listing. Routed as ``publication.delist_requested.<marketplace>``."""

    event_type = "publication.delist_requested"
    publication_id: uuid.UUID
    product_id: uuid.UUID
    marketplace: Marketplace
    account_id: uuid.UUID | None = None
    site: str | None = Field(default=None, description="eBay: the publication's site")
    external_id: str | None = None
    why: Literal["sold_elsewhere", "seller_request", "archived", "out_of_stock"] = "seller_request"
    attempt: int = Field(default=1, ge=1, description=ATTEMPT_DOC)

    def routing_key(self) -> str:
        return f"{self.event_type}.{self.marketplace.value}"


class PublicationDelisted(Event):
    """The listing is no longer live (ended by Vitrine, or found deleted on the marketplace)."""

    event_type = "publication.delisted"
    publication_id: uuid.UUID
    product_id: uuid.UUID
    marketplace: Marketplace
    delisted_at: datetime
    by: Literal["vitrine", "seller_on_marketplace", "marketplace"] = "vitrine"
    reason: str | None = Field(default=None, description="Why, for the seller, when not ended by Vitrine")
    external_id: str | None = Field(
        default=None, description="The listing that ended (found by it when the publication id is unknown)"
    )
    attempt: int | None = Field(default=None, ge=1, description=RESULT_ATTEMPT_DOC)


class PublicationDelistFailed(Event):
    """Ending the listing failed; catalog alerts the seller once retries are exhausted."""

    event_type = "publication.delist_failed"
    publication_id: uuid.UUID
    product_id: uuid.UUID
    marketplace: Marketplace
    reason: str
    retryable: bool = True
    attempt: int | None = Field(default=None, ge=1, description=RESULT_ATTEMPT_DOC)


class OrderLine(BaseModel):
    model_config = ConfigDict(extra="ignore")

    external_listing_id: str
    sku: str | None = None
    quantity: int = Field(ge=1)
    price: Money


class OrderReceived(Event):
    """An adapter saw a new paid order line; catalog moves stock once per (marketplace, order id, line id)."""

    event_type = "order.received"
    marketplace: Marketplace
    order_id: str
    line_id: str | None = Field(
        default=None,
        description="The order line (eBay line item id, Etsy transaction id): one event per line, "
        "an order is (marketplace, order_id, line_id)",
    )
    account_id: uuid.UUID | None = None
    external_listing_id: str
    publication_id: uuid.UUID | None = None
    sku: str | None = None
    quantity: int = Field(default=1, ge=1)
    price: Money
    buyer: str | None = None
    ordered_at: datetime


class OrderCancelled(Event):
    """A reported order line was cancelled or refunded on the marketplace: catalog gives its stock back
    (never above what there was before the sale) and tells the seller."""

    event_type = "order.cancelled"
    marketplace: Marketplace
    order_id: str
    line_id: str | None = Field(default=None, description="As in the line's order.received")
    account_id: uuid.UUID | None = None
    external_listing_id: str | None = None
    sku: str | None = None
    quantity: int = Field(default=1, ge=1)
    reason: Literal["cancelled", "refunded", "returned"] = "cancelled"
    cancelled_at: datetime


class ProductSold(Event):
    """A product's stock reached zero through an order."""

    event_type = "product.sold"
    product_id: uuid.UUID
    marketplace: Marketplace
    order_id: str


class OversellDetected(Event):
    """An order arrived for a product with no stock left: both orders need the seller."""

    event_type = "oversell.detected"
    product_id: uuid.UUID
    alert_id: uuid.UUID
    first_order: dict[str, Any]
    second_order: dict[str, Any]
