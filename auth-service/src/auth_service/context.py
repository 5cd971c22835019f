"""What the domain services need besides a session, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from vitrine_kit.db.engine import Database
from vitrine_kit.db.tenancy import TenantRegistry
from vitrine_kit.events.outbox import Outbox

from auth_service.config import Settings
from auth_service.keys.service import KeyStore
from auth_service.security.mailer import Mailer
from auth_service.security.passwords import PasswordHasher
from auth_service.security.throttle import LoginThrottler


@dataclass
class AuthContext:
    """Settings, keys, hashing, throttling, tenancy and the outbox, as one object for the services."""

    settings: Settings
    db: Database
    keys: KeyStore
    hasher: PasswordHasher
    throttler: LoginThrottler
    tenants: TenantRegistry
    outbox: Outbox
    mailer: Mailer
