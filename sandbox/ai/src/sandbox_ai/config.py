"""Settings of the AI sandbox (env prefix ``SANDBOX_AI_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

GEMINI_MODELS = [
    "gemini-2.0-flash",
    "gemini-2.0-flash-lite",
    "gemini-2.5-flash",
    "gemini-2.5-flash-lite",
    "gemini-2.5-pro",
    "gemini-3-flash-preview",
    "gemini-3-pro-preview",
    "gemini-flash-latest",
    "gemini-flash-lite-latest",
    "gemini-pro-latest",
]
OPENAI_MODELS = [
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
]


class Settings(BaseSettings):
    """Defaults let a local run work without configuration; lists are JSON in the environment."""

    model_config = SettingsConfigDict(env_prefix="SANDBOX_AI_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8026
    log_level: str = "info"
    # Keys the sandbox accepts ("x-goog-api-key" / "?key=" for Gemini, "Authorization: Bearer" for OpenAI).
    gemini_api_keys: list[str] = Field(default_factory=lambda: ["sandbox-gemini-key"])
    openai_api_keys: list[str] = Field(default_factory=lambda: ["sandbox-openai-key"])
    # Gemini keys that exist but are refused (403 PERMISSION_DENIED, as for a key reported as leaked).
    gemini_denied_keys: list[str] = Field(default_factory=lambda: ["sandbox-gemini-denied-key"])
    # Known models; a dated variant ("gpt-4o-mini-2024-07-18", "gemini-2.5-flash-001") is known too.
    gemini_models: list[str] = Field(default_factory=lambda: list(GEMINI_MODELS))
    openai_models: list[str] = Field(default_factory=lambda: list(OPENAI_MODELS))
    # Gemini refuses inline requests above 20 MB; OpenAI accepts up to 50 MB of images per request.
    gemini_max_request_bytes: int = 20 * 1024 * 1024
    openai_max_request_bytes: int = 50 * 1024 * 1024
    # How many calls GET /sandbox/requests keeps (oldest dropped first).
    request_log_size: int = 1000
