"""Settings of the Etsy sandbox (env prefix ``SANDBOX_ETSY_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every default is what a local run of marketplace-etsy expects, so nothing needs configuring."""

    model_config = SettingsConfigDict(env_prefix="SANDBOX_ETSY_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8022
    # The base URL under which this sandbox is reached (listing URLs, image URLs, shop URLs).
    public_url: str = "http://127.0.0.1:8022"
    # The app's key: its keystring is the OAuth client_id; x-api-key is "<keystring>:<shared_secret>".
    keystring: str = "vitrine-local-keystring"
    shared_secret: str = "vitrine-local-shared-secret"
    # Callback URLs registered for the app ("Your Apps" on Etsy); anything else is refused at /oauth/connect.
    redirect_uris: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:8000/api/marketplaces/etsy/oauth/callback"]
    )
    access_token_ttl_s: int = 3600
    refresh_token_ttl_s: int = 90 * 86400
    auth_code_ttl_s: int = 300
    # A new seller's shop: its country and currency (EU shops need no return policy to activate).
    shop_country: str = "FR"
    shop_currency: str = "EUR"
    # Per-app limits (Etsy gives new apps 10/s and 10,000/day); generous here so that tests never trip them.
    rate_limit_per_second: int = 10_000
    rate_limit_per_day: int = 10_000_000
    max_images_per_listing: int = 10
    log_level: str = "info"
