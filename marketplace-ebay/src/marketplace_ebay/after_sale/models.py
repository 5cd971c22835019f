"""After-sale tables: one row per eBay case (tenant), one sync schedule per account (shared)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import DateTime, Enum, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import COLOCATED_SCHEMA, new_id, utcnow

from marketplace_ebay.models.base import SharedBase, TenantBase


class CaseKind(StrEnum):
    CANCELLATION = "cancellation"
    RETURN = "return"
    INQUIRY = "inquiry"
    PAYMENT_DISPUTE = "payment_dispute"


class CaseStatus(StrEnum):
    """Whose move it is."""

    AWAITING_SELLER = "awaiting_seller"
    AWAITING_BUYER = "awaiting_buyer"
    AWAITING_EBAY = "awaiting_ebay"
    CLOSED = "closed"


class Action(StrEnum):
    """What the seller may do on a case, through Vitrine."""

    APPROVE_CANCELLATION = "approve_cancellation"
    REJECT_CANCELLATION = "reject_cancellation"
    ACCEPT_RETURN = "accept_return"
    DECLINE_RETURN = "decline_return"
    REFUND_RETURN = "refund_return"
    MARK_RETURN_RECEIVED = "mark_return_received"
    PROVIDE_TRACKING = "provide_tracking"
    REFUND_INQUIRY = "refund_inquiry"
    ACCEPT_DISPUTE = "accept_dispute"
    CONTEST_DISPUTE = "contest_dispute"


def _enum(cls: type[StrEnum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=20, values_callable=lambda e: [x.value for x in e])


class AfterSaleCase(TenantBase):
    """An eBay case as last read from eBay: whose move it is, by when, and what the seller may do."""

    __tablename__ = "ebay_after_sale_cases"
    __table_args__ = (UniqueConstraint("account_id", "kind", "external_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("ebay_accounts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CaseKind] = mapped_column(_enum(CaseKind, "after_sale_kind"))
    external_id: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # None: the whole order (a cancellation); otherwise the line the case is about.
    line_item_id: Mapped[str | None] = mapped_column(String(64))
    listing_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus, "after_sale_status"), index=True)
    ebay_status: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(100))
    buyer: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    respond_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actions: Mapped[list[str]] = mapped_column(JSONB, default=list)
    # Payment disputes: eBay refuses an answer that does not name the current revision.
    revision: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When the unit this case released (a cancellation, a returned item back) was given back to stock.
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AfterSalePoll(SharedBase):
    """The after-sale sync schedule of one account, claimed with ``FOR UPDATE SKIP LOCKED`` (``colocated``:
    in the tenant's database, like the order-poll rows it follows)."""

    __tablename__ = "after_sale_polls"
    __table_args__ = {"schema": COLOCATED_SCHEMA}

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    next_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    last_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
