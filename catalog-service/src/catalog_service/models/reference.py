"""Reference data (shared): values of every attribute type, brands, and marketplace mappings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from catalog_service.models.base import SharedBase


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
