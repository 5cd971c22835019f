"""Settings of billing-service (env prefix ``BILLING_``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from vitrine_kit.settings import BaseServiceSettings, service_config


class Settings(BaseServiceSettings):
    """billing-service settings; every default is safe for a local run against the Stripe stand-in."""

    model_config = service_config("BILLING_")

    service_name: str = "billing-service"
    port: int = 8005
    database_url: SecretStr = SecretStr("postgresql+asyncpg://postgres@127.0.0.1:5432/vitrine_billing")

    # Stripe: the local stand-in (sandbox/stripe) by default; a real key and no base URL for Stripe itself.
    stripe_api_key: SecretStr = SecretStr("sk_test_local_sandbox")
    stripe_api_base: str | None = "http://127.0.0.1:8025"
    stripe_webhook_secret: SecretStr = SecretStr("whsec_local_sandbox_secret")
    # Stripe's own default: a signature older than this is refused (replays).
    stripe_webhook_tolerance_s: int = 300
    stripe_max_network_retries: int = 2
    stripe_timeout_s: float = 20.0
    currency: str = "eur"

    # Where Stripe's hosted pages send the seller back (the frontend, where the other services send it too).
    checkout_success_url: str = "http://localhost:5173/billing/success?session_id={CHECKOUT_SESSION_ID}"
    checkout_cancel_url: str = "http://localhost:5173/billing"
    portal_return_url: str = "http://localhost:5173/billing"

    # The webhook worker: how often it looks for stored events, how many per turn, and its retries.
    webhook_poll_interval_s: float = 1.0
    webhook_batch_size: int = 50
    webhook_retry_delays_s: list[float] = Field(default_factory=lambda: [2.0, 10.0, 60.0, 300.0, 1800.0])
    webhook_max_attempts: int = 8

    # Credits: how long a reservation holds, how often holds past due are released, the free allowance loop.
    reservation_ttl_s: int = 15 * 60
    reservation_sweep_interval_s: float = 30.0
    free_grant_interval_s: float = 300.0
    loop_batch_size: int = 100
