"""The two declarative bases of notification-service."""

from sqlalchemy.orm import DeclarativeBase
from vitrine_kit.db.base import shared_metadata, tenant_metadata


class SharedBase(DeclarativeBase):
    """Service-wide tables (schema ``shared``): the mail queue and the per-tenant schedule."""

    metadata = shared_metadata()


class TenantBase(DeclarativeBase):
    """Per-tenant tables (``schema=None``, mapped to the tenant's schema per session)."""

    metadata = tenant_metadata()
