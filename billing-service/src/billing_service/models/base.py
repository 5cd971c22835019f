"""The two declarative bases of billing-service."""

from sqlalchemy.orm import DeclarativeBase
from vitrine_kit.db.base import shared_metadata, tenant_metadata


class SharedBase(DeclarativeBase):
    """Service-wide tables (schema ``shared``): plans, accounts, balances, reservations, the webhook inbox."""

    metadata = shared_metadata()


class TenantBase(DeclarativeBase):
    """Per-tenant tables (``schema=None``, mapped to the tenant's schema per session): the credit ledger."""

    metadata = tenant_metadata()
