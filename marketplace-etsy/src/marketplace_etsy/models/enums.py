"""Statuses of marketplace-etsy's rows, as enums the models use (stored as their string values)."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa


class AccountStatus(StrEnum):
    """Whether Etsy still accepts the shop's tokens."""

    ACTIVE = "active"
    RECONNECT = "reconnect"


class ListingState(StrEnum):
    """How far a publication got on Etsy; each step is recorded before the next one starts."""

    PENDING = "pending"  # nothing asked of Etsy yet
    DRAFT_REQUESTED = "draft_requested"  # createDraftListing sent, its answer not recorded (yet)
    DRAFT = "draft"  # the listing exists (listing_id known); photos go up one by one
    ACTIVE = "active"
    FAILED = "failed"  # Etsy refused something; a new attempt resumes from the recorded steps
    DELISTED = "delisted"
    IMPORTED = "imported"  # found on Etsy, linked to a product by an import


class CommandAction(StrEnum):
    PUBLISH = "publish"
    REVISE = "revise"
    DELIST = "delist"


def enum_column(enum: type[StrEnum], length: int = 16) -> sa.Enum:
    """A ``VARCHAR`` column whose values load as ``enum`` members (no database enum type to migrate)."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
