"""Settings of catalog-service (env prefix ``CATALOG_``)."""

from __future__ import annotations

from pydantic import SecretStr
from vitrine_kit.settings import BaseServiceSettings, service_config


class Settings(BaseServiceSettings):
    """catalog-service settings; every default is safe for a local run."""

    model_config = service_config("CATALOG_")

    service_name: str = "catalog-service"
    port: int = 8002
    database_url: SecretStr = SecretStr("postgresql+asyncpg://postgres@127.0.0.1:5432/vitrine_catalog")

    # Public URL of an image's large JPEG; media-service serves it (``{media_id}`` is replaced).
    media_public_url: str = "http://127.0.0.1:8003/images/{media_id}/large.jpg"
    # Product limit until billing-service has sent a ``subscription.changed`` for the tenant.
    free_plan_products: int = 50
    # The eBay site whose category ids go into publication snapshots.
    ebay_site: str = "EBAY_FR"
    default_currency: str = "EUR"
