"""Routing, authentication, header hygiene, CORS, timeouts, retries and the breaker, over real HTTP."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from gateway.config import RateLimitRule
from gateway.http1 import ConnectError, Exchange
from vitrine_kit.testing.tokens import TestKeys
from yarl import URL

from .conftest import GatewayFactory, UpstreamServer, dead_url, python_build_only

EXTENSION = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"


def bearer(test_keys: TestKeys, **claims: object) -> dict[str, str]:
    return {"Authorization": "Bearer " + test_keys.issue(tenant_id=uuid.uuid4(), **claims)}


class TestRouting:
    async def test_prefix_is_stripped_and_query_kept(
        self,
        gateway_for: GatewayFactory,
        upstream: UpstreamServer,
        second_upstream: UpstreamServer,
        test_keys: TestKeys,
    ) -> None:
        async with gateway_for({"auth": upstream, "catalog": second_upstream}) as gw:
            auth = bearer(test_keys)
            async with gw.session.get(
                URL(gw.url + "/api/catalog/products/a%2Fb?page=2&q=a%2Fb", encoded=True), headers=auth
            ) as r:
                body = await r.json()
            assert r.status == 200
            assert body["service"] == "catalog"
            assert body["path"] == "/products/a%2Fb?page=2&q=a%2Fb"
            async with gw.session.get(gw.url + "/api/auth/me", headers=auth) as r:
                assert (await r.json())["service"] == "auth"

    async def test_unknown_prefix_is_404_problem(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            for path in ("/api/nothing", "/api/authx/login", "/api/auth/login/../../catalog"):
                async with gw.session.get(gw.url + path) as r:
                    assert r.status == 404, path
                    assert r.headers["Content-Type"] == "application/problem+json"

    async def test_upstream_ops_endpoints_are_not_public(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            async with gw.session.get(gw.url + "/api/auth/metrics", headers=bearer(test_keys)) as r:
                assert r.status == 404
            assert upstream.hits["/metrics"] == 0

    async def test_streamed_download_passes_through(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            r = await gw.call("GET", "/api/auth/download?chunks=64", headers=bearer(test_keys))
        assert r.status == 200
        assert len(r.body) == 64 * 65536

    async def test_gateway_health_and_readiness(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream, "catalog": dead_url()}) as gw:
            async with gw.session.get(gw.url + "/healthz") as r:
                assert r.status == 200
            async with gw.session.get(gw.url + "/readyz") as r:
                report = await r.json()
            assert r.status == 200
            assert report["status"] == "degraded"
            assert report["upstreams"]["auth"]["healthy"] is True
            assert report["upstreams"]["catalog"]["healthy"] is False
            assert report["upstreams"]["catalog"]["breaker"] == "closed"
            assert report["rate_limit_store"]["redis"] is True
            async with gw.session.get(gw.url + "/metrics") as r:
                assert "gateway_requests_total" in await r.text()

    @pytest.mark.parametrize("path", ["/readyz", "/metrics"])
    @pytest.mark.parametrize(
        "header",
        [
            "X-Forwarded-For: 203.0.113.9",
            "X-Forwarded-For: 10.0.0.7",
            "Forwarded: for=10.0.0.7",
            "X-Real-IP: 10.0.0.7",
        ],
    )
    async def test_readiness_and_metrics_are_not_answered_through_a_proxy(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, path: str, header: str
    ) -> None:
        name, value = header.split(": ")
        async with gateway_for({"auth": upstream}) as gw:
            direct = await gw.call("GET", path)
            assert direct.status == 200  # the probe and the scraper, in the cluster
            through = await gw.call("GET", path, headers={name: value})  # the Ingress adds X-Forwarded-For
            assert through.status == 404, through.body
            assert b"gateway_requests_total" not in through.body
            assert (await gw.call("GET", "/healthz", headers={name: value})).status == 200


class TestAuthentication:
    async def test_token_required_outside_the_allow_list(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            async with gw.session.get(gw.url + "/api/auth/me") as r:
                assert r.status == 401
                assert r.headers["WWW-Authenticate"].startswith("Bearer")
                problem = await r.json(content_type=None)
                assert problem["status"] == 401
                assert problem["request_id"] == r.headers["X-Request-Id"]
            assert upstream.hits["/me"] == 0

    async def test_public_routes_need_no_token(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            for path in ("/api/auth/login", "/api/auth/password-reset/confirm"):
                async with gw.session.post(gw.url + path, json={"email": "a@b.c"}) as r:
                    assert r.status == 200, path
            assert upstream.hits["/login"] == 1

    async def test_bad_tokens_are_refused(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        other = TestKeys()
        expired = test_keys.issue(tenant_id=uuid.uuid4(), ttl_s=-60)
        async with gateway_for({"auth": upstream}) as gw:
            for token in (
                "garbage",
                expired,
                other.issue(tenant_id=uuid.uuid4()),
                test_keys.issue(aud="other"),
            ):
                async with gw.session.get(
                    gw.url + "/api/auth/me", headers={"Authorization": f"Bearer {token}"}
                ) as r:
                    assert r.status == 401
            assert upstream.hits["/me"] == 0

    async def test_valid_token_is_forwarded_for_the_service_to_verify_again(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        headers = bearer(test_keys)
        async with gateway_for({"auth": upstream}) as gw:
            r = await gw.call("GET", "/api/auth/me", headers=headers)
        assert r.status == 200
        assert r.json()["headers"]["authorization"] == headers["Authorization"]


class TestHeaders:
    async def test_spoofed_identity_headers_are_dropped(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        spoofed = {
            "X-User-Id": "admin",
            "X-Tenant-Id": str(uuid.uuid4()),
            "X-Principal-Roles": "owner",
            "X-Roles": "owner",
            "X-Scopes": "service",
            "X-Auth-Request-User": "root",
            "Forwarded": "for=1.2.3.4",
            "X-Forwarded-For": "6.6.6.6",
            "X-Real-IP": "6.6.6.6",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Prefix": "/evil",
        }
        async with gateway_for({"auth": upstream}) as gw:
            for path, auth in (("/api/auth/me", bearer(test_keys)), ("/api/auth/login", {})):
                async with gw.session.post(gw.url + path, headers={**spoofed, **auth}) as r:
                    seen = (await r.json())["headers"]
                for name in (
                    "x-user-id",
                    "x-tenant-id",
                    "x-principal-roles",
                    "x-roles",
                    "x-scopes",
                    "x-auth-request-user",
                    "forwarded",
                    "x-real-ip",
                ):
                    assert name not in seen, name
                assert seen["x-forwarded-for"] == "127.0.0.1"
                assert seen["x-forwarded-host"] != "evil.example"
                assert seen["x-forwarded-prefix"] == "/api/auth"

    async def test_forwarding_headers_and_hop_by_hop(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            host = gw.url.removeprefix("http://")
            headers = {
                **bearer(test_keys),
                "Connection": "keep-alive, X-Secret-Hop",
                "X-Secret-Hop": "1",
                "Keep-Alive": "timeout=5",
                "X-Request-Id": "client-req-12345",
            }
            async with gw.session.get(gw.url + "/api/auth/me", headers=headers) as r:
                seen = (await r.json())["headers"]
                assert r.headers["X-Request-Id"] == "client-req-12345"
            assert seen["x-forwarded-proto"] == "http"
            assert seen["x-forwarded-host"] == host
            assert seen["x-forwarded-prefix"] == "/api/auth"
            assert seen["x-request-id"] == "client-req-12345"
            assert "x-secret-hop" not in seen
            assert "keep-alive" not in seen
            async with gw.session.get(
                gw.url + "/api/auth/me", headers={**headers, "X-Request-Id": "bad id!"}
            ) as r:
                made = r.headers["X-Request-Id"]
                assert made != "bad id!"
                assert (await r.json())["headers"]["x-request-id"] == made

    async def test_trusted_proxy_forwarded_for(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}, trusted_proxies=["127.0.0.0/8"]) as gw:
            r = await gw.call("POST", "/api/auth/login", headers={"X-Forwarded-For": "203.0.113.9"})
        assert r.json()["headers"]["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"


class TestCors:
    async def test_preflight_from_the_extension(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            headers = {
                "Origin": EXTENSION,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            }
            async with gw.session.options(gw.url + "/api/catalog/products", headers=headers) as r:
                assert r.status == 204
                assert r.headers["Access-Control-Allow-Origin"] == EXTENSION
                assert "POST" in r.headers["Access-Control-Allow-Methods"]
                assert "authorization" in r.headers["Access-Control-Allow-Headers"]
                assert r.headers["Access-Control-Allow-Credentials"] == "true"
            async with gw.session.options(
                gw.url + "/api/auth/me", headers={**headers, "Origin": "https://evil.example"}
            ) as r:
                assert r.status == 403
                assert "Access-Control-Allow-Origin" not in r.headers
        assert sum(upstream.hits.values()) == 0

    async def test_actual_responses_carry_cors_even_when_refused(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            r = await gw.call("GET", "/api/auth/me", headers={"Origin": "http://localhost:5173"})
        assert r.status == 401
        assert r.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
        assert "x-request-id" in r.headers["Access-Control-Expose-Headers"]


class TestTimeoutsRetriesBreaker:
    async def test_slow_upstream_is_504(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        async with gateway_for({"auth": upstream}, auth_upstream={"timeout_s": 0.3}) as gw:
            r = await gw.call("GET", "/api/auth/slow?s=1", headers=bearer(test_keys))
        assert r.status == 504
        assert r.json()["type"].endswith("upstream-timeout")

    async def test_down_upstream_is_a_clean_502(
        self, gateway_for: GatewayFactory, test_keys: TestKeys
    ) -> None:
        async with gateway_for({"auth": dead_url()}) as gw:
            r = await gw.call("GET", "/api/auth/me", headers=bearer(test_keys))
        assert r.status == 502
        assert r.headers["Content-Type"] == "application/problem+json"

    @python_build_only
    async def test_idempotent_request_retried_after_connect_error(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        async with gateway_for({"auth": upstream}, upstream_retries=2) as gw:
            attempts = 0
            client = gw.app.client
            assert client is not None
            real = client.request

            async def flaky(*args: Any, **kwargs: Any) -> Exchange:
                nonlocal attempts
                attempts += 1
                if attempts == 1:
                    raise ConnectError("cannot connect to http://127.0.0.1:1: refused")
                return await real(*args, **kwargs)

            client.request = flaky  # type: ignore[method-assign]
            async with gw.session.get(gw.url + "/api/auth/me", headers=bearer(test_keys)) as r:
                assert r.status == 200
            assert attempts == 2
            attempts = 0
            async with gw.session.post(gw.url + "/api/auth/me", headers=bearer(test_keys), data=b"x") as r:
                assert r.status == 502  # POST is never retried
            assert attempts == 1

    async def test_breaker_opens_then_closes_after_recovery(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        auth = bearer(test_keys)
        async with gateway_for({"auth": upstream}, breaker_failure_threshold=3, breaker_open_s=0.3) as gw:
            upstream.fail_status = 503
            for _ in range(3):
                async with gw.session.get(gw.url + "/api/auth/me", headers=auth) as r:
                    assert r.status == 503
            assert upstream.hits["/me"] == 3
            async with gw.session.get(gw.url + "/api/auth/me", headers=auth) as r:
                assert r.status == 503
                assert "Retry-After" in r.headers
                assert (await r.json(content_type=None))["upstream"] == "auth"
            assert upstream.hits["/me"] == 3  # answered fast, the service was spared
            async with gw.session.get(gw.url + "/readyz") as r:
                assert (await r.json())["upstreams"]["auth"]["breaker"] == "open"

            upstream.fail_status = None
            await asyncio.sleep(0.35)
            async with gw.session.get(gw.url + "/api/auth/me", headers=auth) as r:  # the half-open probe
                assert r.status == 200
            async with gw.session.get(gw.url + "/api/auth/me", headers=auth) as r:
                assert r.status == 200
            assert gw.app.breakers["auth"].state == "closed"

    async def test_failed_probe_reopens(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        auth = bearer(test_keys)
        async with gateway_for({"auth": upstream}, breaker_failure_threshold=1, breaker_open_s=0.2) as gw:
            upstream.fail_status = 502
            async with gw.session.get(gw.url + "/api/auth/me", headers=auth) as r:
                assert r.status == 502
            await asyncio.sleep(0.25)
            async with gw.session.get(gw.url + "/api/auth/me", headers=auth) as r:
                assert r.status == 502  # the probe reached the service and failed
            async with gw.session.get(gw.url + "/api/auth/me", headers=auth) as r:
                assert r.status == 503
            assert upstream.hits["/me"] == 2


class TestWhatCountsAsAnOutage:
    async def test_a_services_own_502_and_503_answers_do_not_open_the_breaker(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        auth = bearer(test_keys)
        async with gateway_for({"auth": upstream}, breaker_failure_threshold=3, breaker_open_s=30) as gw:
            upstream.fail_content_type = "application/problem+json"
            for status in (502, 503, 504):
                upstream.fail_status = status
                # Concurrent, like bogus OAuth callbacks sent all at once by one seller.
                replies = await asyncio.gather(
                    *(gw.call("GET", "/api/auth/oauth/callback", headers=auth) for _ in range(5))
                )
                assert [r.status for r in replies] == [status] * 5
                assert replies[0].json()["type"] == "https://errors.vitrine.app/failing"
            assert gw.app.breakers["auth"].state == "closed"
            upstream.fail_status = None
            assert (await gw.call("GET", "/api/auth/me", headers=auth)).status == 200
        assert upstream.hits["/oauth/callback"] == 15

    async def test_a_bare_503_still_counts(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        auth = bearer(test_keys)
        async with gateway_for({"auth": upstream}, breaker_failure_threshold=3, breaker_open_s=30) as gw:
            upstream.fail_status = 503
            upstream.fail_content_type = "text/html"
            for _ in range(3):
                assert (await gw.call("GET", "/api/auth/me", headers=auth)).status == 503
            assert gw.app.breakers["auth"].state == "open"


class TestRequestId:
    async def test_sent_once_on_a_forwarded_answer(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            r = await gw.call(
                "GET", "/api/auth/me", headers={**bearer(test_keys), "X-Request-Id": "req-abcdefgh"}
            )
            assert r.status == 200
            assert r.headers.getall("X-Request-Id") == ["req-abcdefgh"]
            r = await gw.call("GET", "/api/auth/me")
            assert r.status == 401
            assert len(r.headers.getall("X-Request-Id")) == 1


class TestReadiness:
    async def test_upstreams_are_probed_once_per_period_however_often_asked(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}, readiness_cache_s=0.5) as gw:
            replies = await asyncio.gather(*(gw.call("GET", "/readyz") for _ in range(20)))
            assert {r.status for r in replies} == {200}
            assert all(r.json()["upstreams"]["auth"]["healthy"] for r in replies)
            assert upstream.hits["/healthz"] == 1
            await asyncio.sleep(0.6)
            await gw.call("GET", "/readyz")
            assert upstream.hits["/healthz"] == 2

    async def test_readyz_is_rate_limited_healthz_is_not(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        rules = [RateLimitRule(name="ip", key="ip", rate_per_s=0.01, burst=3)]
        async with gateway_for({"auth": upstream}, rate_limits=rules) as gw:
            statuses = [(await gw.call("GET", "/readyz")).status for _ in range(4)]
            assert statuses == [200, 200, 200, 429]
            assert (await gw.call("GET", "/openapi.json")).status == 429
            assert {(await gw.call("GET", "/healthz")).status for _ in range(10)} == {200}
