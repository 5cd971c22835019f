"""The tenant's credit ledger: append-only, one row per change, with the balance after it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, Index, Integer, String, column
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import utcnow

from billing_service.models.base import TenantBase
from billing_service.models.enums import LedgerKind, enum_column


class LedgerEntry(TenantBase):
    """One credit movement; ``grant_key`` makes a grant happen once (per invoice period, session, month)."""

    __tablename__ = "credit_ledger"
    __table_args__ = (
        Index(
            "uq_credit_ledger_grant_key",
            "grant_key",
            unique=True,
            postgresql_where=column("grant_key").isnot(None),
        ),
    )

    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    kind: Mapped[LedgerKind] = mapped_column(enum_column(LedgerKind))
    monthly_delta: Mapped[int] = mapped_column(Integer, default=0)
    purchased_delta: Mapped[int] = mapped_column(Integer, default=0)
    monthly_after: Mapped[int] = mapped_column(Integer)
    purchased_after: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(255))
    grant_key: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
