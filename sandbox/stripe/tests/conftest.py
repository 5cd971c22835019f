from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import stripe
from sandbox_stripe.config import Settings
from sandbox_stripe.testing import WebhookReceiver, serve

SECRET = "whsec_local_sandbox_secret"


class Receiver(WebhookReceiver):
    """The receiver, verifying what arrives as a service would (``stripe.Webhook.construct_event``)."""

    def events(self, path: str = "/hooks") -> list[stripe.Event]:
        return [
            stripe.Webhook.construct_event(h["body"], h["headers"]["Stripe-Signature"], SECRET)
            for h in self.hits(path)
            if 200 <= h["status"] < 300
        ]

    def types(self, path: str | None = "/hooks") -> list[str]:
        return super().types(path)

    def wait_types(self, *wanted: str, path: str | None = "/hooks", timeout: float = 5.0) -> list[str]:
        return super().wait_types(*wanted, path=path, timeout=timeout)


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    with Receiver() as rec:
        yield rec


@pytest.fixture(scope="session")
def sandbox_url(receiver: Receiver) -> Iterator[str]:
    """The stand-in served by uvicorn in this process on a free port, delivering to the receiver."""
    settings = Settings(
        _env_file=None,
        webhook_urls=[f"{receiver.url}/hooks"],
        webhook_secret=SECRET,
        webhook_retry_delays_s=[0.05, 0.1],
        webhook_timeout_s=2,
    )
    with serve(settings) as url:
        yield url


@pytest.fixture
def control(sandbox_url: str, receiver: Receiver) -> Iterator[httpx.Client]:
    """The control API (and the hosted pages); everything is reset before each test."""
    with httpx.Client(base_url=sandbox_url, timeout=10) as client:
        assert client.post("/sandbox/reset").status_code == 204
        receiver.clear()
        yield client


@pytest.fixture
def client(sandbox_url: str, control: httpx.Client) -> stripe.StripeClient:
    """The real SDK, only its base addresses changed."""
    return stripe.StripeClient(
        "sk_test_sandbox",
        base_addresses={
            "api": sandbox_url,
            "files": sandbox_url,
            "connect": sandbox_url,
            "meter_events": sandbox_url,
        },
        max_network_retries=0,
    )
