"""SQLAlchemy models: service-wide tables in ``shared``, the audit log per tenant."""

from auth_service.models.audit import AuditEntry
from auth_service.models.base import SharedBase, TenantBase
from auth_service.models.clients import ServiceClient
from auth_service.models.identity import Membership, Role, TenantAccount, User
from auth_service.models.keys import KeyStatus, SigningKey
from auth_service.models.plugin import PairingCode, PluginDevice
from auth_service.models.revocations import TokenRevocation
from auth_service.models.throttle import LoginThrottle
from auth_service.models.tokens import Invitation, OneTimeToken, RefreshToken, RefreshTokenStatus

__all__ = [
    "AuditEntry",
    "Invitation",
    "KeyStatus",
    "LoginThrottle",
    "Membership",
    "OneTimeToken",
    "PairingCode",
    "PluginDevice",
    "RefreshToken",
    "RefreshTokenStatus",
    "Role",
    "ServiceClient",
    "SharedBase",
    "SigningKey",
    "TenantAccount",
    "TenantBase",
    "TokenRevocation",
    "User",
]
