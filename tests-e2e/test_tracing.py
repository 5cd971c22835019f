"""One sale, one trace: the eBay order poll, catalog, and the delist call to Etsy; and a Vinted publish from
the gateway through the relay and back. Read from the spans every process of the fleet writes to
``<VITRINE_TRACES_DIR>/<service>.jsonl`` (see conftest.py)."""

from __future__ import annotations

import itertools
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_sell_once import Seller
from test_vinted_flow import Seller as VintedSeller
from vitrine_kit.testing.helpers import eventually_sync as eventually

Span = dict[str, Any]


def spans(fleet: Any) -> list[Span]:
    """Every span exported so far, each with the service that wrote it."""
    found: list[Span] = []
    for path in Path(fleet.extra_env["VITRINE_TRACES_DIR"]).glob("*.jsonl"):
        for line in path.read_text().splitlines():
            if line.strip():
                found.append({**json.loads(line), "service": path.stem})
    return found


def ancestry(span: Span, by_id: dict[str, Span]) -> list[Span]:
    """``span`` and its parents up to the root (as far as exported spans go), root first."""
    chain = [span]
    while (parent := by_id.get(chain[-1]["parent_id"] or "")) is not None:
        chain.append(parent)
    return chain[::-1]


@pytest.fixture
def seller(api: httpx.Client, fleet: Any, seller_auth: dict[str, str]) -> Seller:
    return Seller(api, fleet, seller_auth)


def subscribe(seller: Seller, plan: str) -> None:
    """Pay ``plan`` on the Stripe stand-in (the free plan connects one marketplace) and wait until it applies."""
    checkout = seller.api.post("/api/billing/checkout/subscription", json={"plan": plan}, headers=seller.auth)
    assert checkout.status_code == 201, checkout.text
    session = checkout.json()["session_id"]
    stripe = seller.fleet.url("sandbox-stripe")
    paid = httpx.post(f"{stripe}/sandbox/checkout_sessions/{session}/complete", json={"outcome": "paid"})
    assert paid.status_code == 200, paid.text
    eventually(lambda: seller.get("/api/catalog/quota")["plan"] == plan, 30)


def connect_etsy(seller: Seller) -> bool:
    """Connect Etsy once the paid plan's second marketplace slot is there (False: not yet)."""
    start = seller.api.post("/api/marketplaces/etsy/oauth/authorize", json={}, headers=seller.auth)
    if start.status_code == 402:
        return False
    seller.connect_etsy()
    return True


class TestSaleTrace:
    def test_an_ebay_sale_and_the_etsy_delist_it_causes_are_one_trace(
        self, seller: Seller, fleet: Any
    ) -> None:
        subscribe(seller, "pro")
        seller.connect_ebay()
        eventually(lambda: connect_etsy(seller), 30)
        product = seller.product(f"Levi's 501 traced {uuid.uuid4().hex[:6]}")
        listed = seller.listed(product, "ebay", "etsy")
        etsy_listing = listed["etsy"]["external_id"]
        line = {"listing_id": listed["ebay"]["external_id"]}
        httpx.post(
            f"{seller.ebay}/sandbox/orders", json={"lines": [line], "buyer": "marie"}
        ).raise_for_status()
        eventually(lambda: seller.etsy_listing(etsy_listing)["deleted"], 30)

        def delist_call() -> Span | None:
            # Exported within the batch processor's delay (200 ms in this fleet).
            return next(
                (
                    s
                    for s in spans(fleet)
                    if s["service"] == "marketplace-etsy"
                    and s["kind"] == "SpanKind.CLIENT"
                    and s["attributes"].get("http.request.method") == "DELETE"
                    and s["attributes"].get("url.path", "").endswith(f"/listings/{etsy_listing}")
                ),
                None,
            )

        delete = eventually(delist_call, 10)
        trace_id = delete["context"]["trace_id"]
        everything = spans(fleet)
        in_trace = [s for s in everything if s["context"]["trace_id"] == trace_id]
        chain = ancestry(delete, {s["context"]["span_id"]: s for s in in_trace})
        hops = [(s["service"], s["kind"].removeprefix("SpanKind."), s["name"]) for s in chain]

        # The root is eBay's sale notification entering through the gateway, or, when the order poll saw the
        # sale first, a run of that poll; each hop is the child of the one before.
        pushed = ("gateway", "CLIENT", "POST marketplace-ebay")
        assert hops[0] in (pushed, ("marketplace-ebay", "INTERNAL", "loop ebay-order-poller")), hops
        if hops[0] == pushed:
            assert ("marketplace-ebay", "SERVER", "POST /webhooks/orders") in hops, hops
        services = [service for service, _, _ in hops]
        assert services == sorted(
            services, key=["gateway", "marketplace-ebay", "catalog-service", "marketplace-etsy"].index
        )
        kinds = [(service, kind) for service, kind, _ in hops]
        for hop in (
            ("marketplace-ebay", "PRODUCER"),
            ("catalog-service", "CONSUMER"),
            ("catalog-service", "PRODUCER"),
            ("marketplace-etsy", "CONSUMER"),
            ("marketplace-etsy", "CLIENT"),
        ):
            assert hop in kinds, hops
        # The call to eBay that read the order (the push's or the poll's) is in the same trace.
        assert any(s["service"] == "marketplace-ebay" and s["kind"] == "SpanKind.CLIENT" for s in in_trace), (
            hops
        )
        # A consumer span is the child of the producer span of the message it handled.
        for parent, child in itertools.pairwise(chain):
            if child["kind"] == "SpanKind.CONSUMER":
                routing_key, handled = parent["name"].split()[0], child["name"].split()[-1]
                assert parent["kind"] == "SpanKind.PRODUCER", hops
                assert routing_key.startswith(handled), hops
        print("\nsale trace:", " → ".join(f"{svc}:{name}" for svc, _, name in hops))


class TestVintedJobTrace:
    def test_a_vinted_publish_is_one_trace_from_the_gateway_through_the_relay_and_back(
        self, api: httpx.Client, fleet: Any
    ) -> None:
        seller = VintedSeller(api, fleet)
        try:
            seller.pair()
            seller.fast_pacing()
            product = seller.product(f"Levi's 501 relayed {uuid.uuid4().hex[:6]}", seller.upload_photo())
            seller.publish(product, ["vinted"])
            eventually(lambda: seller.publication(product, "vinted"), 60)
        finally:
            if seller.plugin is not None:
                seller.plugin.close()

        def request_span() -> Span | None:
            return next(
                (
                    s
                    for s in spans(fleet)
                    if s["service"] == "catalog-service"
                    and s["kind"] == "SpanKind.SERVER"
                    and s["attributes"].get("url.path", "").endswith(f"/products/{product}/publications")
                ),
                None,
            )

        trace_id = eventually(request_span, 10)["context"]["trace_id"]

        def result_handled() -> Span | None:
            return next(
                (
                    s
                    for s in spans(fleet)
                    if s["context"]["trace_id"] == trace_id
                    and s["service"] == "marketplace-vinted"
                    and s["name"].endswith("process vinted.job.completed")
                ),
                None,
            )

        handled = eventually(result_handled, 10)
        in_trace = [s for s in spans(fleet) if s["context"]["trace_id"] == trace_id]
        chain = ancestry(handled, {s["context"]["span_id"]: s for s in in_trace})
        hops = [(s["service"], s["name"].split(" process ")[-1]) for s in chain]
        # The seller's request enters at the gateway; the job goes out and its result comes back in one trace.
        assert chain[0]["service"] == "gateway", hops
        assert chain[0]["kind"] == "SpanKind.CLIENT", hops
        services = [service for service, _ in hops]
        order = ["gateway", "catalog-service", "marketplace-vinted", "relay-service", "marketplace-vinted"]
        assert [s for i, s in enumerate(services) if i == 0 or s != services[i - 1]] == order, hops
        names = [name for _, name in hops]
        for hop in ("publication.requested", "vinted.job.dispatch", "job.result"):
            assert any(name.startswith(hop) for name in names), hops
        # The delivery to the plugin is the result's sibling, both children of the relay's consumer span.
        assert any(s["service"] == "relay-service" and s["name"] == "job.deliver" for s in in_trace), hops
        print("\nvinted trace:", " → ".join(f"{svc}:{name}" for svc, name in hops))
