"""Settings of the eBay sandbox (env prefix ``SANDBOX_EBAY_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every default matches marketplace-ebay's defaults, so a local run needs no configuration."""

    model_config = SettingsConfigDict(env_prefix="SANDBOX_EBAY_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8021
    # The base URL under which this sandbox is reached (item pages, notification key URLs).
    public_url: str = "http://127.0.0.1:8021"
    # App keysets: client_id -> client_secret.
    clients: dict[str, str] = Field(default_factory=lambda: {"vitrine-local-client": "vitrine-local-secret"})
    # RuName -> "Auth Accepted URL", as configured in eBay's developer portal.
    ru_names: dict[str, str] = Field(
        default_factory=lambda: {
            "vitrine-local-runame": "http://127.0.0.1:8000/api/marketplaces/ebay/oauth/callback"
        }
    )
    access_token_ttl_s: int = 7200
    refresh_token_ttl_s: int = 47_304_000
    auth_code_ttl_s: int = 299
    # Notification API destination for ORDER_CONFIRMATION (None: nothing pushed until PUT
    # /sandbox/notifications/destination), e.g. http://127.0.0.1:8000/api/marketplaces/ebay/webhooks/orders.
    notification_url: str | None = None
    # Each seller's call budget (calls per second, burst); None: unlimited. eBay counts calls per user.
    account_calls_per_s: float | None = None
    account_calls_burst: float = 20.0
    log_level: str = "info"
