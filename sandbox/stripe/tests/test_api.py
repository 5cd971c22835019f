"""The API as the SDK sees it: prices by lookup key, customers, idempotency, errors, pagination, expand."""

from __future__ import annotations

import httpx
import pytest
import stripe


def make_plan(client: stripe.StripeClient, lookup_key: str, amount: int, name: str = "Pro") -> stripe.Price:
    return client.v1.prices.create(
        {
            "currency": "eur",
            "unit_amount": amount,
            "recurring": {"interval": "month"},
            "product_data": {"name": name},
            "lookup_key": lookup_key,
            "metadata": {"plan": lookup_key},
        }
    )


def test_prices_by_lookup_key(client: stripe.StripeClient, control: httpx.Client) -> None:
    pro = make_plan(client, "pro_monthly", 1900)
    make_plan(client, "starter_monthly", 900, "Starter")
    assert pro.id.startswith("price_")
    assert pro.object == "price"
    assert pro.livemode is False
    assert pro.recurring is not None
    assert pro.recurring.interval == "month"
    assert pro.recurring.interval_count == 1
    assert pro.type == "recurring"
    assert str(pro.unit_amount_decimal) == "1900"
    product = client.v1.products.retrieve(str(pro.product))
    assert product.name == "Pro"

    found = client.v1.prices.list({"lookup_keys": ["pro_monthly", "missing"], "expand": ["data.product"]})
    assert [p.id for p in found.data] == [pro.id]
    assert found.data[0].product.name == "Pro"  # type: ignore[union-attr]
    assert found.url == "/v1/prices"

    with pytest.raises(stripe.InvalidRequestError) as taken:
        make_plan(client, "pro_monthly", 2900)
    assert taken.value.param == "lookup_key"

    # A new price takes the key over; the old one loses it (price.updated).
    newer = client.v1.prices.create(
        {
            "currency": "eur",
            "unit_amount": 2900,
            "recurring": {"interval": "month"},
            "product": str(pro.product),
            "lookup_key": "pro_monthly",
            "transfer_lookup_key": True,
        }
    )
    found = client.v1.prices.list({"lookup_keys": ["pro_monthly"]})
    assert [p.id for p in found.data] == [newer.id]
    assert client.v1.prices.retrieve(pro.id).lookup_key is None

    # Inactive prices leave the default list; the search language finds by key and metadata.
    client.v1.prices.update(pro.id, {"active": False})
    assert pro.id not in [p.id for p in client.v1.prices.list().data]
    assert pro.id in [p.id for p in client.v1.prices.list({"active": False}).data]
    hits = client.v1.prices.search({"query": "lookup_key:'starter_monthly' AND active:'true'"})
    assert [p.lookup_key for p in hits.data] == ["starter_monthly"]
    hits = client.v1.prices.search({"query": "metadata['plan']:'starter_monthly'"})
    assert len(hits.data) == 1
    types = [e["type"] for e in control.get("/sandbox/events").json()]
    assert "price.created" in types
    assert "price.updated" in types


def test_customer_create_is_idempotent(client: stripe.StripeClient, control: httpx.Client) -> None:
    params = {"email": "ann@example.com", "name": "Ann", "metadata": {"tenant_id": "t-1"}}
    first = client.v1.customers.create(params, {"idempotency_key": "signup-t-1"})  # type: ignore[arg-type]
    again = client.v1.customers.create(params, {"idempotency_key": "signup-t-1"})  # type: ignore[arg-type]
    assert first.id == again.id
    assert first.id.startswith("cus_")
    assert first.metadata["tenant_id"] == "t-1"
    assert len(client.v1.customers.list().data) == 1
    assert again.last_response is not None
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert again.last_response.request_id == first.last_response.request_id  # type: ignore[union-attr]

    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create({"email": "bob@example.com"}, {"idempotency_key": "signup-t-1"})

    seen = control.get("/sandbox/requests", params={"idempotency_key": "signup-t-1"}).json()
    assert [(r["status"], r["replayed"]) for r in seen] == [(200, False), (200, True), (400, False)]
    assert seen[0]["params"]["metadata"] == {"tenant_id": "t-1"}
    # Every POST of the SDK carries a key, even when none is given.
    client.v1.customers.create({"email": "cy@example.com"})
    posts = [r for r in control.get("/sandbox/requests").json() if r["method"] == "POST"]
    assert all(r["idempotency_key"] for r in posts)
    created = [e for e in control.get("/sandbox/events").json() if e["type"] == "customer.created"]
    assert len(created) == 2

    updated = client.v1.customers.update(first.id, {"metadata": {"tenant_id": "", "plan": "pro"}})
    assert updated.metadata.to_dict() == {"plan": "pro"}
    event = next(e for e in control.get("/sandbox/events").json() if e["type"] == "customer.updated")
    assert event["data"]["previous_attributes"] == {"metadata": {"tenant_id": "t-1", "plan": None}}
    hits = client.v1.customers.search({"query": "email:'ann@example.com'"})
    assert [c.id for c in hits.data] == [first.id]


def test_errors_surface_as_the_sdk_expects(
    client: stripe.StripeClient, sandbox_url: str, control: httpx.Client
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.customers.retrieve("cus_doesnotexist")
    assert missing.value.http_status == 404
    assert missing.value.code == "resource_missing"
    assert missing.value.param == "id"
    assert missing.value.request_id is not None
    assert missing.value.request_id.startswith("req_")

    bad = stripe.StripeClient("sk_live_nope", base_addresses={"api": sandbox_url})
    with pytest.raises(stripe.AuthenticationError):
        bad.v1.customers.list()
    raw = httpx.get(f"{sandbox_url}/v1/customers")
    assert raw.status_code == 401
    assert raw.json()["error"]["type"] == "invalid_request_error"
    assert raw.headers["Request-Id"].startswith("req_")

    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.customers.create({"emial": "typo@example.com"})  # type: ignore[typeddict-unknown-key]
    assert unknown.value.code == "parameter_unknown"
    assert unknown.value.param == "emial"

    with pytest.raises(stripe.InvalidRequestError) as not_an_email:
        client.v1.customers.create({"email": "not-an-email"})
    assert not_an_email.value.code == "email_invalid"

    with pytest.raises(stripe.InvalidRequestError) as required:
        client.v1.prices.create({"currency": "eur", "product_data": {"name": "x"}})  # type: ignore[typeddict-item]
    assert required.value.param == "unit_amount"

    control.post("/sandbox/faults", json={"status": 429, "count": 1, "path_prefix": "/v1/customers"})
    with pytest.raises(stripe.RateLimitError) as limited:
        client.v1.customers.list()
    assert limited.value.http_status == 429
    assert limited.value.json_body["error"]["code"] == "rate_limit"  # type: ignore[index]
    client.v1.customers.list()  # the fault is used up

    control.post("/sandbox/faults", json={"status": 500, "count": 1})
    with pytest.raises(stripe.APIError) as broken:
        client.v1.prices.list()
    assert broken.value.json_body["error"]["type"] == "api_error"  # type: ignore[index]


def test_pagination_and_expand(client: stripe.StripeClient) -> None:
    made = [client.v1.customers.create({"email": f"c{i}@example.com"}).id for i in range(13)]
    page = client.v1.customers.list({"limit": 5})
    assert len(page.data) == 5
    assert page.has_more is True
    assert page.data[0].id == made[-1]  # newest first
    assert [c.id for c in page.auto_paging_iter()] == list(reversed(made))
    second = client.v1.customers.list({"limit": 5, "starting_after": page.data[-1].id})
    assert [c.id for c in second.data] == list(reversed(made))[5:10]
    before = client.v1.customers.list({"limit": 3, "ending_before": second.data[0].id})
    assert [c.id for c in before.data] == [c.id for c in page.data[2:5]]

    price = make_plan(client, "solo", 500, "Solo")
    session = client.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": "https://app.example/ok",
        }
    )
    shown = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["line_items.data.price.product"]})
    item = shown.line_items.data[0]  # type: ignore[union-attr]
    assert item.price.id == price.id  # type: ignore[union-attr]
    assert item.price.product.name == "Solo"  # type: ignore[union-attr]
    assert item.amount_total == 500
    items = client.v1.checkout.sessions.line_items.list(session.id)
    assert items.data[0].quantity == 1

    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.retrieve(session.id, {"expand": ["mode"]})


async def test_async_client(client: stripe.StripeClient) -> None:
    customer = await client.v1.customers.create_async({"email": "async@example.com"})
    found = await client.v1.customers.retrieve_async(customer.id)
    assert found.email == "async@example.com"
