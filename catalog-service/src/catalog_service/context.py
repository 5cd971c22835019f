"""catalog-service's context: the kit's parts, the reference data cache, the media and eBay policy clients
and the sale → delist-start histogram, built once at start-up."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from prometheus_client import Counter, Histogram
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from vitrine_kit.auth.service_client import ServiceTokenClient
from vitrine_kit.clients.media import MediaClient
from vitrine_kit.context import Kit, ServiceContext

from catalog_service.config import Settings
from catalog_service.publications.ebay_policies import EbayPolicyClient
from catalog_service.reference.catalog import ReferenceCache

logger = logging.getLogger(__name__)
# The promise is seconds: buckets fine below 2 s, coarse above.
DELIST_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0)


@dataclass(kw_only=True)
class CatalogContext(ServiceContext[Settings]):
    """What catalog's services act with besides a session."""

    reference: ReferenceCache
    # None when media-service is not configured: photo ids are then taken as given.
    media: MediaClient | None
    ebay_policies: EbayPolicyClient
    http: httpx.AsyncClient
    sale_to_delist: Histogram
    # Vinted reference answers (or their retirements) refused as implausible, by list and reason.
    vinted_reference_refused: Counter
    # When this process last stored ECB's rates (time.monotonic(); 0: not yet).
    rates_fetched_at: float = 0.0

    @classmethod
    async def build(cls, kit: Kit[Settings]) -> CatalogContext:
        settings = kit.settings
        http = httpx.AsyncClient(timeout=settings.media_timeout_s)
        tokens = ServiceTokenClient(
            settings.auth_token_url, settings.service_client_id, settings.service_client_secret, http=http
        )
        media = MediaClient(settings.media_url, tokens, http) if settings.media_url else None
        histogram = Histogram(
            "catalog_sale_to_delist_start_seconds",
            "From a sale's order.received occurred_at to the emit of each publication.delist_requested",
            ["marketplace"],
            buckets=DELIST_BUCKETS,
            registry=kit.metrics.registry,
        )
        refused = Counter(
            "catalog_vinted_reference_refused_total",
            "Vinted reference answers not applied, or whole lists whose retirements were not, as implausible",
            ["what", "reason"],
            registry=kit.metrics.registry,
        )
        return cls(
            **cls.parts(kit),
            reference=ReferenceCache(kit.db),
            media=media,
            ebay_policies=EbayPolicyClient(settings.ebay_url, tokens, http),
            http=http,
            sale_to_delist=histogram,
            vinted_reference_refused=refused,
        )

    async def start(self) -> None:
        try:
            await self.reference.get()
        except Exception:  # not migrated yet: /readyz says so, and the data is loaded on first use
            logger.exception("could not load reference data at start-up")

    async def aclose(self) -> None:
        await self.http.aclose()

    def observe_delist_start(self, session: AsyncSession, marketplace: str, sold_at: datetime) -> None:
        """Record how long after the sale the delist of ``marketplace`` is asked for, once ``session``
        commits the request (a rolled-back or replayed batch is not counted twice)."""
        seconds = max((datetime.now(UTC) - sold_at).total_seconds(), 0.0)

        def committed(_: Session) -> None:
            self.sale_to_delist.labels(marketplace).observe(seconds)

        event.listen(session.sync_session, "after_commit", committed, once=True)
