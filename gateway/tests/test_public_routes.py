"""The default allow-list: what the services need public, for the methods they need, and nothing more."""

from __future__ import annotations

import hashlib

from gateway.config import DEFAULT_PUBLIC_ROUTES, Settings

from .conftest import GatewayFactory, UpstreamServer

STRIPE_SIGNATURE = (
    "t=1733011200,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd,"
    "v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"
)


def stripe_event(size: int) -> bytes:
    """A payload whose bytes a re-encoding would change: spacing, CRLF, escapes, raw UTF-8, key order."""
    head = b'{\r\n  "id": "evt_1",  "type":"invoice.paid",\t"note": "caf\xc3\xa9 \\u00e9 \\/",\n  "pad": "'
    return head + b"x" * max(0, size - len(head) - 4) + b'" }\n'


class TestDefaultPublicRoutes:
    async def test_billing_price_lists_and_etsy_callback_need_no_token(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, second_upstream: UpstreamServer
    ) -> None:
        public = {"billing": upstream, "marketplace-etsy": second_upstream}
        async with gateway_for(public, public_routes=DEFAULT_PUBLIC_ROUTES) as gw:
            for path in ("/api/billing/plans", "/api/billing/credit-packs"):
                assert (await gw.call("GET", path)).status == 200, path
                assert (await gw.call("HEAD", path)).status == 200, path
            r = await gw.call("GET", "/api/marketplaces/etsy/oauth/callback?code=abc&state=xyz")
            assert r.status == 200
            assert r.json()["path"] == "/oauth/callback?code=abc&state=xyz"

    async def test_only_for_the_methods_and_paths_listed(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, second_upstream: UpstreamServer
    ) -> None:
        public = {"billing": upstream, "marketplace-etsy": second_upstream}
        async with gateway_for(public, public_routes=DEFAULT_PUBLIC_ROUTES) as gw:
            for method, path in (
                ("POST", "/api/billing/plans"),
                ("DELETE", "/api/billing/credit-packs"),
                ("GET", "/api/billing/plans/1"),
                ("GET", "/api/billing/credits"),
                ("GET", "/api/billing/webhooks/stripe"),
                ("POST", "/api/billing/webhooks/stripe/x"),
                ("POST", "/api/marketplaces/etsy/oauth/callback"),
                ("GET", "/api/marketplaces/etsy/accounts"),
            ):
                assert (await gw.call(method, path)).status == 401, (method, path)
        assert sum(upstream.hits.values()) + sum(second_upstream.hits.values()) == 0

    async def test_the_stripe_webhook_reaches_billing_byte_for_byte(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"billing": upstream}, public_routes=DEFAULT_PUBLIC_ROUTES) as gw:
            for size in (600, 200_000):  # read whole, and streamed
                payload = stripe_event(size)
                r = await gw.call(
                    "POST",
                    "/api/billing/webhooks/stripe",
                    data=payload,
                    headers={
                        "Content-Type": "application/json; charset=utf-8",
                        "Stripe-Signature": STRIPE_SIGNATURE,
                    },
                )
                assert r.status == 200
                assert hashlib.sha256(upstream.last_body).hexdigest() == hashlib.sha256(payload).hexdigest()
                seen = r.json()["headers"]
                assert seen["stripe-signature"] == STRIPE_SIGNATURE
                assert seen["content-type"] == "application/json; charset=utf-8"
                assert seen["content-length"] == str(len(payload))


def test_the_routes_of_the_coming_services_are_in_the_defaults() -> None:
    upstreams = Settings().upstreams
    assert (upstreams["ai"].prefix, upstreams["ai"].url) == ("/api/ai", "http://127.0.0.1:8004")
    assert (upstreams["billing"].prefix, upstreams["billing"].url) == (
        "/api/billing",
        "http://127.0.0.1:8005",
    )
    etsy = upstreams["marketplace-etsy"]
    assert (etsy.prefix, etsy.url) == ("/api/marketplaces/etsy", "http://127.0.0.1:8007")
