"""The typed context of a service: what its code acts with, built once at start-up.

A service subclasses :class:`ServiceContext` with the parts of its own (a cache, an API client, a storage
backend) and gives ``create_service_app`` a factory that builds it from the kit's :class:`Kit`. There is no
second phase: when the factory returns, the context is complete, and requests, event handlers and background
loops all receive the same object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypedDict, TypeVar

from vitrine_kit.auth.jwt import TokenVerifier
from vitrine_kit.db.engine import Database
from vitrine_kit.db.tenancy import TenantRegistry
from vitrine_kit.events.broker import Broker
from vitrine_kit.events.outbox import Outbox
from vitrine_kit.metrics import ServiceMetrics
from vitrine_kit.settings import BaseServiceSettings

SettingsT = TypeVar("SettingsT", bound=BaseServiceSettings)


@dataclass(kw_only=True)
class Kit(Generic[SettingsT]):
    """The shared pieces the kit builds for every service before the service's own context."""

    settings: SettingsT
    db: Database
    broker: Broker
    outbox: Outbox
    metrics: ServiceMetrics
    verifier: TokenVerifier
    tenants: TenantRegistry | None


class KitParts(TypedDict, Generic[SettingsT]):
    """The base fields of a :class:`ServiceContext`, as keyword arguments."""

    settings: SettingsT
    db: Database
    outbox: Outbox
    metrics: ServiceMetrics
    tenants: TenantRegistry | None


@dataclass(kw_only=True)
class ServiceContext(Generic[SettingsT]):
    """Base of every service's context; subclasses add their own fields and may override ``aclose``."""

    settings: SettingsT
    db: Database
    outbox: Outbox
    metrics: ServiceMetrics
    tenants: TenantRegistry | None

    @classmethod
    def parts(cls, kit: Kit[SettingsT]) -> KitParts[SettingsT]:
        """The base fields from ``kit``, for a subclass's factory: ``cls(**cls.parts(kit), cache=…)``."""
        return {
            "settings": kit.settings,
            "db": kit.db,
            "outbox": kit.outbox,
            "metrics": kit.metrics,
            "tenants": kit.tenants,
        }

    async def start(self) -> None:
        """Called once after the context is built and before requests are served (e.g. warm a cache)."""

    async def aclose(self) -> None:
        """Release what the context opened (HTTP clients, thread pools); called once at shutdown."""
