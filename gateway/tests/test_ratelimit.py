"""Token buckets per IP, per tenant and per route, in Redis, with the per-replica fallback."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from gateway.client import client_key
from gateway.config import RateLimitRule
from gateway.ratelimit import DEBIT_LUA, TOKEN_BUCKET_LUA, RateLimiter
from multidict import CIMultiDict
from vitrine_kit.testing.tokens import TestKeys

from .conftest import GatewayFactory, UpstreamServer, python_build_only


class TestRateLimits:
    async def test_tenant_bucket_refuses_with_headers(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        rules = [RateLimitRule(name="tenant", key="tenant", rate_per_s=0.5, burst=3)]
        one = {"Authorization": "Bearer " + test_keys.issue(tenant_id=uuid.uuid4())}
        other = {"Authorization": "Bearer " + test_keys.issue(tenant_id=uuid.uuid4())}
        async with gateway_for({"auth": upstream}, rate_limits=rules) as gw:
            remaining = []
            for _ in range(3):
                r = await gw.call("GET", "/api/auth/me", headers=one)
                assert r.status == 200
                assert r.headers["RateLimit-Limit"] == "3"
                remaining.append(int(r.headers["RateLimit-Remaining"]))
            assert remaining == [2, 1, 0]
            r = await gw.call("GET", "/api/auth/me", headers=one)
            assert r.status == 429
            assert int(r.headers["Retry-After"]) >= 1
            assert r.headers["RateLimit-Remaining"] == "0"
            assert "name=tenant" in r.headers["RateLimit-Policy"]
            assert r.json()["retry_after"] == int(r.headers["Retry-After"])
            assert (await gw.call("GET", "/api/auth/me", headers=other)).status == 200  # tenants are apart
        assert upstream.hits["/me"] == 4

    async def test_login_is_tighter_than_the_rest(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        rules = [
            RateLimitRule(name="ip", key="ip", rate_per_s=100, burst=100),
            RateLimitRule(
                name="login", key="ip", rate_per_s=0.1, burst=2, paths=["/api/auth/login"], methods=["POST"]
            ),
        ]
        async with gateway_for({"auth": upstream}, rate_limits=rules) as gw:
            statuses = [(await gw.call("POST", "/api/auth/login")).status for _ in range(3)]
            assert statuses == [200, 200, 429]
            r = await gw.call("POST", "/api/auth/register")
            assert r.status == 200
            assert "name=ip" in r.headers["RateLimit-Policy"]

    async def test_ip_bucket_applies_without_a_token(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        rules = [RateLimitRule(name="ip", key="ip", rate_per_s=0.1, burst=2)]
        async with gateway_for({"auth": upstream}, rate_limits=rules) as gw:
            statuses = [(await gw.call("POST", "/api/auth/register")).status for _ in range(3)]
        assert statuses == [200, 200, 429]


class TestFallback:
    async def test_redis_down_falls_back_to_per_replica_share(self) -> None:
        limiter = RateLimiter("redis://127.0.0.1:1/0", key_prefix="test:", timeout_s=0.05, replicas=2)
        rule = RateLimitRule(name="ip", key="ip", rate_per_s=0.01, burst=4)
        try:
            results = [(await limiter.check([(rule, "1.2.3.4")])).allowed for _ in range(3)]
            assert limiter.using_fallback
            assert results == [True, True, False]  # two replicas: each holds half of the burst
        finally:
            await limiter.close()

    async def test_buckets_are_shared_through_redis(self) -> None:
        prefix = f"test:gw:{uuid.uuid4().hex}:"
        replicas = [RateLimiter("redis://127.0.0.1:6379/0", key_prefix=prefix) for _ in range(2)]
        rule = RateLimitRule(name="tenant", key="tenant", rate_per_s=0.01, burst=3)
        try:
            results = [(await replicas[i % 2].check([(rule, "t1")])).allowed for i in range(4)]
            assert results == [True, True, True, False]
            assert not replicas[0].using_fallback
        finally:
            for limiter in replicas:
                await limiter.close()


class TestOptimisticAdmission:
    async def test_far_from_the_limit_no_wait_near_it_exact(self) -> None:
        limiter = RateLimiter("redis://127.0.0.1:6379/0", key_prefix=f"test:gw:{uuid.uuid4().hex}:")
        rule = RateLimitRule(name="tenant", key="tenant", rate_per_s=0.001, burst=8)
        try:
            results = [(await limiter.check([(rule, "t")])).allowed for _ in range(10)]
            assert results == [True] * 8 + [False] * 2
            tokens = await limiter.redis.hget(limiter.key_prefix + "tenant:t", "t")
            assert float(tokens) < 1  # every admitted request was counted in Redis
        finally:
            await limiter.close()

    async def test_two_replicas_overshoot_is_bounded(self) -> None:
        prefix = f"test:gw:{uuid.uuid4().hex}:"
        replicas = [RateLimiter("redis://127.0.0.1:6379/0", key_prefix=prefix, replicas=2) for _ in range(2)]
        rule = RateLimitRule(name="tenant", key="tenant", rate_per_s=0.001, burst=40)
        limiter_margin = replicas[0].margin
        try:
            allowed = [(await replicas[i % 2].check([(rule, "t")])).allowed for i in range(60)]
            assert 40 <= sum(allowed) <= 40 + 40 * limiter_margin
            assert allowed[-5:] == [False] * 5
        finally:
            for limiter in replicas:
                await limiter.close()


class TestClientAddress:
    async def test_ipv6_clients_share_a_bucket_per_64(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        rules = [RateLimitRule(name="ip", key="ip", rate_per_s=0.01, burst=2)]
        async with gateway_for({"auth": upstream}, rate_limits=rules, trusted_proxies=["127.0.0.1/32"]) as gw:
            statuses = [
                (await gw.call("POST", "/api/auth/login", headers={"X-Forwarded-For": address})).status
                for address in ("2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff")
            ]
            assert statuses == [200, 200, 429]
            other = await gw.call("POST", "/api/auth/login", headers={"X-Forwarded-For": "2001:db8:1:3::1"})
            assert other.status == 200

    def test_keys(self) -> None:
        assert client_key("203.0.113.9") == "203.0.113.9"
        assert client_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
        assert client_key("::ffff:203.0.113.9") == "203.0.113.9"
        assert client_key("unknown") == "unknown"

    async def test_behind_a_trusted_proxy_the_rightmost_untrusted_address_is_the_client(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        rules = [RateLimitRule(name="ip", key="ip", rate_per_s=0.01, burst=1)]
        async with gateway_for(
            {"auth": upstream}, rate_limits=rules, trusted_proxies=["127.0.0.0/8", "10.0.0.0/8"]
        ) as gw:

            async def login(forwarded_for: str) -> int:
                return (
                    await gw.call("POST", "/api/auth/login", headers={"X-Forwarded-For": forwarded_for})
                ).status

            # The client may write anything on the left; the proxies' own entries on the right are skipped.
            assert await login("6.6.6.6, 203.0.113.9, 10.0.0.2") == 200
            assert await login("7.7.7.7, 203.0.113.9") == 429  # same client: the forged part is ignored
            assert await login("203.0.113.10") == 200

    async def test_an_untrusted_peers_forwarded_for_is_ignored(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        rules = [RateLimitRule(name="ip", key="ip", rate_per_s=0.01, burst=1)]
        async with gateway_for({"auth": upstream}, rate_limits=rules, trusted_proxies=["10.0.0.0/8"]) as gw:
            first = await gw.call("POST", "/api/auth/login", headers={"X-Forwarded-For": "203.0.113.1"})
            second = await gw.call("POST", "/api/auth/login", headers={"X-Forwarded-For": "203.0.113.2"})
            assert [first.status, second.status] == [200, 429]  # both are the peer, 127.0.0.1
            assert first.json()["headers"]["x-forwarded-for"] == "127.0.0.1"

    async def test_several_forwarded_for_lines_are_one_list(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}, trusted_proxies=["127.0.0.0/8"]) as gw:
            headers = CIMultiDict([("X-Forwarded-For", "198.51.100.7"), ("X-Forwarded-For", "203.0.113.9")])
            r = await gw.call("POST", "/api/auth/login", headers=headers)
        assert r.json()["headers"]["x-forwarded-for"] == "198.51.100.7, 203.0.113.9, 127.0.0.1"


class TestDeferredDebits:
    @python_build_only
    async def test_far_from_the_limit_admissions_reach_redis_in_a_few_calls(self) -> None:
        limiter = RateLimiter("redis://127.0.0.1:6379/0", key_prefix=f"test:gw:{uuid.uuid4().hex}:")
        rule = RateLimitRule(name="tenant", key="tenant", rate_per_s=0.001, burst=1000)
        scripts: list[str] = []
        run = limiter._batcher.run

        def counting(script: str, keys: list[str], args: list[float]) -> asyncio.Future[Any]:
            scripts.append(script)
            return run(script, keys, args)

        limiter._batcher.run = counting  # type: ignore[method-assign]
        try:
            results = [(await limiter.check([(rule, "t")])).allowed for _ in range(100)]
            assert all(results)
            await asyncio.sleep(limiter.sync_s * 4)
            tokens = float(await limiter.redis.hget(limiter.key_prefix + "tenant:t", "t"))
            assert 900 <= tokens < 901  # every admission counted (and the refill of a few ms at most)
            assert scripts.count(TOKEN_BUCKET_LUA) == 1  # the first: no view yet
            assert 1 <= scripts.count(DEBIT_LUA) <= 3
        finally:
            await limiter.close()

    async def test_close_sends_what_is_left_to_debit(self) -> None:
        prefix = f"test:gw:{uuid.uuid4().hex}:"
        limiter = RateLimiter("redis://127.0.0.1:6379/0", key_prefix=prefix, sync_s=60)
        rule = RateLimitRule(name="tenant", key="tenant", rate_per_s=0.001, burst=1000)
        for _ in range(10):
            assert (await limiter.check([(rule, "t")])).allowed
        await limiter.close()
        other = RateLimiter("redis://127.0.0.1:6379/0", key_prefix=prefix)
        try:
            assert 990 <= float(await other.redis.hget(prefix + "tenant:t", "t")) < 991
        finally:
            await other.close()
