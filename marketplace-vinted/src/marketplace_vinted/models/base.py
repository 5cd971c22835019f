"""Declarative bases of marketplace-vinted's two schemas, and enum columns stored as their values."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase
from vitrine_kit.db.base import shared_metadata, tenant_metadata


class SharedBase(DeclarativeBase):
    metadata = shared_metadata()


class TenantBase(DeclarativeBase):
    metadata = tenant_metadata()


def enum_column(enum: type[StrEnum], length: int) -> sa.Enum:
    """A ``VARCHAR(length)`` holding the enum's values (no database type: adding a value needs no migration)."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )
