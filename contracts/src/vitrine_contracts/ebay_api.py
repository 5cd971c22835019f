"""marketplace-ebay's internal API (service tokens only, never routed by the gateway), for catalog-service.

- ``POST /internal/listing-policies/check`` (:class:`PolicyCheckRequest`, scope ``ebay:policies``) → 200
  :class:`PolicyCheckResult`: each policy id a publish chose for one eBay site, read on eBay through the
  tenant's account on that site. A fault names the field (``fulfillment_policy_id``…) of an id eBay does not
  know for the seller, or that belongs to another site; no faults: every one may be used there. A site without
  an active account of the tenant is a fault on ``account``. 503 problem ``ebay-unavailable`` when eBay cannot
  answer, 409 ``account-reconnect`` when the account must be connected again.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from vitrine_contracts.catalog import ListingPolicies

POLICY_CHECK_PATH = "/internal/listing-policies/check"
POLICIES_SCOPE = "ebay:policies"


class PolicyCheckRequest(BaseModel):
    """The policies chosen for one site of a tenant's publish."""

    tenant_id: uuid.UUID
    site: str = Field(min_length=4, max_length=20, description="EBAY_FR, EBAY_GB…")
    account_id: uuid.UUID | None = Field(
        default=None, description="The account catalog knows for the site (else the tenant's one there)"
    )
    policies: ListingPolicies


class PolicyFault(BaseModel):
    field: str = Field(description="fulfillment_policy_id, payment_policy_id, return_policy_id or account")
    message: str = Field(description="A sentence for the seller")


class PolicyCheckResult(BaseModel):
    site: str
    account_id: uuid.UUID | None = Field(description="The account the policies were read through")
    faults: list[PolicyFault] = Field(default_factory=list, description="Empty: every policy may be used")
