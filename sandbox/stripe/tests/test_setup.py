"""Settings, seeding, and what every response carries."""

from __future__ import annotations

import httpx
import pytest
import stripe
from sandbox_stripe.config import SeedPrice, Settings
from sandbox_stripe.testing import serve


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_STRIPE_WEBHOOK_URLS", "http://127.0.0.1:8005/hooks, http://127.0.0.1:9/other")
    monkeypatch.setenv("SANDBOX_STRIPE_WEBHOOK_RETRY_DELAYS_S", "[0.5, 2]")
    monkeypatch.setenv("SANDBOX_STRIPE_API_KEYS", "sk_test_one")
    monkeypatch.setenv(
        "SANDBOX_STRIPE_SEED_PRICES", '[{"lookup_key": "pro", "product_name": "Pro", "unit_amount": 1900}]'
    )
    settings = Settings(_env_file=None)
    assert settings.webhook_urls == ["http://127.0.0.1:8005/hooks", "http://127.0.0.1:9/other"]
    assert settings.webhook_retry_delays_s == [0.5, 2.0]
    assert settings.api_keys == ["sk_test_one"]
    assert settings.seed_prices[0].interval == "month"
    assert settings.port == 8025
    assert settings.webhook_secret == "whsec_local_sandbox_secret"


def test_seeded_prices_and_accepted_keys() -> None:
    settings = Settings(
        _env_file=None,
        api_keys=["sk_test_only_this"],
        seed_prices=[
            SeedPrice(lookup_key="pro_monthly", product_name="Pro", unit_amount=1900),
            SeedPrice(lookup_key="credits_100", product_name="100 credits", unit_amount=500, interval=None),
        ],
    )
    with serve(settings) as url:
        client = stripe.StripeClient("sk_test_only_this", base_addresses={"api": url})
        prices = client.v1.prices.list(
            {"lookup_keys": ["pro_monthly", "credits_100"], "expand": ["data.product"]}
        )
        assert sorted((p.lookup_key, p.type) for p in prices.data) == [
            ("credits_100", "one_time"),
            ("pro_monthly", "recurring"),
        ]
        assert client.v1.events.list().data == []  # what existed before any call announces nothing
        other = stripe.StripeClient("sk_test_another", base_addresses={"api": url})
        with pytest.raises(stripe.AuthenticationError):
            other.v1.prices.list()
        assert httpx.post(f"{url}/sandbox/reset").status_code == 204
        assert len(client.v1.prices.list().data) == 2


def test_every_response_carries_a_request_id(sandbox_url: str, control: httpx.Client) -> None:
    for response in (
        control.get("/c/pay/cs_test_missing"),
        control.get("/sandbox/"),
        control.get("/healthz"),
        control.post("/sandbox/faults", json={"status": 200}),
        httpx.get(f"{sandbox_url}/v1/charges/ch_x", auth=("sk_test_basic", "")),
    ):
        assert response.headers["Request-Id"].startswith("req_"), response.request.url
    invalid = control.post("/sandbox/faults", json={"status": 200})
    assert invalid.status_code == 400
    assert invalid.json()["error"]["type"] == "invalid_request_error"
    by_basic_auth = httpx.get(f"{sandbox_url}/v1/charges/ch_x", auth=("sk_test_basic", ""))
    assert by_basic_auth.status_code == 404
    assert by_basic_auth.json()["error"]["code"] == "resource_missing"
    unknown = httpx.get(f"{sandbox_url}/v1/nothing_here", headers={"Authorization": "Bearer sk_test_x"})
    assert unknown.status_code == 404
    assert "Unrecognized request URL" in unknown.json()["error"]["message"]


def test_one_key_one_endpoint(client: stripe.StripeClient) -> None:
    client.v1.customers.create({"email": "a@example.com"}, {"idempotency_key": "k-1"})
    with pytest.raises(stripe.IdempotencyError):
        client.v1.products.create({"name": "x"}, {"idempotency_key": "k-1"})
