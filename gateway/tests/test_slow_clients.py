"""Slow clients and a full pool: neither takes a service down for everyone else, nor opens its breaker."""

from __future__ import annotations

import asyncio
import time
import uuid

from vitrine_kit.testing.tokens import TestKeys

from .conftest import GatewayFactory, RunningGateway, UpstreamServer

PUBLIC = ["/api/auth/login", "/api/auth/refresh"]


async def stalled_upload(
    gw: RunningGateway, declared: int, sent: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A client that declares ``declared`` bytes, sends ``sent`` of them, then nothing."""
    host, port = gw.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        f"POST /api/auth/refresh HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {declared}\r\n\r\n".encode()
        + b"x" * sent
    )
    await writer.drain()
    return reader, writer


async def status_of(reader: asyncio.StreamReader, timeout_s: float) -> int:
    line = await asyncio.wait_for(reader.readline(), timeout_s)
    return int(line.split()[1])


class TestSlowBodies:
    async def test_stalled_uploads_do_not_stop_other_requests(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        auth = {"Authorization": "Bearer " + test_keys.issue(tenant_id=uuid.uuid4())}
        async with gateway_for(
            {"auth": upstream},
            public_routes=PUBLIC,
            upstream_pool_size_per_host=4,
            upload_streams_per_client=2,
            breaker_failure_threshold=2,
            request_body_timeout_s=3.0,
        ) as gw:
            slow = [await stalled_upload(gw, 100_000, 70_000) for _ in range(8)]
            try:
                await asyncio.sleep(0.3)
                for _ in range(6):
                    started = time.monotonic()
                    r = await asyncio.wait_for(
                        gw.call("POST", "/api/auth/login", json={"email": "a@b.c"}), 1.5
                    )
                    assert r.status == 200
                    assert time.monotonic() - started < 1.0
                    r = await asyncio.wait_for(gw.call("GET", "/api/auth/me", headers=auth), 1.5)
                    assert r.status == 200
                assert gw.app.breakers["auth"].state == "closed"
                assert gw.app.breakers["auth"].failures == 0
                # Over the per-client share at once, the rest after the body time limit: all are answered.
                statuses = sorted([await status_of(reader, 5) for reader, _ in slow])
                assert statuses == [408, 408, 429, 429, 429, 429, 429, 429]
                assert gw.app.breakers["auth"].state == "closed"
            finally:
                for _, writer in slow:
                    writer.close()

    async def test_a_small_body_that_stalls_is_408_and_never_reaches_the_service(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}, public_routes=PUBLIC, request_body_timeout_s=0.5) as gw:
            started = time.monotonic()
            reader, writer = await stalled_upload(gw, 1000, 10)
            try:
                assert await status_of(reader, 5) == 408
                assert time.monotonic() - started < 2
                head = await asyncio.wait_for(reader.read(), 2)  # the gateway closes the connection
                assert b"connection: close" in head.lower()
            finally:
                writer.close()
        assert upstream.hits["/refresh"] == 0

    async def test_a_trickle_below_the_minimum_rate_is_408(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for(
            {"auth": upstream},
            public_routes=PUBLIC,
            request_body_timeout_s=30,
            request_body_min_rate=1000,
            request_body_grace_s=0.3,
        ) as gw:
            reader, writer = await stalled_upload(gw, 100_000, 0)
            try:
                started = time.monotonic()
                answered = asyncio.ensure_future(status_of(reader, 10))
                while not answered.done() and time.monotonic() - started < 10:
                    writer.write(b"x" * 10)  # 100 bytes/s
                    await asyncio.sleep(0.1)
                assert await answered == 408
                assert time.monotonic() - started < 3
            finally:
                writer.close()


class TestSlowUpstream:
    async def test_an_upstream_that_does_not_read_a_streamed_body_is_a_504(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        auth = {"Authorization": "Bearer " + test_keys.issue(tenant_id=uuid.uuid4())}
        async with gateway_for(
            {"auth": upstream},
            auth_upstream={"timeout_s": 0.5, "max_body_bytes": 64 * 1024 * 1024},
            request_body_timeout_s=1.0,
        ) as gw:
            started = time.monotonic()
            r = await gw.call("POST", "/api/auth/stall", headers=auth, data=b"x" * (48 * 1024 * 1024))
            assert r.status == 504
            assert time.monotonic() - started < 5
            assert gw.app.breakers["auth"].failures == 1  # the upstream's doing, not the client's


class TestPoolWait:
    async def test_a_full_pool_is_503_for_that_request_only_and_no_outage(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        auth = {"Authorization": "Bearer " + test_keys.issue(tenant_id=uuid.uuid4())}
        async with gateway_for(
            {"auth": upstream},
            auth_upstream={"connect_timeout_s": 0.5},
            upstream_pool_size_per_host=1,
            upstream_pool_wait_s=0.2,
            breaker_failure_threshold=1,
        ) as gw:
            slow = asyncio.ensure_future(gw.call("GET", "/api/auth/slow?s=1.5", headers=auth))
            await asyncio.sleep(0.2)
            r = await gw.call("GET", "/api/auth/me", headers=auth)
            assert r.status == 503
            assert r.headers["Retry-After"] == "1"
            assert r.json()["type"].endswith("/upstream-busy")
            assert gw.app.breakers["auth"].state == "closed"
            assert (await slow).status == 200
            assert (await gw.call("GET", "/api/auth/me", headers=auth)).status == 200
