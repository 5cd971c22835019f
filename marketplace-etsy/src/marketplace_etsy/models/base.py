"""The two declarative bases of marketplace-etsy."""

from sqlalchemy.orm import DeclarativeBase
from vitrine_kit.db.base import shared_metadata, tenant_metadata


class SharedBase(DeclarativeBase):
    """Service-wide tables (schema ``shared``)."""

    metadata = shared_metadata()


class TenantBase(DeclarativeBase):
    """Per-tenant tables (mapped to the tenant's schema per session)."""

    metadata = tenant_metadata()
