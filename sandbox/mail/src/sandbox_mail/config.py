"""Settings of the mail sink (env prefix ``MAIL_SINK_``)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Defaults let a local run work without configuration."""

    model_config = SettingsConfigDict(env_prefix="MAIL_SINK_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    # The web page and JSON API.
    port: int = 8027
    # Where services deliver mail (auth-service's AUTH_SMTP_PORT).
    smtp_port: int = 1025
    log_level: str = "info"
    # Oldest messages are dropped beyond this many; the sink never grows without bound.
    max_messages: int = 500
    # Larger messages are refused at the SMTP level (552).
    max_message_bytes: int = 1_048_576
