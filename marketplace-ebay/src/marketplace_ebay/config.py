"""Settings of marketplace-ebay (env prefix ``EBAY_``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from vitrine_kit.settings import BaseServiceSettings, service_config

SANDBOX = "http://127.0.0.1:8021"
DEFAULT_SCOPES = [
    "https://api.ebay.com/oauth/api_scope",
    "https://api.ebay.com/oauth/api_scope/sell.inventory",
    "https://api.ebay.com/oauth/api_scope/sell.account",
    "https://api.ebay.com/oauth/api_scope/sell.fulfillment",
    # Payment disputes (after-sale); an account connected before it was asked for must reconnect to answer them.
    "https://api.ebay.com/oauth/api_scope/sell.payment.dispute",
    "https://api.ebay.com/oauth/api_scope/commerce.identity.readonly",
]


class Settings(BaseServiceSettings):
    """Defaults point at the local eBay sandbox (sandbox/ebay); real keys and hosts come from the env."""

    model_config = service_config("EBAY_")

    service_name: str = "marketplace-ebay"
    port: int = 8006
    database_url: SecretStr = SecretStr("postgresql+asyncpg://postgres@127.0.0.1:5432/vitrine_ebay")

    # eBay hosts: https://api.ebay.com and https://auth.ebay.com in production.
    api_base_url: str = SANDBOX
    auth_base_url: str = SANDBOX
    # Public listing pages: ``{item_url_base}/itm/{listingId}`` (https://www.ebay.fr etc. in production).
    item_url_base: str = SANDBOX
    client_id: str = "vitrine-local-client"
    client_secret: SecretStr = SecretStr("vitrine-local-secret")
    ru_name: str = "vitrine-local-runame"
    scopes: list[str] = Field(default_factory=lambda: list(DEFAULT_SCOPES))
    default_site: str = "EBAY_FR"
    # Where the seller's browser lands after the OAuth callback.
    app_url: str = "http://localhost:5173/settings/marketplaces"

    # Photos: fresh signed URLs from media-service (service token from auth-service) right before each
    # publish, so a retried or revised listing never hands eBay an expired URL.
    # None: the snapshot's URLs are used as they are (a catalog configured with public, lasting URLs).
    media_url: str | None = "http://127.0.0.1:8003"
    auth_token_url: str = "http://127.0.0.1:8001/oauth/token"
    service_client_id: str = "marketplace-ebay"
    service_client_secret: SecretStr = SecretStr("marketplace-ebay-local-secret")
    image_url_ttl_s: int = 7 * 24 * 3600
    # The plan's marketplace limit, checked at billing-service before an account is kept (None: unchecked,
    # for tests of this service alone).
    billing_url: str | None = "http://127.0.0.1:8005"

    # Tokens at rest: newest key first; older keys still decrypt (rotation).
    token_keys: list[SecretStr] = Field(
        default_factory=lambda: [SecretStr("vitrine-local-only-ebay-token-key-change-me")]
    )
    oauth_state_ttl_s: int = 600
    # The cookie binding a connection to the browser that started it (Secure behind HTTPS).
    connect_cookie_name: str = "vitrine_ebay_connect"
    connect_cookie_path: str = "/api/marketplaces/ebay/oauth"
    connect_cookie_secure: bool = False
    # Refresh the access token when it expires within this margin.
    refresh_margin_s: int = 300

    # Marketplace account deletion notifications (the endpoint URL must be byte-identical to eBay's).
    verification_token: SecretStr = SecretStr("vitrine-local-verification-token-0123456789abcdef")
    deletion_endpoint_url: str = "https://vitrine.local/api/marketplaces/ebay/webhooks/account-deletion"
    public_key_cache_s: int = 3600

    # Calls to eBay.
    http_timeout_s: float = 20.0
    app_rate_per_s: float = 50.0
    app_burst: float = 100.0
    account_rate_per_s: float = 5.0
    account_burst: float = 20.0
    retry_attempts: int = 4
    retry_base_delay_s: float = 0.5
    breaker_failures: int = 5
    breaker_reset_s: float = 10.0
    # Publishes of one account pending together go out as Inventory bulk calls (at most 25 per call, eBay's
    # limit): the first waits this long for others to join. False: one publish, four single calls.
    bulk_publish: bool = True
    # Handlers waiting on one batch each hold a connection and briefly take a second (the attempt counter):
    # the pool must outnumber the messages in flight, or handlers queue on the pool instead of joining a batch.
    consumer_prefetch: int = 25
    db_pool_size: int = 30
    bulk_max: int = Field(default=25, ge=2, le=25)
    bulk_window_s: float = 0.2
    # Publish/delist give up (and tell the seller) after this many deliveries of the command.
    command_max_attempts: int = 5

    # Orders: each connected account is polled every this many seconds, by exactly one replica.
    order_poll_interval_s: float = 30.0
    order_poll_tick_s: float = 1.0
    order_poll_batch: int = 20
    # Re-read this much before the cursor, since eBay's lastModifiedDate may lag.
    order_poll_overlap_s: float = 120.0
    # Reconciliation (listings ended on eBay outside Vitrine, cancelled or refunded orders): each account
    # every this many seconds, by exactly one replica; one offer read per live listing per pass.
    reconcile_interval_s: float = 120.0
    reconcile_tick_s: float = 1.0
    reconcile_batch: int = 10
    # After-sale (cancellations, returns, inquiries, payment disputes): each account synced every this many
    # seconds by one replica, reading cases opened in the last ``after_sale_lookback_days``.
    after_sale_interval_s: float = 300.0
    after_sale_tick_s: float = 2.0
    after_sale_batch: int = 10
    after_sale_lookback_days: int = 90
    # Taxonomy: a site's tree id and a category's aspects are read again after this many seconds.
    taxonomy_cache_ttl_s: float = 86400.0
    # Check a listing's item specifics against the category's required aspects (Taxonomy) before publishing:
    # a publish missing some fails at once with ``aspects-missing`` naming them all. Off until catalog sends
    # aspect names in each site's language (eBay names them so: Marque, Taille on EBAY_FR).
    check_required_aspects: bool = True
    # Payment disputes are served from https://apiz.ebay.com in production; None: ``api_base_url``.
    dispute_api_base_url: str | None = None
