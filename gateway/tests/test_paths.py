"""How a path is read: decoded once, checked as the upstream will see it, re-encoded for the upstream."""

from __future__ import annotations

import asyncio
import uuid

from gateway.http1 import Exchange
from vitrine_kit.testing.tokens import TestKeys
from yarl import URL

from .conftest import GatewayFactory, Reply, RunningGateway, UpstreamServer, python_build_only


def bearer(test_keys: TestKeys) -> dict[str, str]:
    return {"Authorization": "Bearer " + test_keys.issue(tenant_id=uuid.uuid4())}


async def raw_get(gw: RunningGateway, path: str, headers: dict[str, str] | None = None) -> Reply:
    """A GET with the path sent exactly as written (no client-side normalisation)."""
    async with gw.session.get(URL(gw.url + path, encoded=True), headers=headers) as r:
        return Reply(r.status, r.headers, await r.read())


async def half_open(gw: RunningGateway, upstream: UpstreamServer, auth: dict[str, str]) -> None:
    """Open the auth breaker (threshold 1) with one failure, then wait until it lets a probe through."""
    upstream.fail_status = 503
    assert (await gw.call("GET", "/api/auth/me", headers=auth)).status == 503
    assert gw.app.breakers["auth"].state == "open"
    upstream.fail_status = None
    await asyncio.sleep(0.25)


class TestEncodedPaths:
    async def test_an_encoded_prefix_reaches_the_decoded_path_and_releases_the_probe(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        auth = bearer(test_keys)
        async with gateway_for({"auth": upstream}, breaker_failure_threshold=1, breaker_open_s=0.2) as gw:
            await half_open(gw, upstream, auth)
            r = await raw_get(gw, "/api/aut%68/.well-known/jwks.json", auth)  # the probe
            assert r.status == 200
            assert "keys" in r.json()
            assert (await gw.call("GET", "/api/auth/me", headers=auth)).status == 200
            assert gw.app.breakers["auth"].state == "closed"

    async def test_the_upstream_gets_the_decoded_path_re_encoded(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            r = await raw_get(gw, "/api/auth/%6De/caf%C3%A9%20au%20lait;v=1?x=%2F", bearer(test_keys))
        assert r.status == 200
        assert r.json()["path"] == "/me/caf%C3%A9%20au%20lait;v=1?x=%2F"

    async def test_dot_segments_are_refused_however_spelt(
        self,
        gateway_for: GatewayFactory,
        upstream: UpstreamServer,
        second_upstream: UpstreamServer,
        test_keys: TestKeys,
    ) -> None:
        auth = bearer(test_keys)
        async with gateway_for({"auth": upstream, "catalog": second_upstream}) as gw:
            for path in (
                "/api/auth/%2e%2e/catalog/products",
                "/api/auth/%2E/me",
                "/api/auth/x%2F..%2F..%2Fcatalog/products",
                "/api/auth/login/%2e%2e/%2e%2e/catalog/products",
            ):
                r = await raw_get(gw, path, auth)
                assert r.status == 400, path
                assert r.headers["Content-Type"] == "application/problem+json"
        assert sum(upstream.hits.values()) + sum(second_upstream.hits.values()) == 0

    async def test_an_encoded_slash_in_the_service_prefix_is_refused(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            for path in ("/api%2Fauth/me", "/api%2fauth%2Fme", "/api/auth%2F/me"):
                r = await raw_get(gw, path, bearer(test_keys))
                assert r.status == 400, path
        assert sum(upstream.hits.values()) == 0

    async def test_double_encoding_nul_and_control_characters_are_refused(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            for path in (
                "/api/auth/%252e%252e/me",
                "/api/aut%2568/me",
                "/api/auth/%252Fme",
                "/api/auth/me%00.json",
                "/api/auth/me%0d%0aX-Injected:%201",
                "/api/auth/%FF%FE",
            ):
                r = await raw_get(gw, path, bearer(test_keys))
                assert r.status == 400, path
        assert sum(upstream.hits.values()) == 0

    @python_build_only
    async def test_a_half_open_probe_that_raises_leaves_the_breaker_usable(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        auth = bearer(test_keys)
        async with gateway_for({"auth": upstream}, breaker_failure_threshold=1, breaker_open_s=0.2) as gw:
            await half_open(gw, upstream, auth)
            client = gw.app.client
            assert client is not None
            real = client.request

            async def broken(*args: object, **kwargs: object) -> Exchange:
                raise RuntimeError("a bug while building the upstream request")

            client.request = broken  # type: ignore[method-assign]
            r = await gw.call("GET", "/api/auth/me", headers=auth)  # the probe
            assert r.status == 500
            client.request = real  # type: ignore[method-assign]
            assert (await gw.call("GET", "/api/auth/me", headers=auth)).status == 200
            assert gw.app.breakers["auth"].state == "closed"
            assert r.headers["Content-Type"] == "application/problem+json"


class TestInternalPaths:
    async def test_internal_apis_are_unreachable_however_spelt(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        async with gateway_for({"media": upstream}) as gw:
            for path in (
                "/api/media/internal/images/resolve",
                "/api/media/internal",
                "/api/media/internal/",
                "/api/media/%69nternal/images/resolve",
                "/api/media//internal/images/resolve",
                "/api/media/internal%2Fimages/resolve",
                "/api/media/%2Finternal/images",
                "/api/media/metrics/",
                "/api/media/%72eadyz",
            ):
                r = await raw_get(gw, path, bearer(test_keys))
                assert r.status == 404, path
            r = await raw_get(gw, "/api/media/internals", bearer(test_keys))
            assert r.status == 200  # only the /internal tree is closed
        assert set(upstream.hits) == {"/internals"}
