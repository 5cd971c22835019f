"""Settings of ai-service (env prefix ``AI_``); every default points at the local stand-ins."""

from __future__ import annotations

from enum import StrEnum

from pydantic import SecretStr
from vitrine_kit.settings import BaseServiceSettings, service_config


class ProviderName(StrEnum):
    GEMINI = "gemini"
    OPENAI = "openai"
    OFFLINE = "offline"


class Settings(BaseServiceSettings):
    """ai-service settings; every default is safe for a local run (the AI stand-in on port 8026)."""

    model_config = service_config("AI_")

    service_name: str = "ai-service"
    port: int = 8004
    database_url: SecretStr = SecretStr("postgresql+asyncpg://postgres@127.0.0.1:5432/vitrine_ai")

    # Who reads the photos (category and detail steps) and who writes the listing drafts.
    provider: ProviderName = ProviderName.GEMINI
    text_provider: ProviderName = ProviderName.OPENAI
    gemini_api_key: SecretStr = SecretStr("sandbox-gemini-key")
    # None: Google's endpoint. The stand-in serves the same paths (``/v1beta/models/{model}:generateContent``).
    gemini_base_url: str | None = "http://127.0.0.1:8026"
    gemini_model: str = "gemini-2.5-flash"
    openai_api_key: SecretStr = SecretStr("sandbox-openai-key")
    # None: OpenAI's endpoint.
    openai_base_url: str | None = "http://127.0.0.1:8026/v1"
    openai_vision_model: str = "gpt-4o-mini"
    openai_text_model: str = "gpt-4o-mini"

    # One provider call: its timeout, then retries on 429/5xx/timeouts with a growing delay (or the
    # provider's own retry delay when it gives one, up to provider_max_retry_delay_s).
    provider_timeout_s: float = 60.0
    provider_max_attempts: int = 3
    provider_backoff_s: float = 1.0
    provider_max_retry_delay_s: float = 30.0
    # A model answer that does not parse is asked for again this many times before the analysis fails.
    invalid_output_retries: int = 1

    # Below this, the category step's answer is not trusted: one full call on every attribute instead.
    category_confidence_threshold: float = 0.6

    # Credits of one analysis (category + detail + drafts), reserved before the first provider call.
    analysis_price_credits: int = 1
    cache_ttl_days: int = 30

    # Photos: the plan's cap until billing-service says otherwise, and a hard cap for any plan.
    free_photos_per_analysis: int = 5
    max_photos: int = 20
    # Renditions fetched from media-service and the longest side sent to the model (see the README for
    # the token counts behind these numbers).
    photo_rendition: str = "medium.jpg"
    photo_max_side: int = 768
    label_rendition: str = "large.jpg"
    label_max_side: int = 1536
    thumb_rendition: str = "thumb.jpg"
    thumb_max_side: int = 384
    # Image decoding and resizing run in this many threads, with at most image_queue waiting.
    image_workers: int = 2
    image_queue: int = 8
    max_image_pixels: int = 60_000_000

    # Background analyses: how many run at once per worker process (one waiting on a provider costs a task,
    # not a thread; photo preparation stays bounded by image_workers), how often the queue is polled, how
    # long a claimed job is leased, how often a job is tried before it fails.
    worker_concurrency: int = 32
    worker_poll_interval_s: float = 0.5
    analysis_timeout_s: float = 150.0
    job_lease_s: float = 200.0
    job_max_attempts: int = 3
    job_retry_delay_s: float = 5.0

    # Other services (service token from auth-service's client-credentials grant).
    media_url: str = "http://127.0.0.1:8003"
    billing_url: str = "http://127.0.0.1:8005"
    auth_token_url: str = "http://127.0.0.1:8001/oauth/token"
    service_client_id: str = "ai-service"
    service_client_secret: SecretStr = SecretStr("ai-service-local-secret")
    internal_timeout_s: float = 10.0

    default_language: str = "en"
    currency: str = "EUR"
