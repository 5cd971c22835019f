"""Settings refuse the public defaults of secrets outside a local run."""

from __future__ import annotations

import importlib

import pytest
from pydantic import Field, SecretStr, ValidationError
from vitrine_kit.settings import BaseServiceSettings, service_config


class ExampleSettings(BaseServiceSettings):
    model_config = service_config("EXAMPLE_")

    signing_key: SecretStr = SecretStr("local-only-signing-key")
    token_keys: list[SecretStr] = Field(default_factory=lambda: [SecretStr("local-only-token-key")])
    optional_key: SecretStr = SecretStr("")  # empty: the feature is off, not a public secret


@pytest.mark.unit
class TestDefaultSecrets:
    def test_local_runs_keep_the_defaults(self) -> None:
        assert ExampleSettings(environment="local").signing_key.get_secret_value() == "local-only-signing-key"

    def test_production_with_a_default_secret_refuses_to_start_and_names_every_one(self) -> None:
        with pytest.raises(ValidationError) as refused:
            ExampleSettings(
                environment="production",
                database_url="postgresql+asyncpg://app:pw@db/vitrine",
                amqp_url="amqp://app:pw@mq/",
            )
        message = str(refused.value)
        assert "EXAMPLE_SIGNING_KEY" in message
        assert "EXAMPLE_TOKEN_KEYS" in message
        assert "EXAMPLE_OPTIONAL_KEY" not in message
        assert "EXAMPLE_DATABASE_URL" not in message

    def test_the_default_database_and_broker_urls_are_secrets_too(self) -> None:
        with pytest.raises(ValidationError, match="EXAMPLE_DATABASE_URL"):
            ExampleSettings(environment="staging", signing_key="s", token_keys=["t"], amqp_url="amqp://x/")

    def test_production_with_every_secret_set_starts(self) -> None:
        settings = ExampleSettings(
            environment="production",
            database_url="postgresql+asyncpg://app:pw@db/vitrine",
            amqp_url="amqp://app:pw@mq/",
            signing_key="a-real-key",
            token_keys=["a-real-token-key"],
        )
        assert settings.environment == "production"


@pytest.mark.unit
@pytest.mark.parametrize(
    ("module", "secret"),
    [
        ("media_service.config", "MEDIA_URL_SIGNING_KEY"),
        ("auth_service.config", "AUTH_KEY_ENCRYPTION_KEY"),
        ("marketplace_ebay.config", "EBAY_TOKEN_KEYS"),
        ("marketplace_ebay.config", "EBAY_VERIFICATION_TOKEN"),
        ("marketplace_ebay.config", "EBAY_SERVICE_CLIENT_SECRET"),
        ("marketplace_vinted.config", "VINTED_CLIENT_SECRET"),
        ("relay_service.config", "RELAY_CLIENT_SECRET"),
    ],
)
def test_each_service_refuses_its_public_default_secrets_in_production(module: str, secret: str) -> None:
    settings_cls = importlib.import_module(module).Settings
    with pytest.raises(ValidationError, match=secret):
        settings_cls(environment="production")
