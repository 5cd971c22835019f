"""Publications as the API shows them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field, model_validator
from vitrine_contracts.catalog import ListingPolicies
from vitrine_contracts.common import Marketplace

from catalog_service.pricing.schemas import EbaySite


class PublishIn(BaseModel):
    """``{"marketplaces": ["ebay", "vinted"], "ebay_sites": ["EBAY_FR", "EBAY_GB"]}``: one publication per
    eBay site. Without ``ebay_sites``, "ebay" goes to the seller's default sites (``/publish-defaults``)."""

    marketplaces: list[Marketplace] = Field(min_length=1, max_length=3)
    ebay_sites: list[EbaySite] | None = Field(default=None, min_length=1, max_length=8)
    ebay_policies: dict[EbaySite, ListingPolicies] | None = Field(
        default=None,
        max_length=8,
        description="Per eBay site, the business policies its listing goes out with (checked on eBay: 422 "
        "naming the field and site of one that is not the seller's there; a kind left out: the account's "
        "default). A site named replaces its publication's choice ({}: the default set); one not named keeps it",
    )

    @model_validator(mode="after")
    def _sites_need_ebay(self) -> PublishIn:
        if (self.ebay_sites or self.ebay_policies) and Marketplace.EBAY not in self.marketplaces:
            raise ValueError("ebay_sites or ebay_policies is given but 'ebay' is not among the marketplaces")
        return self


class ListingPrice(BaseModel):
    """The price the listing went out at (last publish or revise), and the rate used to get there."""

    amount: Decimal
    currency: str
    rate: Decimal | None = Field(description="From the product's currency (1 when the same)")
    rate_date: date | None = Field(description="The rate's day (None: no conversion)")
    rate_source: str | None = Field(description="ecb or manual (None: no conversion)")


class PublicationOut(BaseModel):
    id: uuid.UUID
    product_id: uuid.UUID
    marketplace: str
    site: str | None = Field(description="The eBay site (None elsewhere)")
    status: str
    external_id: str | None
    url: str | None
    reason: str | None
    reason_code: str | None
    retryable: bool | None
    requested_at: datetime
    listed_at: datetime | None
    delisted_at: datetime | None
    updated_at: datetime
    price: ListingPrice | None
    policies: ListingPolicies | None = Field(
        description="eBay: the business policies chosen for this listing (a kind None: the account's default)"
    )
