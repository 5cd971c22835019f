"""Settings of marketplace-etsy (env prefix ``ETSY_``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from vitrine_kit.settings import BaseServiceSettings, service_config

SANDBOX = "http://127.0.0.1:8022"
DEFAULT_SCOPES = ["listings_r", "listings_w", "listings_d", "transactions_r", "shops_r"]


class Settings(BaseServiceSettings):
    """Defaults point at the local Etsy stand-in (sandbox/etsy); real keys and hosts come from the env."""

    model_config = service_config("ETSY_")

    service_name: str = "marketplace-etsy"
    port: int = 8007
    database_url: SecretStr = SecretStr("postgresql+asyncpg://postgres@127.0.0.1:5432/vitrine_etsy")
    # A command holds up to three connections (handler, step records, the shared budget): a bigger pool,
    # fewer commands in flight (Etsy's 10 calls a second are the bottleneck anyway).
    db_pool_size: int = 20
    db_max_overflow: int = 20
    consumer_prefetch: int = 8

    # Etsy: https://api.etsy.com (API and token endpoint) and https://www.etsy.com/oauth/connect (consent).
    api_base_url: str = SANDBOX
    connect_url: str = f"{SANDBOX}/oauth/connect"
    # The app's key: the keystring is the OAuth client_id; every call sends x-api-key "keystring:secret".
    keystring: str = "vitrine-local-keystring"
    shared_secret: SecretStr = SecretStr("vitrine-local-shared-secret")
    # Registered with the app on Etsy; the gateway routes it here (public).
    redirect_uri: str = "http://127.0.0.1:8000/api/marketplaces/etsy/oauth/callback"
    scopes: list[str] = Field(default_factory=lambda: list(DEFAULT_SCOPES))
    # Where the seller's browser lands after the OAuth callback.
    app_url: str = "http://localhost:5173/settings/marketplaces"

    # The connection in progress: state and PKCE verifier stored (hashed / encrypted) for this long, and
    # bound to the browser that started it by this cookie (HttpOnly, SameSite=Lax, scoped to the callback).
    oauth_state_ttl_s: int = 600
    connect_cookie_name: str = "vitrine_etsy_connect"
    connect_cookie_path: str = "/api/marketplaces/etsy/oauth"
    connect_cookie_secure: bool = False

    # Tokens at rest: newest key first; older keys still decrypt (rotation).
    token_keys: list[SecretStr] = Field(
        default_factory=lambda: [SecretStr("vitrine-local-only-etsy-token-key-change-me")]
    )
    # Refresh the access token when it expires within this margin.
    refresh_margin_s: int = 300

    # Photos: the bytes of each rendition from media-service (service token from auth-service).
    media_url: str = "http://127.0.0.1:8003"
    auth_token_url: str = "http://127.0.0.1:8001/oauth/token"
    service_client_id: str = "marketplace-etsy"
    service_client_secret: SecretStr = SecretStr("marketplace-etsy-local-secret")
    image_rendition: str = "large.jpg"
    # The plan's marketplace limit, checked at billing-service before a shop is kept (None: unchecked, for
    # tests of this service alone).
    billing_url: str | None = "http://127.0.0.1:8005"
    max_images: int = 10

    # Calls to Etsy. The budget is the app's (every tenant, every replica), kept in PostgreSQL.
    http_timeout_s: float = 20.0
    app_rate_per_s: float = 10.0
    app_burst: float = 10.0
    # Tokens background work (receipt polling) leaves in the bucket for sellers' publishes and delists.
    background_reserve: float = 3.0
    # Below this many calls left today (x-remaining-today), background work stops until Etsy's window moves.
    background_daily_floor: int = 1000
    # A background call waits at most this long for the budget, then gives its turn up (polled later).
    background_max_wait_s: float = 5.0
    # A seller's call waits at most this long (e.g. behind a Retry-After), then the command is retried later.
    seller_max_wait_s: float = 30.0
    retry_attempts: int = 4
    retry_base_delay_s: float = 0.5
    max_retry_after_s: float = 30.0
    breaker_failures: int = 5
    breaker_reset_s: float = 10.0
    # Publish/delist give up (and tell the seller) after this many deliveries of the command.
    command_max_attempts: int = 5
    # A publish/delist claims its publication before calling Etsy (no connection held meanwhile), renewed
    # while it runs: another command of the publication waits up to ``command_claim_wait_s`` for it, then is
    # redelivered later; a claim no longer renewed (the process died) lapses after ``command_claim_s``.
    command_claim_s: float = 30.0
    command_claim_wait_s: float = 45.0

    # Receipts: each connected shop is polled every this many seconds, by exactly one replica.
    receipt_poll_interval_s: float = 60.0
    receipt_poll_tick_s: float = 2.0
    receipt_poll_batch: int = 20
    # Re-read this much before the cursor, since a receipt's update may become visible late.
    receipt_poll_overlap_s: float = 300.0
    housekeeping_interval_s: float = 3600.0
