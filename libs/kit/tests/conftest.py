from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import pytest_asyncio
from fixture_service.app import SERVICE_DIR, make_app
from vitrine_kit.settings import BaseServiceSettings
from vitrine_kit.testing.tokens import TestKeys


@pytest_asyncio.fixture(scope="session")
async def kit_db(service_database: Any) -> str:
    return await service_database("kitfixture", SERVICE_DIR)


@pytest.fixture
def make_settings(kit_db: str, amqp_url: str, broker_namespace: str) -> Callable[..., BaseServiceSettings]:
    def make(**overrides: Any) -> BaseServiceSettings:
        values: dict[str, Any] = {
            "service_name": "kittest",
            "database_url": kit_db,
            "amqp_url": amqp_url,
            "broker_namespace": f"{broker_namespace}{uuid.uuid4().hex[:6]}.",
            "log_json": False,
            "consumer_retry_delays_ms": [100, 200],
            "consumer_max_attempts": 3,
            "outbox_poll_interval_s": 0.5,
        }
        values.update(overrides)
        return BaseServiceSettings(**values)

    return make


@pytest.fixture
def fixture_app(make_settings: Callable[..., BaseServiceSettings], test_keys: TestKeys) -> Callable[..., Any]:
    def build(**overrides: Any) -> Any:
        return make_app(make_settings(**overrides), test_keys.verifier())

    return build
