"""The two declarative bases of auth-service."""

from vitrine_kit.db.base import shared_base, tenant_base

SharedBase = shared_base()
TenantBase = tenant_base()
