"""Settings base class: one env prefix per service, `.env` support, secrets as `SecretStr`."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Environments where the public defaults of secrets are acceptable: a developer's machine and the tests.
LOCAL_ENVIRONMENTS = frozenset({"local", "test"})


class DefaultSecretRefused(ValueError):
    """A secret still holds its public default outside a local run."""


def _secret_values(value: Any) -> list[str]:
    if isinstance(value, SecretStr):
        return [value.get_secret_value()]
    if isinstance(value, list | tuple):
        return [v.get_secret_value() for v in value if isinstance(v, SecretStr)]
    return []


class RunMode(StrEnum):
    """Which parts of a service a process runs."""

    API = "api"
    WORKER = "worker"
    ALL = "all"


class BaseServiceSettings(BaseSettings):
    """Settings every service shares; subclass with ``model_config = service_config("CATALOG_")``.

    Every default is safe for a local run: the machine's PostgreSQL and RabbitMQ, no real keys.
    """

    model_config: ClassVar[SettingsConfigDict] = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    service_name: str = "service"
    environment: str = "local"
    run_mode: RunMode = RunMode.ALL
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    log_json: bool = True

    database_url: SecretStr = SecretStr("postgresql+asyncpg://postgres@127.0.0.1:5432/vitrine_service")
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_pool_timeout_s: float = 10.0
    db_pool_pre_ping: bool = False
    db_pool_recycle_s: int = 1800
    # More databases for tenant schemas, "name=url,name=url" (the DATABASE_URL stays the home database and
    # holds the shard map); empty: every tenant in the home database. See vitrine_kit.db.shards.
    database_shards: SecretStr = SecretStr("")
    shard_map_cache_ttl_s: float = 5.0

    amqp_url: SecretStr = SecretStr("amqp://guest:guest@127.0.0.1:5672/")
    events_exchange: str = "vitrine.events"
    # Prefix for every exchange and queue this process declares; tests set a per-run namespace.
    broker_namespace: str = ""
    broker_connect_timeout_s: float = 5.0
    publish_timeout_s: float = 5.0
    consumer_prefetch: int = 32
    consumer_max_attempts: int = 5
    # Messages of one tenant delivered together are handled in one transaction (1 = one by one).
    consumer_batch_max: int = 64
    consumer_batch_window_ms: float = 2.0
    consumer_retry_delays_ms: list[int] = Field(default_factory=lambda: [1_000, 5_000, 30_000, 120_000])
    outbox_batch_size: int = 200
    outbox_poll_interval_s: float = 1.0

    jwt_issuer: str = "https://auth.vitrine.local"
    jwt_audience: str = "vitrine"
    jwks_url: str = "http://127.0.0.1:8001/.well-known/jwks.json"
    jwks_min_refetch_interval_s: float = 30.0
    jwks_cache_ttl_s: float = 600.0
    # Verified tokens kept this long (never past their exp; revocation still checked each request); 0: off.
    token_cache_ttl_s: float = 30.0
    token_cache_size: int = 4096

    max_request_body_bytes: int = 1_048_576
    tenant_migration_concurrency: int = 4

    @model_validator(mode="after")
    def _no_default_secrets_outside_local(self) -> BaseServiceSettings:
        """Refuse to start outside ``local``/``test`` while any secret keeps its (public) default value."""
        if self.environment in LOCAL_ENVIRONMENTS:
            return self
        prefix = str(self.model_config.get("env_prefix") or "")
        defaulted = []
        for name, field in type(self).model_fields.items():
            default = field.get_default(call_default_factory=True)
            public = [v for v in _secret_values(default) if v]
            if public and set(_secret_values(getattr(self, name))) & set(public):
                defaulted.append(f"{prefix}{name.upper()}")
        if defaulted:
            raise DefaultSecretRefused(
                f"environment '{self.environment}' needs its own value for: {', '.join(sorted(defaulted))}"
            )
        return self


def service_config(prefix: str) -> SettingsConfigDict:
    """The ``model_config`` of a service's settings with its own env prefix (``AUTH_``, ``CATALOG_``…)."""
    return SettingsConfigDict(env_prefix=prefix, env_file=".env", env_file_encoding="utf-8", extra="ignore")
