"""Small helpers every service's tests use: waiting for a condition, a free port, fast test settings."""

from __future__ import annotations

import asyncio
import inspect
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from vitrine_kit.settings import BaseServiceSettings

S = TypeVar("S", bound=BaseServiceSettings)


async def eventually(check: Callable[[], Any], timeout: float = 15.0, interval: float = 0.1) -> Any:
    """Call ``check`` (sync or async) until it returns something truthy, and return that; fail after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in {timeout} s (last result: {result!r})")
        await asyncio.sleep(interval)


def eventually_sync(check: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2) -> Any:
    """``eventually`` for tests outside an event loop (the end-to-end tests drive the fleet with httpx)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in {timeout} s (last result: {result!r})")
        time.sleep(interval)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# Short delays so that retries, relays and breakers act within a test's patience.
FAST_TEST_VALUES: dict[str, Any] = {
    "log_json": False,
    "outbox_poll_interval_s": 0.2,
    "consumer_retry_delays_ms": [200, 300, 400],
    "consumer_max_attempts": 3,
}


def settings_for_test(
    settings_cls: type[S], *, database_url: str | None, amqp_url: str, broker_namespace: str, **overrides: Any
) -> S:
    """Settings for a service under test: its test database, the run's broker namespace (one per app, so
    two apps of a test do not share queues) and short delays; ``overrides`` win."""
    values: dict[str, Any] = {
        **FAST_TEST_VALUES,
        "amqp_url": amqp_url,
        "broker_namespace": f"{broker_namespace}{uuid.uuid4().hex[:6]}.",
    }
    if database_url is not None:
        values["database_url"] = database_url
    values.update(overrides)
    return settings_cls(**values)
