"""What the after-sale endpoints take and give."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from vitrine_kit.pagination import Page

from marketplace_ebay.after_sale.models import Action, CaseKind, CaseStatus

# Carrier codes eBay's shippingCarrierCode takes for the sites Vitrine sells on (eBay accepts more).
Carrier = Literal[
    "COLISSIMO", "CHRONOPOST", "MONDIAL_RELAY", "LA_POSTE", "DPD", "GLS", "UPS", "DHL", "FEDEX", "USPS",
    "ROYAL_MAIL", "HERMES", "DEUTSCHE_POST", "OTHER",
]  # fmt: skip
EvidenceType = Literal[
    "PROOF_OF_DELIVERY", "PROOF_OF_AUTHENTICITY", "PROOF_OF_ITEM_AS_DESCRIBED", "PROOF_OF_PICKUP",
    "PROOF_OF_REFUND", "PROOF_OF_RETURN_FOR_REFUND", "PROOF_OF_SIGNATURE",
]  # fmt: skip


class CaseOut(BaseModel):
    """A case: whose move it is, by when, and what the seller may do now."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID
    kind: CaseKind
    external_id: str = Field(description="eBay's id (cancelId, returnId, inquiryId, paymentDisputeId)")
    order_id: str | None
    line_item_id: str | None = Field(description="None: the whole order")
    listing_id: str | None
    status: CaseStatus
    ebay_status: str = Field(description="eBay's own word for the state, as eBay sends it")
    reason: str | None
    buyer: str | None
    amount: Decimal | None
    currency: str | None
    respond_by: datetime | None = Field(description="The seller's deadline, when it is the seller's move")
    actions: list[Action]
    opened_at: datetime
    synced_at: datetime
    released_at: datetime | None = Field(description="When the unit went back to stock")


class CasePage(Page[CaseOut]):
    """Cases waiting on the seller first, the nearest deadline first (none last), then the oldest, then by id."""


class ShipmentIn(BaseModel):
    carrier: Carrier
    tracking_number: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")
    shipped_at: datetime | None = None
    line_item_ids: list[str] | None = Field(default=None, min_length=1, description="None: every line")


class ShipmentOut(BaseModel):
    order_id: str
    fulfillment_id: str
    line_item_ids: list[str]


class RejectCancellationIn(BaseModel):
    """Why the order stands: usually it has already shipped."""

    shipped_at: datetime | None = None
    tracking_number: str | None = Field(default=None, max_length=40)


class CommentIn(BaseModel):
    comment: str = Field(default="", max_length=1000)


class ReturnRefundIn(BaseModel):
    amount: Decimal | None = Field(default=None, gt=0, description="None: the full amount of the return")
    comment: str = Field(default="", max_length=1000)


class TrackingIn(BaseModel):
    carrier: Carrier
    tracking_number: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")
    comment: str = Field(default="", max_length=1000)


class EvidenceIn(BaseModel):
    evidence_type: EvidenceType
    filename: str = Field(min_length=1, max_length=100)
    content_type: Literal["image/jpeg", "image/png"]
    content_base64: str = Field(min_length=4, max_length=2_000_000, description="The file, base64 (≤ 1.5 MB)")


class ReturnAddressIn(BaseModel):
    full_name: str = Field(min_length=1, max_length=100)
    address_line1: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postal_code: str = Field(min_length=1, max_length=20)
    country: str = Field(min_length=2, max_length=2)
    phone: str = Field(min_length=4, max_length=30)


class ContestIn(BaseModel):
    note: str = Field(default="", max_length=1000)
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=10)
    return_address: ReturnAddressIn | None = Field(
        default=None, description="Required by eBay for a not-as-described dispute"
    )
