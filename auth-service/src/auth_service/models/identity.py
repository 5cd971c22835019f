"""Users, tenants (seller accounts) and memberships; a user may belong to several tenants."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import new_id, utcnow
from vitrine_kit.roles import Role

from auth_service.models.base import SharedBase

__all__ = ["Membership", "Role", "TenantAccount", "User"]


class User(SharedBase):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # always lowercase
    password_hash: Mapped[str] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The profile: how to address them, and the default language of their AI texts and mails.
    name: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(2), default="en", server_default="en")


class TenantAccount(SharedBase):
    """A seller account (the tenant); ``shared.tenants`` is the kit's schema registry, hence the name."""

    __tablename__ = "tenant_accounts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str] = mapped_column(String(50), default="free")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The seller's business, set during onboarding (profiles.service); None until told.
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    seller_type: Mapped[str | None] = mapped_column(String(16))  # individual | professional
    company_name: Mapped[str | None] = mapped_column(String(200))
    vat_number: Mapped[str | None] = mapped_column(String(16))  # compact: FR40303265045
    siret: Mapped[str | None] = mapped_column(String(14))  # France only

    def become_individual(self) -> None:
        """A private seller: the business fields of a professional no longer apply."""
        self.seller_type = "individual"
        self.company_name = self.vat_number = self.siret = None


class Membership(SharedBase):
    __tablename__ = "memberships"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("shared.tenant_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("shared.users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
