"""Reference data (shared): values of every attribute type, brands, and marketplace mappings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column
from vitrine_kit.db.base import new_id, utcnow

from catalog_service.models.base import SharedBase, TenantBase


class ReferenceValue(SharedBase):
    """One value of one type (category, colour, condition, material, size, gender, fit, season…)."""

    __tablename__ = "reference_values"

    type: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(80), primary_key=True)
    parent: Mapped[str | None] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    labels: Mapped[dict[str, str]] = mapped_column(JSONB)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class Brand(SharedBase):
    __tablename__ = "brands"

    code: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    # Name and aliases, lower-cased without accents or punctuation, joined by '|': searched with ILIKE.
    search_text: Mapped[str] = mapped_column(Text)
    # 'vitrine' (the seed, a curator) or 'vinted' (added by a Vinted answer: retired with its Vinted id).
    # A server default: the seed's migrations insert brands before this column existed.
    source: Mapped[str] = mapped_column(String(20), server_default="vitrine")
    # Set when Vinted's whole brand list no longer had it (a 'vinted' brand): out of searches, kept on products.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MarketplaceMappingRow(SharedBase):
    """Our code → a marketplace's id, per kind (category, condition, colour, brand, package_size, when_made)."""

    __tablename__ = "marketplace_mappings"

    marketplace: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(80), primary_key=True)
    # '' when the mapping does not depend on gender or site.
    gender: Mapped[str] = mapped_column(String(20), primary_key=True, default="")
    site: Mapped[str] = mapped_column(String(20), primary_key=True, default="")
    external_id: Mapped[str] = mapped_column(String(80))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # Set (to the time of Vinted's list) when a whole list of the marketplace no longer had ``external_id``:
    # kept, so products mapped to it keep reading, but a publish names it (422) and listings leave it out.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReferenceRevision(SharedBase):
    """One row: bumped whenever reference data changes at run time (a Vinted fetch, a brand accepted), so
    each replica's in-memory copy knows to reload."""

    __tablename__ = "reference_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PendingBrand(TenantBase):
    """A brand a seller typed that the shared list does not have: kept on their products as free text and
    out of the shared list until an admin of the account accepts it (it then joins the list) or rejects it."""

    __tablename__ = "pending_brands"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(80))
    # ``normalise(name)``: 'Maison Kitsuné' and 'maison kitsune' are one pending brand.
    normalised: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    code: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class VintedReferenceFetch(SharedBase):
    """One fetch of one whole Vinted list, arriving in parts (``marketplace.vinted.reference.fetched`` with
    ``part``); complete once its parts cover ``total`` entries, and then it retires the ids it lacks."""

    __tablename__ = "vinted_reference_fetches"

    fetch_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    what: Mapped[str] = mapped_column(String(20))
    total: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class VintedReferencePartSeen(SharedBase):
    """A part of a fetch applied: how many entries it had and the Vinted ids they carry (until complete)."""

    __tablename__ = "vinted_reference_parts"

    fetch_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    offset: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list)
