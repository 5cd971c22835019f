"""Declarative bases: service-wide tables live in schema ``shared``; tenant tables have no schema. And the
column type of a status.

A service table of per-tenant rows that its loops scan across tenants (schedules, directories) lives in
schema ``colocated`` instead (``__table_args__ = {"schema": COLOCATED_SCHEMA}`` on a shared-base model,
with a ``tenant_id`` column): every database has it, and each tenant's rows sit in the tenant's database,
written in the tenant's transaction and moved with the tenant (docs/capacity.md).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SHARED_SCHEMA = "shared"
COLOCATED_SCHEMA = "colocated"
TEMPLATE_SCHEMA = "template_tenant"
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC (what every timestamp column stores)."""
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    """A new random (version 4) id for a row."""
    return uuid.uuid4()


def enum_column(enum: type[StrEnum], length: int) -> Enum:
    """A VARCHAR(``length``) holding the enum's values, read back as the enum; no database enum type nor
    constraint, so a string column becomes one with no migration and a new state needs none."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class KitBase(DeclarativeBase):
    """The kit's own tables (outbox, inbox, tenant registry), in ``shared``, migrated by the kit."""

    metadata = MetaData(schema=SHARED_SCHEMA, naming_convention=NAMING)


def shared_metadata() -> MetaData:
    """Metadata for a service's ``shared`` tables: ``class SharedBase(DeclarativeBase): metadata = shared_metadata()``."""
    return MetaData(schema=SHARED_SCHEMA, naming_convention=NAMING)


def tenant_metadata() -> MetaData:
    """Metadata for a service's tenant tables (``schema=None``, mapped to the tenant's schema per session)."""
    return MetaData(schema=None, naming_convention=NAMING)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
