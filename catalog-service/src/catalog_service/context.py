"""What the domain services need besides a session, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from vitrine_kit.events.outbox import Outbox

from catalog_service.config import Settings
from catalog_service.reference.catalog import ReferenceCache


@dataclass
class CatalogContext:
    """Settings, the reference data cache and the outbox, as one object for the services."""

    settings: Settings
    reference: ReferenceCache
    outbox: Outbox
