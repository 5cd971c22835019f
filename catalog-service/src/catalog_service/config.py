"""Settings of catalog-service (env prefix ``CATALOG_``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
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

    # Exchange rates: ECB's daily reference rates (locally sandbox-ebay's stand-in; production names
    # https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml), read every ``ecb_refresh_s`` (0: never;
    # the seller can still refresh by hand or set rates), tried again every ``ecb_retry_s`` while it fails.
    ecb_rates_url: str = "http://127.0.0.1:8021/stats/eurofxref/eurofxref-daily.xml"
    ecb_refresh_s: float = 6 * 3600.0
    ecb_retry_s: float = 10.0
    ecb_timeout_s: float = 10.0

    # Photos: every media id put on a product is checked at media-service (service token from
    # auth-service); imported listings' photos are fetched into it. None: ids are taken as given.
    media_url: str | None = "http://127.0.0.1:8003"
    auth_token_url: str = "http://127.0.0.1:8001/oauth/token"
    service_client_id: str = "catalog-service"
    service_client_secret: SecretStr = SecretStr("catalog-service-local-secret")
    media_timeout_s: float = 20.0
    # The eBay business policies a publish chooses are checked at marketplace-ebay (same service token).
    ebay_url: str = "http://127.0.0.1:8006"

    # Vinted's reference lists come through one seller's plugin and feed the mappings every tenant publishes
    # with, so a whole list that would retire more than this share of the active mappings of its kind (and
    # more than vinted_retire_min_rows of them) retires nothing; one declaring ten times fewer entries than
    # the ids mapped of its kind (over vinted_retire_min_rows) is not applied at all. Either is logged and
    # counted (catalog_vinted_reference_refused_total{what,reason}).
    vinted_retire_max_share: float = Field(default=0.1, ge=0.0, le=1.0)
    vinted_retire_min_rows: int = Field(default=20, ge=0)

    # Edits of a listed product become one revise per live listing, this long after the first edit.
    revision_window_s: float = 2.0
    revision_tick_s: float = 0.5
    revision_batch: int = 50
