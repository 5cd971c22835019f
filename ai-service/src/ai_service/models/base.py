"""The two declarative bases of ai-service, and a column type for status enums."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum
from sqlalchemy.orm import DeclarativeBase
from vitrine_kit.db.base import shared_metadata, tenant_metadata


def status_column(enum: type[StrEnum]) -> Enum:
    """A short VARCHAR holding the enum's values (no database enum type: adding a status is no migration)."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=20,
        values_callable=lambda e: [m.value for m in e],
    )


class SharedBase(DeclarativeBase):
    """Service-wide tables (schema ``shared``): prompt versions and the queue of analyses to run."""

    metadata = shared_metadata()


class TenantBase(DeclarativeBase):
    """Per-tenant tables (``schema=None``, mapped to the tenant's schema per session)."""

    metadata = tenant_metadata()
