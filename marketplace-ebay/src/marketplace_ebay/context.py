"""marketplace-ebay's context: the kit's parts, the token cipher, the eBay adapter, the media and plan clients."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from vitrine_kit.auth.service_client import ServiceTokenClient
from vitrine_kit.clients.media import MediaClient
from vitrine_kit.context import Kit, ServiceContext
from vitrine_marketplace import TokenCipher
from vitrine_marketplace.slots import SlotsClient

from marketplace_ebay.after_sale.ebay import AfterSaleApi
from marketplace_ebay.config import Settings
from marketplace_ebay.ebay_api import EbayAdapter
from marketplace_ebay.taxonomy.cache import TtlCache


@dataclass(kw_only=True)
class EbayContext(ServiceContext[Settings]):
    """What the domain services need besides a session, built once at start-up."""

    cipher: TokenCipher
    ebay: EbayAdapter
    after_sale: AfterSaleApi
    # None when media-service is not configured: the snapshot's own photo URLs are used as they are.
    media: MediaClient | None
    # None when billing-service is not configured: the plan's marketplace limit is not checked.
    slots: SlotsClient | None
    http: httpx.AsyncClient
    # eBay's notification public keys by kid, with when they were fetched.
    public_keys: dict[str, tuple[str, float]] = field(default_factory=dict)
    # Taxonomy answers: each site's tree id, each (site, category)'s aspects, for ``taxonomy_cache_ttl_s``.
    taxonomy_cache: TtlCache = field(default_factory=TtlCache)

    @classmethod
    async def build(cls, kit: Kit[Settings], *, ebay_http: httpx.AsyncClient | None = None) -> EbayContext:
        settings = kit.settings
        http = httpx.AsyncClient(timeout=10.0)
        tokens = ServiceTokenClient(
            settings.auth_token_url, settings.service_client_id, settings.service_client_secret, http=http
        )
        media = MediaClient(settings.media_url, tokens, http) if settings.media_url else None
        slots = SlotsClient(settings.billing_url, "ebay", tokens, http) if settings.billing_url else None
        adapter = EbayAdapter(settings, http=ebay_http)
        return cls(
            **cls.parts(kit),
            cipher=TokenCipher([k.get_secret_value() for k in settings.token_keys]),
            ebay=adapter,
            after_sale=AfterSaleApi(adapter, settings.dispute_api_base_url),
            media=media,
            slots=slots,
            http=http,
        )

    async def aclose(self) -> None:
        await self.ebay.aclose()
        await self.http.aclose()
