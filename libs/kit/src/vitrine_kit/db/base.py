"""Declarative bases: service-wide tables live in schema ``shared``; tenant tables have no schema."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SHARED_SCHEMA = "shared"
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
