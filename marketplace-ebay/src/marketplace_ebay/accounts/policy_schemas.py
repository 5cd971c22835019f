"""Bodies of the business-policy endpoints: one shape per kind, in Vitrine's words (eBay's are built from it)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field


class _PolicyBase(BaseModel):
    name: str = Field(min_length=1, description="unique per kind and site (eBay: at most 64 characters)")
    description: str | None = Field(default=None, max_length=250)


class ShippingServiceIn(BaseModel):
    service_code: str = Field(
        min_length=1,
        description="eBay's shippingServiceCode of the site (FR_ColiposteColissimo, UK_RoyalMail…)",
    )
    cost: Decimal = Field(default=Decimal("0"), description="in the site's currency")
    additional_cost: Decimal | None = Field(default=None, description="each further item of the same order")
    free_shipping: bool = False


class FulfillmentPolicyIn(_PolicyBase):
    kind: Literal["fulfillment"] = "fulfillment"
    handling_days: int = Field(default=3, description="days to dispatch (eBay: 0-7, 10, 15, 20 or 30)")
    shipping_services: list[ShippingServiceIn] = Field(
        min_length=1, description="domestic services, in order"
    )


class PaymentPolicyIn(_PolicyBase):
    kind: Literal["payment"] = "payment"
    immediate_pay: bool = True


class ReturnPolicyIn(_PolicyBase):
    kind: Literal["return"] = "return"
    returns_accepted: bool = True
    return_days: int | None = Field(default=30, description="eBay: 14, 30 or 60 days on these sites")
    return_shipping_paid_by: str = Field(default="BUYER", description="BUYER or SELLER")
    refund_method: str = Field(default="MONEY_BACK", description="MONEY_BACK or MERCHANDISE_CREDIT")


PolicyIn = Annotated[FulfillmentPolicyIn | PaymentPolicyIn | ReturnPolicyIn, Field(discriminator="kind")]


class PolicyOut(BaseModel):
    kind: Literal["fulfillment", "payment", "return"]
    policy_id: str
    name: str
    description: str | None = None
    is_default: bool = Field(description="applied to new listings of this account")
    handling_days: int | None = None
    shipping_services: list[ShippingServiceIn] | None = None
    immediate_pay: bool | None = None
    returns_accepted: bool | None = None
    return_days: int | None = None
    return_shipping_paid_by: str | None = None
    refund_method: str | None = None


class PolicyDefaults(BaseModel):
    """The policies new listings of the account use (each one a policy of the account's site)."""

    fulfillment_policy_id: str | None = None
    payment_policy_id: str | None = None
    return_policy_id: str | None = None


class PoliciesOut(BaseModel):
    account_id: uuid.UUID
    site: str
    currency: str
    defaults: PolicyDefaults
    policies: list[PolicyOut]
