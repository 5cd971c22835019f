"""Settings of the Stripe stand-in (env prefix ``SANDBOX_STRIPE_``)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The API version stripe-python 16.1 pins (``stripe._api_version._ApiVersion.CURRENT``).
API_VERSION = "2026-10-28.endive"


class SeedPrice(BaseModel):
    """A price (and its product) created at start and after each reset."""

    lookup_key: str
    product_name: str
    unit_amount: int = Field(ge=0)
    currency: str = "eur"
    interval: Literal["day", "week", "month", "year"] | None = "month"
    metadata: dict[str, str] = Field(default_factory=dict)


class Settings(BaseSettings):
    """Defaults need no configuration: any ``sk_test_…`` key, no webhook endpoint until one is asked for."""

    model_config = SettingsConfigDict(env_prefix="SANDBOX_STRIPE_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8025
    # The base URL under which this stand-in is reached: hosted Checkout and portal pages live under it.
    public_url: str = "http://127.0.0.1:8025"
    # Accepted secret keys; empty means any key starting with ``sk_test_``.
    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The API version of events and of the ``Stripe-Version`` answered when the caller sends none.
    api_version: str = API_VERSION
    # Webhook endpoints present from the start (all events), signed with ``webhook_secret``.
    webhook_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    webhook_secret: str = "whsec_local_sandbox_secret"
    webhook_timeout_s: float = 10.0
    # Delay before each retry of a failed delivery; its length bounds the retries.
    webhook_retry_delays_s: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [5.0, 30.0, 120.0]
    )
    # What a plan change in the hosted portal does about prorations (a portal configuration's setting).
    portal_proration_behavior: Literal["create_prorations", "always_invoice", "none"] = "create_prorations"
    # Cancel in the hosted portal: at the end of the period, or at once.
    portal_cancel_mode: Literal["at_period_end", "immediately"] = "at_period_end"
    checkout_session_ttl_s: int = 24 * 3600
    seed_prices: list[SeedPrice] = Field(default_factory=list)
    log_level: str = "info"

    @field_validator("api_keys", "webhook_urls", "webhook_retry_delays_s", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        """A JSON list, or a comma-separated string."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value
